package dev.pier.features;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * {@code ./pier bench features}, the offline targets of issue #14: historical retrieval (entity rows in a Parquet file
 * against three feature views' Parquet in S3, answered as a Parquet file) and materialization (offline Parquet to the
 * online store through the feature-materialization workflow on the local runner), each through the same classes the
 * server runs ({@link FeatureStore}), against the stand-ins (DynamoDB, S3) in a <em>separate</em> JVM, so the heap
 * figures are Pier's own and not the stand-ins'.
 *
 * <ul>
 *   <li>{@code historical ENTITY_ROWS FEATURE_ROWS}: feature rows split over three views of 100,000 drivers, hourly,
 *       5 FLOAT64 features each; entity rows at random drivers and times with a label; prints the cold run (mirroring
 *       the Parquet from S3 included) and a warm one (mirror unchanged), and checks the answer's row count.
 *   <li>{@code materialize ROWS}: one view of 100,000 drivers × 5 FLOAT64 features, {@code ROWS} source rows as
 *       files of 1,000,000 rows (10 event times each); prints source rows/s, online writes and the JVM's peak heap
 *       (the heap pools' peaks, summed: an upper bound). Run it under {@code -Xmx256m} to show the bound holds.
 *   <li>{@code standins DIR} (internal): starts the stand-ins, prints their endpoints, runs until stdin closes.
 * </ul>
 */
public final class FeatureStoreBench {
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
  static final int DRIVERS = 100_000;

  private FeatureStoreBench() {}

  public static void main(String[] args) throws Exception {
    switch (args.length == 0 ? "" : args[0]) {
      case "standins" -> standIns(Path.of(args[1]));
      case "historical" -> withStandIns(c -> historical(c, Long.parseLong(args[1]), Long.parseLong(args[2])));
      case "materialize" -> withStandIns(c -> materialize(c, Long.parseLong(args[1])));
      default -> throw new IllegalArgumentException(
          "usage: FeatureStoreBench historical ENTITY_ROWS FEATURE_ROWS | materialize ROWS");
    }
  }

  private interface Bench {
    void run(AwsClients clients) throws Exception;
  }

  /** The stand-ins in a child JVM (4 GiB heap), the benchmark's clients on them. */
  private static void withStandIns(Bench bench) throws Exception {
    Path dir = Files.createTempDirectory("pier-bench-standins");
    Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(javaBin.toString(), "-Xmx" + System.getProperty("pier.bench.standin-heap", "6g"),
        "-cp", System.getProperty("java.class.path"), FeatureStoreBench.class.getName(), "standins", dir.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      if (line == null) {
        throw new IllegalStateException("the stand-ins did not start");
      }
      String[] p = line.split(" ");
      try (AwsClients clients = new AwsClients(new AwsSettings(p[0], URI.create(p[1]), URI.create(p[2]), p[3],
          p[4]))) {
        System.out.println("# uptime: " + new String(new ProcessBuilder("uptime").start().getInputStream()
            .readAllBytes()).strip());
        bench.run(clients);
        System.out.printf("# cpu seconds: benchmark jvm %.1f, stand-ins jvm %.1f%n",
            ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9,
            child.info().totalCpuDuration().map(d -> d.toMillis() / 1e3).orElse(Double.NaN));
      }
    } finally {
      child.getOutputStream().close();
      child.waitFor();
      delete(dir);
    }
  }

  private static void standIns(Path dir) throws Exception {
    try (LocalAws aws = LocalAws.start(dir)) {
      System.out.println(aws.region() + " " + aws.dynamoDbEndpoint() + " " + aws.s3Endpoint() + " "
          + aws.accessKeyId() + " " + aws.secretAccessKey());
      System.out.flush();
      while (System.in.read() >= 0) {
        // until the parent closes stdin
      }
    }
  }

  private static FeatureStore store(AwsClients clients, Path work) {
    FeatureStore.Settings settings = new FeatureStore.Settings("bench-features", "bench-online",
        Duration.ofMinutes(5), work.resolve("mirror"), 16);
    FeatureStore.createTablesIfMissing(clients.dynamoDb(), settings);
    return new FeatureStore(clients.dynamoDb(), clients.s3(), settings, StandIns.ANY_S3, Clock.systemUTC());
  }

  private static String features(String prefix) {
    StringBuilder schema = new StringBuilder();
    for (int f = 0; f < 5; f++) {
      schema.append(f == 0 ? "" : ", ").append("{name: ").append(prefix).append(f).append(", dtype: FLOAT64}");
    }
    return schema.toString();
  }

  /** Copies every file under {@code dir} to {@code s3://bucket/<relative path>}. */
  private static void upload(AwsClients clients, String bucket, Path dir) throws Exception {
    try (var files = Files.walk(dir)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        clients.s3().putObject(b -> b.bucket(bucket).key(dir.getParent().relativize(p).toString()),
            RequestBody.fromFile(p));
      }
    }
  }

  private static void historical(AwsClients clients, long entityRows, long featureRows) throws Exception {
    Path work = Files.createTempDirectory("pier-bench-historical");
    try {
      historical(clients, entityRows, featureRows, work);
    } finally {
      delete(work);
    }
  }

  private static void delete(Path dir) throws java.io.IOException {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  private static void historical(AwsClients clients, long entityRows, long featureRows, Path work) throws Exception {
    clients.s3().createBucket(b -> b.bucket("bench"));
    long perView = featureRows / 3;
    long hours = Math.max(1, perView / DRIVERS);
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      for (int v = 0; v < 3; v++) {
        Path dir = Files.createDirectories(work.resolve("data").resolve("view" + v));
        s.execute("COPY (SELECT (i % " + DRIVERS + ")::BIGINT AS driver_id, TIMESTAMP '2026-11-01' + to_hours((i // "
            + DRIVERS + ")::BIGINT) + to_minutes(" + (v * 7) + ") AS event_timestamp,"
            + " TIMESTAMP '2026-11-01' + to_hours((i // " + DRIVERS + ")::BIGINT) AS created,"
            + " random() AS v" + v + "f0, random() AS v" + v + "f1, random() AS v" + v + "f2, random() AS v" + v
            + "f3, (i % 1000)::DOUBLE AS v" + v + "f4 FROM range(" + perView + ") t(i))"
            + " TO '" + dir.resolve("part-0.parquet") + "' (FORMAT parquet)");
      }
      Path entities = Files.createDirectories(work.resolve("data").resolve("entities"));
      s.execute("SELECT setseed(0.14)");
      s.execute("COPY (SELECT (random() * " + DRIVERS + ")::BIGINT % " + DRIVERS + " AS driver_id,"
          + " TIMESTAMP '2026-11-01' + to_seconds((random() * " + (hours * 3600 + 7200) + ")::BIGINT)"
          + " AS event_timestamp, (i % 2)::INT AS label FROM range(" + entityRows + ") t(i))"
          + " TO '" + entities.resolve("rows.parquet") + "' (FORMAT parquet)");
    }
    upload(clients, "bench", work.resolve("data").resolve("view0"));
    upload(clients, "bench", work.resolve("data").resolve("view1"));
    upload(clients, "bench", work.resolve("data").resolve("view2"));
    upload(clients, "bench", work.resolve("data").resolve("entities"));
    try (FeatureStore store = store(clients, work)) {
      StringBuilder doc = new StringBuilder("""
          entities: [{name: driver, join_keys: [driver_id], value_type: INT64}]
          sources:
          """);
      for (int v = 0; v < 3; v++) {
        doc.append("  - {name: s").append(v).append(", kind: parquet, path: \"s3://bench/view").append(v)
            .append("/\", timestamp_field: event_timestamp, created_timestamp_column: created}\n");
      }
      doc.append("feature_views:\n");
      List<String> refs = new ArrayList<>();
      for (int v = 0; v < 3; v++) {
        doc.append("  - {name: view").append(v).append(", entities: [driver], ttl: 2h, source: s").append(v)
            .append(", schema: [").append(features("v" + v + "f")).append("]}\n");
        for (int f = 0; f < 5; f++) {
          refs.add("view" + v + ":v" + v + "f" + f);
        }
      }
      store.apply(doc.toString(), false);
      for (String run : List.of("cold (S3 mirrored first)", "warm (mirror unchanged)")) {
        long t0 = System.nanoTime();
        HistoricalRetrieval.ParquetResult r = store.historical().retrieveToParquet(refs, null,
            "s3://bench/entities/rows.parquet", "s3://bench/out/" + run.substring(0, 4) + ".parquet", false);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (r.rows() != entityRows) {
          throw new IllegalStateException("answered " + r.rows() + " rows, not " + entityRows);
        }
        System.out.printf("historical %s: entity_rows=%d feature_rows=%d views=3 features=15 seconds=%.2f%n", run,
            entityRows, perView * 3, seconds);
      }
      // the cold run's mirroring alone, into fresh folders: the four sources one after another, then side by side
      List<DataSource.Parquet> sources = new ArrayList<>();
      sources.add(new DataSource.Parquet("entities", "s3://bench/entities/rows.parquet", "event_timestamp", null, null));
      for (int v = 0; v < 3; v++) {
        sources.add(new DataSource.Parquet("s" + v, "s3://bench/view" + v + "/", "event_timestamp", "created", null));
      }
      OfflineStore oneByOne = new OfflineStore(clients.s3(), work.resolve("mirror-sequential"), StandIns.ANY_S3);
      long t0 = System.nanoTime();
      sources.forEach(oneByOne::fetch);
      double sequential = (System.nanoTime() - t0) / 1e9;
      OfflineStore together = new OfflineStore(clients.s3(), work.resolve("mirror-parallel"), StandIns.ANY_S3);
      t0 = System.nanoTime();
      together.fetchAll(sources);
      System.out.printf("historical mirroring alone (4 objects): one after another %.2f s, side by side %.2f s%n",
          sequential, (System.nanoTime() - t0) / 1e9);
      // what the answer holds: a row whose feature is null had no feature row within ttl
      Path answer = work.resolve("answer.parquet");
      clients.s3().getObject(b -> b.bucket("bench").key("out/warm.parquet"), answer);
      try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement();
          ResultSet rs = s.executeQuery("SELECT count(*), count(v0f0), count(v1f0), count(v2f0) FROM '" + answer
              + "'")) {
        rs.next();
        System.out.printf("historical answer: rows=%d with view0=%d view1=%d view2=%d%n", rs.getLong(1),
            rs.getLong(2), rs.getLong(3), rs.getLong(4));
      }
    }
  }

  private static void materialize(AwsClients clients, long rows) throws Exception {
    Path work = Files.createTempDirectory("pier-bench-materialize");
    try {
      materialize(clients, rows, work);
    } finally {
      delete(work);
    }
  }

  private static void materialize(AwsClients clients, long rows, Path work) throws Exception {
    clients.s3().createBucket(b -> b.bucket("bench"));
    Path dir = Files.createDirectories(work.resolve("data").resolve("stats"));
    long perFile = Math.min(rows, 1_000_000);
    int files = (int) ((rows + perFile - 1) / perFile);
    long hoursPerFile = Math.max(1, perFile / DRIVERS);
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      for (int file = 0; file < files; file++) {
        s.execute("COPY (SELECT (i % " + DRIVERS + ")::BIGINT AS driver_id, TIMESTAMP '2026-11-01' + to_hours(("
            + file * hoursPerFile + " + i // " + DRIVERS + ")::BIGINT) AS event_timestamp, random() AS f0,"
            + " random() AS f1, random() AS f2, random() AS f3, (i % 1000)::DOUBLE AS f4 FROM range(" + perFile
            + ") t(i)) TO '" + dir.resolve("part-" + file + ".parquet") + "' (FORMAT parquet)");
      }
    }
    upload(clients, "bench", dir);
    try (FeatureStore store = store(clients, work)) {
      store.apply("""
          entities: [{name: driver, join_keys: [driver_id], value_type: INT64}]
          sources: [{name: stats, kind: parquet, path: "s3://bench/stats/", timestamp_field: event_timestamp}]
          feature_views: [{name: stats, entities: [driver], ttl: 0, source: stats, schema: [%s]}]
          """.formatted(features("f")), false);
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        pool.resetPeakUsage();
      }
      long t0 = System.nanoTime();
      Materialization.Job job = store.materialization().start(T0, T0.plus(Duration.ofDays(3650)), List.of("stats"));
      while ((job = store.materialization().get(job.id())).state() == Materialization.State.RUNNING) {
        Thread.sleep(200);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (job.state() != Materialization.State.SUCCEEDED) {
        throw new IllegalStateException("materialization " + job.state() + ": " + job.error());
      }
      long peak = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) {
          peak += pool.getPeakUsage().getUsed();
        }
      }
      System.out.printf("materialize: source_rows=%d files=%d online_writes=%d seconds=%.2f source_rows_per_s=%.0f"
          + " online_writes_per_s=%.0f peak_heap_mib=%.1f max_heap_mib=%.0f%n", rows, files, job.rows(), seconds,
          rows / seconds, job.rows() / seconds, peak / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0);
    }
  }
}
