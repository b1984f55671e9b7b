package dev.pier.monitoring;

import dev.pier.monitoring.capture.CaptureStore.CapturedRow;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Latency and throughput of a window's captured requests: each request counts once whatever its rows, with the
 * latency the CAPTURE stage recorded (arrival to answer). Quantiles interpolate linearly between order statistics,
 * as NumPy's {@code percentile} does by default. With a sample rate below 1 the counts are of captured requests:
 * divide by the rate for all requests.
 *
 * @param requests captured requests in the window
 * @param timed those with a recorded latency (captures written before latency was recorded have none)
 * @param requestsPerSecond captured requests over the window's length
 * @param p50Ms null when no request is timed (likewise p95 and max)
 */
public record WindowLatency(long requests, long timed, double requestsPerSecond, Double p50Ms, Double p95Ms,
    Double maxMs) {

  public static WindowLatency of(List<CapturedRow> rows, Duration window) {
    Map<String, Double> byRequest = new HashMap<>();
    long anonymous = 0;
    for (CapturedRow row : rows) {
      if (row.requestId() == null) {
        anonymous++;
      } else {
        byRequest.merge(row.requestId(), row.latencyMs() == null ? Double.NaN : row.latencyMs(),
            (a, b) -> Double.isNaN(a) ? b : a);
      }
    }
    double[] latencies = byRequest.values().stream().mapToDouble(Double::doubleValue).filter(Double::isFinite)
        .sorted().toArray();
    long requests = byRequest.size() + anonymous;
    double seconds = window.toMillis() / 1000.0;
    if (latencies.length == 0) {
      return new WindowLatency(requests, 0, requests / seconds, null, null, null);
    }
    return new WindowLatency(requests, latencies.length, requests / seconds, quantile(latencies, 0.5),
        quantile(latencies, 0.95), latencies[latencies.length - 1]);
  }

  /**
   * From a window's merged profiles (a sketch run): requests and timed exactly, the maximum exactly, p50 and p95 from
   * the profiles' KLL sketch of the latencies (within its rank error, {@link ColumnProfile#rankError()}, of the exact
   * quantiles). Profiles written before requests were counted add none: a window of only those answers null.
   */
  public static WindowLatency ofProfile(dev.pier.monitoring.profile.CaptureProfile profile, Duration window) {
    long requests = profile.requests();
    if (requests == 0) {
      return null;
    }
    double seconds = window.toMillis() / 1000.0;
    dev.pier.monitoring.profile.ColumnProfile latency = profile.latency();
    long timed = latency.numericCount();
    if (timed == 0) {
      return new WindowLatency(requests, 0, requests / seconds, null, null, null);
    }
    return new WindowLatency(requests, timed, requests / seconds, latency.quantile(0.5), latency.quantile(0.95),
        latency.max());
  }

  /** The q-quantile of sorted values, interpolated linearly (NumPy's default, Hyndman and Fan's type 7). */
  static double quantile(double[] sorted, double q) {
    double h = (sorted.length - 1) * q;
    int lo = (int) Math.floor(h);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }
}
