package dev.pier.endpoints.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The load generator of {@code ./pier bench gpu}: {@code clients} closed-loop clients (each sends its next request
 * when its last is answered) post OIP requests of random FP32 rows to an endpoint's {@code /invocations} for a warm-up
 * and then a measured period, and print one line: throughput, p50/p95/p99 latency, errors, and the mean batch size
 * the endpoint's /metrics report over the measured period (so a batcher that does not batch shows at once).
 *
 * <pre>
 * EndpointLoad --url http://127.0.0.1:8080 --input x --shape 1,2048 [--clients 32] [--seconds 15] [--warmup 5]
 *              [--label text] [--binary true] [--price-per-hour USD]
 * </pre>
 *
 * With {@code --price-per-hour} (the instance's on-demand price) the line also says what a million predictions (rows)
 * cost at the measured throughput, one instance: Inference Recommender's cost figure, from the user's own run.
 *
 * With {@code --binary true} the rows travel as raw little-endian FP32 in OIP's binary tensor extension (a JSON header
 * of {@code Inference-Header-Content-Length} bytes, then the data), as image models' clients send them.
 */
public final class EndpointLoad {
  private static final Pattern SUM = Pattern.compile("pier_endpoint_batch_size_sum\\{[^}]*} (\\S+)");
  private static final Pattern COUNT = Pattern.compile("pier_endpoint_batch_size_count\\{[^}]*} (\\S+)");

  private EndpointLoad() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i], args[i + 1]);
    }
    String url = a.getOrDefault("--url", "http://127.0.0.1:8080");
    String input = a.getOrDefault("--input", "x");
    long[] shape = Arrays.stream(a.getOrDefault("--shape", "1,2048").split(",")).mapToLong(Long::parseLong).toArray();
    int clients = Integer.parseInt(a.getOrDefault("--clients", "32"));
    int seconds = Integer.parseInt(a.getOrDefault("--seconds", "15"));
    int warmup = Integer.parseInt(a.getOrDefault("--warmup", "5"));
    String label = a.getOrDefault("--label", url);
    boolean binary = Boolean.parseBoolean(a.getOrDefault("--binary", "false"));
    String price = a.get("--price-per-hour");
    double pricePerHour = price == null || price.isBlank() ? Double.NaN : Double.parseDouble(price);
    Result r = run(url, input, shape, clients, warmup, seconds, binary);
    double perMillion = costPerMillion(pricePerHour, r.throughput() * shape[0]);
    System.out.printf("%s: clients=%d throughput=%.1f/s p50=%.2fms p95=%.2fms p99=%.2fms requests=%d errors=%d"
        + " mean_batch=%s%s%n", label, clients, r.throughput(), r.p50(), r.p95(), r.p99(), r.requests(), r.errors(),
        Double.isNaN(r.meanBatch()) ? "n/a" : String.format("%.1f", r.meanBatch()),
        Double.isNaN(perMillion) ? "" : String.format(" cost_per_million=$%.4f (at $%s/h)", perMillion, price));
  }

  /**
   * What a million predictions cost on one instance priced {@code pricePerHour} serving
   * {@code predictionsPerSecond}: NaN without a price or without throughput.
   */
  static double costPerMillion(double pricePerHour, double predictionsPerSecond) {
    if (Double.isNaN(pricePerHour) || !(predictionsPerSecond > 0)) {
      return Double.NaN;
    }
    return pricePerHour / (predictionsPerSecond * 3600) * 1_000_000;
  }

  /** One measured period. */
  public record Result(double throughput, double p50, double p95, double p99, long requests, long errors,
      double meanBatch) {}

  public static Result run(String url, String input, long[] shape, int clients, int warmupSeconds, int seconds,
      boolean binary) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    URI invocations = URI.create(url + "/invocations");
    List<byte[]> bodies = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(42);
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    int[] headerLengths = new int[64];
    for (int b = 0; b < 64; b++) {
      StringBuilder json = new StringBuilder("{\"inputs\":[{\"name\":\"").append(input)
          .append("\",\"datatype\":\"FP32\",\"shape\":").append(Arrays.toString(shape).replace(" ", ""));
      if (binary) {
        java.nio.ByteBuffer data = java.nio.ByteBuffer.allocate((int) (4 * n)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) {
          data.putFloat((float) random.nextDouble(-1, 1));
        }
        byte[] header = json.append(",\"parameters\":{\"binary_data_size\":").append(4 * n).append("}}]}")
            .toString().getBytes(StandardCharsets.UTF_8);
        byte[] body = Arrays.copyOf(header, header.length + data.capacity());
        System.arraycopy(data.array(), 0, body, header.length, data.capacity());
        headerLengths[b] = header.length;
        bodies.add(body);
        continue;
      }
      json.append(",\"data\":[");
      for (long i = 0; i < n; i++) {
        json.append(i == 0 ? "" : ",").append((float) random.nextDouble(-1, 1));
      }
      bodies.add(json.append("]}]}").toString().getBytes(StandardCharsets.UTF_8));
      headerLengths[b] = -1;
    }
    long start = System.nanoTime();
    long measureFrom = start + warmupSeconds * 1_000_000_000L;
    long end = measureFrom + seconds * 1_000_000_000L;
    long[][] latencies = new long[clients][];
    int[] counts = new int[clients];
    AtomicLong errors = new AtomicLong();
    double[] before = new double[2];
    Thread[] threads = new Thread[clients];
    for (int c = 0; c < clients; c++) {
      int client = c;
      latencies[c] = new long[1 << 16];
      threads[c] = Thread.ofVirtual().start(() -> {
        int i = client;
        while (true) {
          long t0 = System.nanoTime();
          if (t0 >= end) {
            return;
          }
          try {
            int k = i++ % bodies.size();
            HttpRequest.Builder req = HttpRequest.newBuilder(invocations)
                .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(k)));
            if (headerLengths[k] >= 0) {
              req.header("Content-Type", "application/octet-stream")
                  .header("Inference-Header-Content-Length", Integer.toString(headerLengths[k]));
            } else {
              req.header("Content-Type", "application/json");
            }
            HttpResponse<byte[]> r = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
            long t1 = System.nanoTime();
            if (t0 >= measureFrom && t1 <= end) {
              if (r.statusCode() != 200) {
                errors.incrementAndGet();
              } else if (counts[client] < latencies[client].length) {
                latencies[client][counts[client]++] = t1 - t0;
              }
            }
          } catch (Exception e) {
            if (t0 >= measureFrom) {
              errors.incrementAndGet();
            }
          }
        }
      });
    }
    Thread.sleep(Math.max(0, (measureFrom - System.nanoTime()) / 1_000_000));
    double[] b0 = batches(http, url);
    for (Thread t : threads) {
      t.join();
    }
    double[] b1 = batches(http, url);
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int at = 0;
    for (int c = 0; c < clients; c++) {
      System.arraycopy(latencies[c], 0, all, at, counts[c]);
      at += counts[c];
    }
    Arrays.sort(all);
    double meanBatch = b0 == null || b1 == null || b1[1] == b0[1] ? Double.NaN : (b1[0] - b0[0]) / (b1[1] - b0[1]);
    return new Result(total / (double) seconds, pct(all, 0.50), pct(all, 0.95), pct(all, 0.99), total, errors.get(),
        meanBatch);
  }

  private static double pct(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
  }

  /** The endpoint's batch-size histogram sum and count, or null when it has none. */
  private static double[] batches(HttpClient http, String url) {
    try {
      String m = http.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      Matcher s = SUM.matcher(m);
      Matcher c = COUNT.matcher(m);
      return s.find() && c.find() ? new double[] {Double.parseDouble(s.group(1)), Double.parseDouble(c.group(1))}
          : null;
    } catch (Exception e) {
      return null;
    }
  }
}
