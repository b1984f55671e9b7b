package dev.pier.features;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code ./pier bench features}, the online target over HTTP: against a running {@code ./pier up} at {@code args[0]},
 * applies one view of 200 FLOAT64 features ({@code bench_wide}, a push source over {@code s3://pier-batch/}), pushes
 * 1,000 drivers, then sends {@code POST /get-online-features} open-loop at {@code args[1]} requests/s (default 200)
 * for {@code args[2]} seconds (default 30) after a closed-loop warm-up ({@link #warmUp}) and 10 s of open loop, for
 * 1 entity × 50 features and 50 entities × 200 features ({@code PIER_BENCH_CASES=1x50} or {@code 50x200}: one
 * alone); {@code args[3]} names how that server reaches its DynamoDB stand-in ({@code http} or {@code in-process},
 * for the printed lines only); {@code args[4]}, when given, is that server's process id, whose CPU time per request
 * (all its threads: Pier, the stand-ins, JIT and GC) is printed beside the load generator's own. Latency is measured
 * from each request's scheduled start, so a stalled server shows in the tail instead of slowing the sender (no
 * coordinated omission). Every answer is checked (200, one result per feature + key).
 */
public final class FeatureHttpBench {
  private FeatureHttpBench() {}

  public static void main(String[] args) throws Exception {
    URI base = URI.create(args[0]);
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
    String transport = args.length > 3 ? args[3] : "http"; // how the server reaches its DynamoDB stand-in, for the lines
    long serverPid = args.length > 4 ? Long.parseLong(args[4]) : -1;
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .executor(Executors.newFixedThreadPool(8)).build();
    StringBuilder schema = new StringBuilder();
    for (int f = 0; f < 200; f++) {
      schema.append(f == 0 ? "" : ", ").append("{name: f").append(f).append(", dtype: FLOAT64}");
    }
    post(http, base.resolve("/api/v1/features/apply"), "application/yaml", """
        entities: [{name: bench_driver, join_keys: [bench_driver_id], value_type: INT64}]
        sources: [{name: bench_offline, kind: parquet, path: "s3://pier-batch/bench-features/"},
                  {name: bench_push, kind: push, batch_source: bench_offline}]
        feature_views: [{name: bench_wide, entities: [bench_driver], ttl: 0, source: bench_push, schema: [%s]}]
        """.formatted(schema));
    for (int from = 0; from < 1_000; from += 100) {
      ObjectNode push = DefinitionsParser.JSON.createObjectNode().put("push_source_name", "bench_push")
          .put("to", "online");
      ObjectNode df = push.putObject("df");
      ArrayNode ids = df.putArray("bench_driver_id");
      ArrayNode times = df.putArray("event_timestamp");
      for (int d = from; d < from + 100; d++) {
        ids.add(d);
        times.add(Instant.now().toString());
      }
      for (int f = 0; f < 200; f++) {
        ArrayNode values = df.putArray("f" + f);
        for (int d = from; d < from + 100; d++) {
          values.add(d + f / 1000.0);
        }
      }
      post(http, base.resolve("/push"), "application/json", push.toString());
    }
    System.out.println("# uptime: " + new String(new ProcessBuilder("uptime").start().getInputStream()
        .readAllBytes()).strip());
    String cases = System.getenv().getOrDefault("PIER_BENCH_CASES", "1x50,50x200"); // which of the two to run
    if (cases.contains("1x50")) {
      run(http, base, "[stand-in " + transport + "] 1 entity x 50 features", 1, 50, rate, seconds, serverPid);
    }
    if (cases.contains("50x200")) {
      run(http, base, "[stand-in " + transport + "] 50 entities x 200 features", 50, 200, rate, seconds,
          serverPid);
    }
    System.exit(0);
  }

  private static String post(HttpClient http, URI uri, String type, String body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException(uri + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  private static void run(HttpClient http, URI base, String name, int entities, int features, int rate,
      int seconds, long serverPid) throws Exception {
    Random random = new Random(14);
    int warmup = 10 * rate;
    int total = warmup + seconds * rate;
    String[] bodies = new String[256];
    for (int b = 0; b < bodies.length; b++) {
      ObjectNode body = DefinitionsParser.JSON.createObjectNode();
      ArrayNode refs = body.putArray("features");
      for (int f = 0; f < features; f++) {
        refs.add("bench_wide:f" + f);
      }
      ArrayNode ids = body.putObject("entities").putArray("bench_driver_id");
      for (int e = 0; e < entities; e++) {
        ids.add(random.nextInt(1_000));
      }
      bodies[b] = body.toString();
    }
    warmUp(http, uri(base), bodies, entities * features);
    long[] nanos = new long[total];
    long[] cpuAtStart = new long[2]; // server, this load generator; taken when the first measured request is sent
    AtomicInteger failures = new AtomicInteger(); // of the measured requests (the warm-up's are not counted)
    CountDownLatch done = new CountDownLatch(total);
    ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
    long start = System.nanoTime() + 100_000_000L;
    long interval = 1_000_000_000L / rate;
    URI uri = uri(base);
    for (int i = 0; i < total; i++) {
      int n = i;
      long due = start + i * interval;
      sender.schedule(() -> {
        if (n == warmup) {
          cpuAtStart[0] = serverCpuNanos(serverPid);
          cpuAtStart[1] = ownCpuNanos();
        }
        HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(bodies[n % bodies.length]))
            .build();
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
          nanos[n] = System.nanoTime() - due;
          if ((e != null || r.statusCode() != 200 || !answered(r.body(), features + 1)) && n >= warmup) {
            failures.incrementAndGet();
          }
          done.countDown();
        });
      }, due - System.nanoTime(), TimeUnit.NANOSECONDS);
    }
    done.await();
    long serverCpu = serverCpuNanos(serverPid) - cpuAtStart[0];
    long ownCpu = ownCpuNanos() - cpuAtStart[1];
    sender.shutdownNow();
    long[] measured = Arrays.copyOfRange(nanos, warmup, total);
    Arrays.sort(measured);
    System.out.printf("http %s at %d req/s: requests=%d failures=%d p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f"
        + " max_ms=%.2f%n", name, rate, measured.length, failures.get(), ms(measured, 0.50), ms(measured, 0.95),
        ms(measured, 0.99), measured[measured.length - 1] / 1e6);
    // CPU counted from the first measured request's sending to the last answer: the warm-up's stragglers are in it
    System.out.printf("http %s at %d req/s: cpu_per_request_ms server=%s load_generator=%.2f load_average=%s%n", name,
        rate, serverPid < 0 ? "n/a" : String.format("%.2f", serverCpu / 1e6 / measured.length),
        ownCpu / 1e6 / measured.length, loadAverage());
  }

  /** CPU time of all threads of process {@code pid} (utime + stime of /proc/PID/stat), or 0 where unreadable. */
  private static long serverCpuNanos(long pid) {
    if (pid < 0) {
      return 0;
    }
    try {
      String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of proc(5)
      return ticks * 10_000_000L; // USER_HZ is 100 on Linux
    } catch (java.io.IOException | RuntimeException e) {
      return 0;
    }
  }

  private static long ownCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static String loadAverage() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
    } catch (java.io.IOException e) {
      return "n/a";
    }
  }

  private static URI uri(URI base) {
    return base.resolve("/get-online-features");
  }

  /**
   * Closed-loop requests, four at a time: 1,000,000 values' worth and at least 2,000 requests (20,000 of 1 × 50, 2,000
   * of 50 × 200). The open loop's 10 s of warm-up alone left the server's JIT compiler threads
   * using as much CPU as the requests themselves during the measured 30 s (2026-12-08, per-thread CPU from /proc).
   */
  private static void warmUp(HttpClient http, URI uri, String[] bodies, int valuesPerRequest) throws Exception {
    int requests = Math.max(2_000, 1_000_000 / valuesPerRequest);
    AtomicInteger next = new AtomicInteger();
    java.util.List<java.util.concurrent.CompletableFuture<Void>> senders = new java.util.ArrayList<>();
    for (int t = 0; t < 4; t++) {
      senders.add(java.util.concurrent.CompletableFuture.runAsync(() -> {
        for (int i; (i = next.getAndIncrement()) < requests; ) {
          try {
            http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(bodies[i % bodies.length])).build(),
                HttpResponse.BodyHandlers.discarding());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      }));
    }
    java.util.concurrent.CompletableFuture.allOf(senders.toArray(java.util.concurrent.CompletableFuture[]::new)).join();
  }

  /**
   * Whether {@code body} is an answer of {@code results} results, read as a stream of tokens (no tree): parsing each
   * 50 × 200 answer (490 KB) into a tree cost this load generator about 7 ms of CPU a request, taken from the two cores
   * the server runs on.
   */
  private static boolean answered(String body, int results) {
    try (com.fasterxml.jackson.core.JsonParser p = DefinitionsParser.JSON.getFactory().createParser(body)) {
      if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
        return false;
      }
      int found = -1;
      while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
        String field = p.currentName();
        com.fasterxml.jackson.core.JsonToken value = p.nextToken();
        if (field.equals("results") && value == com.fasterxml.jackson.core.JsonToken.START_ARRAY) {
          found = 0;
          while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
            found++;
            p.skipChildren();
          }
        } else {
          p.skipChildren();
        }
      }
      return found == results;
    } catch (Exception e) {
      return false;
    }
  }

  private static double ms(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
  }
}
