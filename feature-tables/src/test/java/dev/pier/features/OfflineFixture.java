package dev.pier.features;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The stand-ins with the historical fixtures ({@code src/test/resources/historical}) in one S3 bucket, shared by the
 * tests of a class: {@code driver_stats/} as a Hive-partitioned prefix of two files ({@code odd=0}, {@code odd=1}) and
 * {@code customer_profile.parquet} as one file. {@link #fresh} gives each test its own registry, online table and
 * mirror over the same Parquet.
 */
final class OfflineFixture implements AutoCloseable {
  static final Path FIXTURES = Path.of("src/test/resources/historical");

  final StandIns standIns;
  final ExecutorService pool = Executors.newFixedThreadPool(4);
  private final Path work;
  private int tables;

  /** One test's tables: the definitions applied, an empty online table, its own mirror directory. */
  record Tables(int n, String registryTable, FeatureRegistry registry, OnlineStore store, OfflineStore offline) {}

  private OfflineFixture(StandIns standIns, Path work) {
    this.standIns = standIns;
    this.work = work;
  }

  static OfflineFixture start(Path dataDir, Path work, String bucket) throws Exception {
    OfflineFixture f = new OfflineFixture(new StandIns(dataDir), work);
    var s3 = f.standIns.clients.s3();
    s3.createBucket(b -> b.bucket(bucket));
    Path parquet = Files.createDirectories(work.resolve("parquet"));
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      s.execute("COPY (SELECT driver_id::BIGINT AS driver_id, event_timestamp::TIMESTAMP AS event_timestamp,"
          + " created::TIMESTAMP AS created, conv_rate::DOUBLE AS conv_rate, trips::BIGINT AS trips,"
          + " driver_id % 2 AS odd FROM read_csv('" + FIXTURES.resolve("driver_stats.csv") + "'))"
          + " TO '" + parquet.resolve("driver_stats") + "' (FORMAT parquet, PARTITION_BY (odd))");
      s.execute("COPY (SELECT customer_id::BIGINT AS customer_id, event_timestamp::TIMESTAMP AS event_timestamp,"
          + " score::DOUBLE AS score FROM read_csv('" + FIXTURES.resolve("customer_profile.csv") + "'))"
          + " TO '" + parquet.resolve("customer_profile.parquet") + "' (FORMAT parquet)");
    }
    try (var files = Files.walk(parquet)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        s3.putObject(b -> b.bucket(bucket).key(parquet.relativize(p).toString()), RequestBody.fromFile(p));
      }
    }
    return f;
  }

  /** Fresh tables with {@code definitions} applied (source paths checked against the stand-in). */
  Tables fresh(String definitions) {
    var dynamo = standIns.clients.dynamoDb();
    int t = ++tables;
    FeatureRegistry.createTableIfMissing(dynamo, "features-" + t);
    OnlineStore.createTableIfMissing(dynamo, "features-online-" + t);
    FeatureRegistry registry = new FeatureRegistry(dynamo, "features-" + t, Duration.ofMinutes(5), Clock.systemUTC());
    OfflineStore offline = new OfflineStore(standIns.clients.s3(), work.resolve("mirror-" + t), StandIns.ANY_S3);
    registry.apply(DefinitionsParser.parse(definitions), false, offline::check);
    return new Tables(t, "features-" + t, registry, new OnlineStore(dynamo, "features-online-" + t, pool), offline);
  }

  @Override
  public void close() {
    pool.shutdownNow();
    standIns.close();
  }
}
