package dev.pier.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.monitoring.capture.CaptureStore.CapturedRow;
import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.monitoring.profile.CaptureProfile;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Latency per window in sketch runs: from hourly profiles that count each request once and sketch its latency, merged
 * across writers and hours, against the exact {@link WindowLatency#of} over the same rows.
 */
class SketchLatencyTest {
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  @Test
  void mergedProfilesGiveTheWindowsRequestsMaxAndQuantilesWithinTheSketchsRankError() {
    Random random = new Random(3);
    List<CapturedPrediction> rows = new ArrayList<>();
    for (int r = 0; r < 20_000; r++) {
      double latency = Math.exp(random.nextGaussian()) * 20; // log-normal, ms
      int perRequest = 1 + r % 3; // a request's rows share its latency and count once
      for (int i = 0; i < perRequest; i++) {
        rows.add(new CapturedPrediction("m", 1, "q" + r, i, T0.plusMillis(r * 300L), "oip-rest",
            Map.of("x", (double) i), Map.of("y", 0.5), null, r % 10 == 9 ? Double.NaN : latency));
      }
    }
    // three writers' profiles, each through its bytes, merged
    CaptureProfile merged = new CaptureProfile();
    for (int part = 0; part < 3; part++) {
      CaptureProfile p = new CaptureProfile();
      for (int i = part; i < rows.size(); i += 3) {
        p.add(rows.get(i));
      }
      merged.merge(CaptureProfile.fromBytes(p.toBytes()));
    }
    Duration window = Duration.ofHours(2);
    WindowLatency sketch = WindowLatency.ofProfile(merged, window);
    WindowLatency exact = WindowLatency.of(rows.stream().map(p -> new CapturedRow(p.requestId(), p.row(),
        p.time(), p.wayIn(), Map.<String, Object>copyOf(p.inputs()), Map.<String, Object>copyOf(p.outputs()),
        p.latencyMs())).toList(), window);

    assertThat(sketch.requests()).isEqualTo(exact.requests()).isEqualTo(20_000);
    assertThat(sketch.timed()).isEqualTo(exact.timed()).isEqualTo(18_000);
    assertThat(sketch.requestsPerSecond()).isEqualTo(exact.requestsPerSecond());
    assertThat(sketch.maxMs()).isEqualTo(exact.maxMs());
    double[] sorted = rows.stream().filter(p -> p.row() == 0 && Double.isFinite(p.latencyMs()))
        .mapToDouble(CapturedPrediction::latencyMs).sorted().toArray();
    double rankError = merged.latency().rankError();
    assertThat(rankError).isPositive().isLessThan(0.01);
    for (double q : new double[] {0.5, 0.95}) {
      double value = q == 0.5 ? sketch.p50Ms() : sketch.p95Ms();
      assertThat(value).as("q" + q).isBetween(WindowLatency.quantile(sorted, q - rankError),
          WindowLatency.quantile(sorted, q + rankError));
    }
    assertThat(sketch.p95Ms()).isCloseTo(exact.p95Ms(), org.assertj.core.api.Assertions.withinPercentage(2));

    // a profile written before requests were counted (no requests block after the outputs) reads as none
    byte[] bytes = merged.toBytes();
    int inputs = ByteBuffer.wrap(bytes, 4, 4).getInt();
    int outputs = ByteBuffer.wrap(bytes, 8 + inputs, 4).getInt();
    CaptureProfile old = CaptureProfile.fromBytes(Arrays.copyOf(bytes, 12 + inputs + outputs));
    assertThat(old.rows()).isEqualTo(rows.size());
    assertThat(old.requests()).isZero();
    assertThat(WindowLatency.ofProfile(old, window)).isNull();
  }
}
