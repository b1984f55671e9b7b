package dev.pier.features.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.ThreadMXBean;

import dev.pier.features.FeatureStore;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.kernel.aws.S3SourcePolicy;
import dev.pier.local.LocalAws;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * CPU time and allocation per online read, in process, with no timing noise from other processes: the request body
 * parsed, {@code POST /get-online-features}'s handler ({@link FeastResource#online}) run against the DynamoDB
 * stand-in of {@code ./pier up} (in this JVM, reached over loopback HTTP by the real SDK, as in local mode) and the
 * answer serialized to bytes as the REST layer would. Thread CPU and allocated bytes of every thread are summed
 * before and after a round, split into the stand-in's threads ({@code local-dynamodb-*}) and the rest (Pier's request
 * thread, its read pool, the SDK client). Median of rounds; then the wall time of each request (one at a time).
 * With a fourth argument, that many requests at a time (each sender a closed loop), and the connections to the
 * stand-in the SDK's HTTP client closed rather than kept. Each scenario runs twice, over the two transports local mode
 * offers to the stand-in (lines marked {@code [http]} and {@code [in-process]}; {@code -Dpier.bench.transport=} one of
 * them for that one alone). Not in the suite: {@code java -cp … OnlineReadCost [requests
 * per round] [rounds] [1x50|50x200|all] [at once]} (see README, Feature store, Performance).
 */
public final class OnlineReadCost {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

  private static int REQUESTS;
  private static int ROUNDS;
  private static String ONLY;
  private static int THREADS_AT_ONCE;
  /** With several requests at once, their threads: alive across the samples, named so their CPU counts as Pier's. */
  private static java.util.concurrent.ThreadPoolExecutor SENDERS;
  private static int STAND_IN_PORT;
  /** The transport to the DynamoDB stand-in being measured: http or in-process. */
  private static String TRANSPORT;

  private OnlineReadCost() {}

  public static void main(String[] args) throws Exception {
    REQUESTS = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    ROUNDS = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    ONLY = args.length > 2 && !args[2].equals("all") ? args[2] : ""; // 1x50 or 50x200: that scenario alone (e.g. under a profiler)
    THREADS_AT_ONCE = args.length > 3 ? Integer.parseInt(args[3]) : 1; // requests in flight (closed loop each)
    SENDERS = new java.util.concurrent.ThreadPoolExecutor(THREADS_AT_ONCE, THREADS_AT_ONCE, 1, TimeUnit.HOURS,
        new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "pier-features-bench");
          t.setDaemon(true);
          return t;
        });
    SENDERS.prestartAllCoreThreads(); // alive before the first sample, so their CPU is counted (as Pier's)
    Path dir = Files.createTempDirectory("pier-online-cost");
    try (LocalAws aws = LocalAws.start(dir)) {
      STAND_IN_PORT = aws.dynamoDbEndpoint().getPort();
      // both transports against the same stand-in, one after the other: over loopback HTTP and in process (./pier up's
      // default, pier.local.dynamodb-transport=in-process); -Dpier.bench.transport=http|in-process for one alone
      String only = System.getProperty("pier.bench.transport", "");
      for (String transport : List.of("http", "in-process")) {
        if (!only.isEmpty() && !only.equals(transport)) {
          continue;
        }
        TRANSPORT = transport;
        try (AwsClients clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(),
            aws.s3Endpoint(), aws.accessKeyId(), aws.secretAccessKey()),
            transport.equals("in-process") ? aws.dynamoDbInProcessHttpClient() : null)) {
          FeatureStore.Settings settings = new FeatureStore.Settings("cost-features", "cost-online",
              Duration.ofMinutes(5), dir.resolve("mirror-" + transport), 16);
          FeatureStore.createTablesIfMissing(clients.dynamoDb(), settings);
          try (FeatureStore store = new FeatureStore(clients.dynamoDb(), clients.s3(), settings,
              S3SourcePolicy.of(java.util.List.of("*"), java.util.List.of()), Clock.systemUTC(),
              dev.pier.features.ModelUsage.NONE, new dev.pier.features.FeatureObserver() {
                // as in ./pier up, where the monitoring's metrics observe each lookup: the statuses are counted
              })) {
            measure(store);
          }
        }
      }
    }
  }

  private static void measure(FeatureStore store) throws Exception {
    int requests = REQUESTS;
    int rounds = ROUNDS;
    {
      StringBuilder schema = new StringBuilder();
      for (int f = 0; f < 200; f++) {
        schema.append(f == 0 ? "" : ", ").append("{name: f").append(f).append(", dtype: FLOAT64}");
      }
      store.registry().apply(dev.pier.features.DefinitionsParser.parse("""
          entities: [{name: driver, join_keys: [driver_id], value_type: INT64}]
          sources: [{name: offline, kind: parquet, path: "s3://cost/none.parquet"},
                    {name: stats, kind: push, batch_source: offline}]
          feature_views: [{name: wide, entities: [driver], ttl: 0, source: stats, schema: [%s]}]
          """.formatted(schema)), false, null);
      for (int from = 0; from < 1_000; from += 100) {
        ObjectNode df = JSON.createObjectNode();
        ArrayNode ids = df.putArray("driver_id");
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
        store.push().push("stats", df, dev.pier.features.FeaturePush.Target.parse("online"));
      }
      System.out.println("# uptime: " + new String(new ProcessBuilder("uptime").start().getInputStream()
          .readAllBytes()).strip());
      long calls0 = store.onlineStore().batchGetCalls();
      if (!ONLY.equals("50x200")) {
        scenario(store, "1 entity x 50 features", 1, 50, requests, rounds);
      }
      if (!ONLY.equals("1x50")) {
        scenario(store, "50 entities x 200 features", 50, 200, requests / 5, rounds);
      }
      System.out.printf("# BatchGetItem calls: %d%n", store.onlineStore().batchGetCalls() - calls0);
      if (ONLY.isEmpty() && TRANSPORT.equals("http")) { // the same answer whichever transport read it
        answerWriting(store, rounds);
      }
    }
  }

  private static void scenario(FeatureStore store, String name, int entities, int features, int requests,
      int rounds) throws Exception {
    Random random = new Random(14);
    byte[][] bodies = new byte[64][];
    for (int b = 0; b < bodies.length; b++) {
      ObjectNode body = JSON.createObjectNode();
      ArrayNode refs = body.putArray("features");
      for (int f = 0; f < features; f++) {
        refs.add("wide:f" + f);
      }
      ArrayNode ids = body.putObject("entities").putArray("driver_id");
      for (int e = 0; e < entities; e++) {
        ids.add(random.nextInt(1_000));
      }
      bodies[b] = body.toString().getBytes(StandardCharsets.UTF_8);
    }
    int answerBytes = 0;
    for (int i = 0; i < requests; i++) { // warm-up
      answerBytes = once(store, bodies[i % bodies.length]).length;
    }
    double[][] results = new double[rounds][];
    long[] walls = new long[rounds * requests];
    long switches = 0;
    for (int r = 0; r < rounds; r++) {
      long switchesBefore = voluntarySwitches();
      long connectionsBefore = closedConnections();
      Map<Long, long[]> before = sample();
      long calls = store.onlineStore().batchGetCalls();
      int round = r;
      java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
      Runnable loop = () -> {
        for (int i; (i = next.getAndIncrement()) < requests; ) {
          long t0 = System.nanoTime();
          try {
            once(store, bodies[i % bodies.length]);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          walls[round * requests + i] = System.nanoTime() - t0;
        }
      };
      if (THREADS_AT_ONCE == 1) {
        loop.run();
      } else {
        List<java.util.concurrent.Future<?>> running = new java.util.ArrayList<>();
        for (int t = 0; t < THREADS_AT_ONCE; t++) {
          running.add(SENDERS.submit(loop));
        }
        for (var f : running) {
          f.get();
        }
      }
      switches += voluntarySwitches() - switchesBefore;
      if (connectionsBefore >= 0) {
        System.out.printf("%s, round %d, %d at once: loopback connections to the stand-in closed (TIME_WAIT) during"
            + " the round: %d%n", name, r, THREADS_AT_ONCE, closedConnections() - connectionsBefore);
      }
      Map<Long, long[]> after = sample();
      long[] pier = new long[2];
      long[] standIn = new long[2];
      for (var e : after.entrySet()) {
        long[] a = e.getValue();
        long[] b = before.getOrDefault(e.getKey(), new long[] {0, 0, 0});
        if (a[2] == 2) {
          continue; // JIT, GC, the other stand-ins' timers: their CPU grows with wall time, not with requests
        }
        long[] into = a[2] == 1 ? standIn : pier;
        into[0] += a[0] - b[0];
        into[1] += a[1] - b[1];
      }
      results[r] = new double[] {pier[0] / 1e3 / requests, pier[1] / 1024.0 / requests,
          standIn[0] / 1e3 / requests, standIn[1] / 1024.0 / requests,
          (double) (store.onlineStore().batchGetCalls() - calls) / requests};
    }
    double[] median = new double[5];
    for (int c = 0; c < 5; c++) {
      double[] column = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        column[r] = results[r][c];
      }
      Arrays.sort(column);
      median[c] = column[rounds / 2];
    }
    System.out.printf("[%s] %s: per request (median of %d rounds of %d): pier cpu_us=%.0f alloc_kib=%.0f | stand-in"
        + " cpu_us=%.0f alloc_kib=%.0f | total cpu_us=%.0f alloc_kib=%.0f | answer_bytes=%d batch_gets=%.2f%n",
        TRANSPORT, name, rounds, requests, median[0], median[1], median[2], median[3], median[0] + median[2],
        median[1] + median[3], answerBytes, median[4]);
    // closed loop, one request at a time: wall time well above the CPU time above is waiting (hand-offs between
    // threads, the loopback socket), not work
    Arrays.sort(walls);
    System.out.printf("[%s] %s: wall per request, %d at a time: p50_us=%.0f p90_us=%.0f p99_us=%.0f"
        + " | voluntary context switches per request: %.1f%n", TRANSPORT, name, THREADS_AT_ONCE,
        walls[walls.length / 2] / 1e3, walls[(int) (walls.length * 0.90)] / 1e3, walls[(int) (walls.length * 0.99)] / 1e3,
        (double) switches / walls.length);
  }

  /**
   * Writing one 50 × 200 answer, on this thread alone, alternating the JSON tree ({@code FeastJson.online}, before)
   * and the streamed answer ({@code FeastJson.answer}, now), each into a buffer.
   */
  private static void answerWriting(FeatureStore store, int rounds) throws Exception {
    StringBuilder ids = new StringBuilder();
    StringBuilder refs = new StringBuilder();
    for (int i = 0; i < 50; i++) {
      ids.append(i == 0 ? "" : ",").append(i * 7);
    }
    for (int f = 0; f < 200; f++) {
      refs.append(f == 0 ? "" : ",").append("\"wide:f").append(f).append('"');
    }
    FeatureRequests.Online r = FeatureRequests.online(JSON.readTree("{\"features\": [" + refs
        + "], \"entities\": {\"driver_id\": [" + ids + "]}}"));
    dev.pier.features.OnlineResult result = store.online().read(r.features(), r.featureService(), r.entities(),
        r.fullNames());
    long[][] cost = new long[2][2];
    int n = 200;
    for (int round = -1; round < rounds; round++) {
      for (int way = 0; way < 2; way++) {
        long cpu = THREADS.getCurrentThreadCpuTime();
        long alloc = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < n; i++) {
          ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 19);
          JSON.writeValue(out, way == 0 ? dev.pier.features.FeastJson.online(result)
              : dev.pier.features.FeastJson.answer(result));
        }
        if (round >= 0) {
          cost[way][0] += THREADS.getCurrentThreadCpuTime() - cpu;
          cost[way][1] += THREADS.getCurrentThreadAllocatedBytes() - alloc;
        }
      }
    }
    long calls = (long) n * rounds;
    System.out.printf("writing a 50 x 200 answer (alternated, %d each): tree cpu_us=%.0f alloc_kib=%.0f | streamed"
        + " cpu_us=%.0f alloc_kib=%.0f (buffer of 512 KiB included in both)%n", calls, cost[0][0] / 1e3 / calls,
        cost[0][1] / 1024.0 / calls, cost[1][0] / 1e3 / calls, cost[1][1] / 1024.0 / calls);
  }

  private static byte[] once(FeatureStore store, byte[] body) throws Exception {
    JsonNode request = JSON.readTree(body);
    Object answer = FeastResource.online(store, request);
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    JSON.writeValue(out, answer);
    return out.toByteArray();
  }

  /**
   * Connections to the DynamoDB stand-in's port in TIME_WAIT now (from {@code ss}; -1 where it is missing): each one a
   * connection the SDK's HTTP client closed instead of keeping for the next call. They stay counted for a minute.
   */
  private static long closedConnections() {
    try {
      Process ss = new ProcessBuilder("ss", "-tanH", "state", "time-wait", "( dport = :" + STAND_IN_PORT
          + " or sport = :" + STAND_IN_PORT + " )").redirectErrorStream(true).start();
      long lines = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(l -> !l.isBlank()).count();
      return ss.waitFor() == 0 ? lines : -1;
    } catch (java.io.IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /**
   * Voluntary context switches so far of the threads a request runs on (the caller, Pier's read pool, the DynamoDB
   * stand-in's dispatcher and workers) (Linux: /proc/self/task/N/status): each time a
   * thread blocks — waiting for another thread's hand-off, a socket, a lock — so a count per request that does not
   * depend on how loaded the machine is. Threads that ended are not counted; -1 where /proc is not there.
   */
  private static long voluntarySwitches() {
    java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
    if (tasks == null) {
      return -1;
    }
    long sum = 0;
    for (java.io.File task : tasks) {
      try {
        List<String> status = Files.readAllLines(task.toPath().resolve("status"));
        String name = status.get(0).substring(status.get(0).indexOf(':') + 1).strip(); // 15 characters at most
        if (!name.equals("main") && !name.startsWith("pier-features") && !name.startsWith("local-dynamodb")
            && !name.startsWith("HTTP-Dispatcher")) {
          continue; // JIT, GC, other stand-ins' timers: they switch with wall time, not with requests
        }
        for (String line : status) {
          if (line.startsWith("voluntary_ctxt_switches:")) {
            sum += Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
          }
        }
      } catch (java.io.IOException | RuntimeException e) {
        // the thread ended meanwhile
      }
    }
    return sum;
  }

  /**
   * Per live thread: CPU ns, allocated bytes, and whose: 0 Pier's (this request thread, the read pool, the SDK's
   * timers), 1 the DynamoDB stand-in's request threads, 2 neither (not counted).
   */
  private static Map<Long, long[]> sample() {
    Map<Long, long[]> out = new HashMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      long id = t.threadId();
      long cpu = THREADS.getThreadCpuTime(id);
      long alloc = THREADS.getThreadAllocatedBytes(id);
      if (cpu >= 0 && alloc >= 0) {
        String name = t.getName();
        int kind = name.startsWith("local-dynamodb-") ? 1
            : t == Thread.currentThread() || name.startsWith("pier-features-") || name.startsWith("sdk-") ? 0 : 2;
        out.put(id, new long[] {cpu, alloc, kind});
      }
    }
    return out;
  }
}
