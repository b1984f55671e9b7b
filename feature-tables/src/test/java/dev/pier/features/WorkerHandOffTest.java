package dev.pier.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * The api in AWS (no DuckDB) handing inline historical retrieval, offline push and point-in-time lookups to the
 * feature worker: the api side's parts with a {@link WorkerHandOff} whose {@link LambdaInvoker} is the real Lambda SDK
 * client, reaching {@link FeatureWorkerHandler#handleRequest} through {@link LambdaStandIn} (Lambda's Invoke API), with
 * S3 and DynamoDB on the stand-ins. Answers are checked against pandas' ({@code expected.csv}) and against the same
 * parts run in process.
 */
class WorkerHandOffTest {
  private static final String STAGING = "staging";
  private static final String DOC = """
      entities: [{name: driver, join_keys: [driver_id], value_type: INT64}]
      sources:
        - {name: driver_stats, kind: parquet, path: "s3://hist/driver_stats/", created_timestamp_column: created}
        - {name: pushed_stats, kind: parquet, path: "s3://hist/pushed-%1$d/", created_timestamp_column: created}
        - {name: driver_push, kind: push, batch_source: pushed_stats}
      feature_views:
        - {name: driver_hourly_stats, entities: [driver], ttl: 2h, source: driver_stats,
           schema: [{name: conv_rate, dtype: FLOAT64}, {name: trips, dtype: INT64}]}
        - {name: driver_live, entities: [driver], ttl: 1d, source: driver_push,
           schema: [{name: speed, dtype: FLOAT64}]}
      feature_services:
        - {name: driver_activity, features: ["driver_hourly_stats:conv_rate", "driver_hourly_stats:trips"]}
      """;
  private static final List<String> FEATURES = List.of("driver_hourly_stats:conv_rate", "driver_hourly_stats:trips");

  @TempDir static Path dataDir;
  @TempDir static Path work;
  private static OfflineFixture fixture;
  private static ExecutorService local;
  private static Path emptyPushed;
  private static int pushedPrefix;
  private OfflineFixture.Tables tables;
  private LambdaStandIn lambda;
  private LambdaClient client;
  private FeatureWorkerHandler worker;
  private HistoricalRetrieval api;
  private PointInTimeLookup apiPointInTime;
  private FeaturePush apiPush;

  @BeforeAll
  static void start() throws Exception {
    fixture = OfflineFixture.start(dataDir, work, "hist");
    fixture.standIns.clients.s3().createBucket(b -> b.bucket(STAGING));
    local = Executors.newSingleThreadExecutor();
    emptyPushed = work.resolve("empty.parquet");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      s.execute("COPY (SELECT 1::BIGINT AS driver_id, TIMESTAMP '2026-11-01 00:00:00' AS event_timestamp,"
          + " TIMESTAMP '2026-11-01 00:00:00' AS created, 0.5::DOUBLE AS speed) TO '" + emptyPushed
          + "' (FORMAT parquet)");
    }
  }

  @AfterAll
  static void stop() {
    local.shutdownNow();
    fixture.close();
  }

  @BeforeEach
  void setUp() throws Exception {
    int n = ++pushedPrefix;
    fixture.standIns.clients.s3().putObject(b -> b.bucket("hist").key("pushed-" + n + "/base.parquet"),
        RequestBody.fromFile(emptyPushed));
    tables = fixture.fresh(DOC.formatted(n));
    var s3 = fixture.standIns.clients.s3();
    // the worker's parts: its own registry reader, offline store and DuckDB
    FeatureRegistry workerRegistry = new FeatureRegistry(fixture.standIns.clients.dynamoDb(), tables.registryTable(),
        java.time.Duration.ofSeconds(5), Clock.systemUTC());
    OfflineStore workerOffline = new OfflineStore(s3, work.resolve("worker-mirror-" + n), StandIns.ANY_S3);
    WorkerTasks tasks = new WorkerTasks(workerRegistry, new HistoricalRetrieval(workerRegistry, workerOffline),
        new PointInTimeLookup(workerRegistry, workerOffline),
        new FeaturePush(workerRegistry, tables.store(), workerOffline), s3, STAGING);
    Materialization materialization = new Materialization(fixture.standIns.clients.dynamoDb(), tables.registryTable(),
        workerRegistry, workerOffline, tables.store(), local, Clock.systemUTC());
    // as in AWS, the worker also runs historical jobs' tasks: historical-inline must not be taken for one of them
    HistoricalJobs historicalJobs = new HistoricalJobs(fixture.standIns.clients.dynamoDb(), tables.registryTable(),
        new HistoricalRetrieval(workerRegistry, workerOffline), local, Clock.systemUTC());
    worker = new FeatureWorkerHandler(materialization, historicalJobs, tasks, Clock.systemUTC(),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    lambda = new LambdaStandIn(worker::handleRequest);
    client = fixture.standIns.clients.client(LambdaClient.builder(), lambda.endpoint());
    WorkerHandOff handOff = new WorkerHandOff(new LambdaInvoker(client, "pier-feature-worker"), s3, STAGING);
    // the api's parts, handing over what needs DuckDB
    api = new HistoricalRetrieval(tables.registry(), tables.offline());
    api.handOffTo(handOff);
    apiPointInTime = new PointInTimeLookup(tables.registry(), tables.offline());
    apiPointInTime.handOffTo(handOff);
    apiPush = new FeaturePush(tables.registry(), tables.store(), tables.offline());
    apiPush.handOffTo(handOff);
  }

  @AfterEach
  void tearDown() {
    client.close();
    lambda.close();
  }

  @Test
  void inlineEntityRowsAreJoinedByTheWorkerAsPandasJoinsThem() throws Exception {
    HistoricalRetrieval.Result result = api.retrieve(FEATURES, null, entityRows(0), false);

    assertThat(lambda.invoked).containsExactly("/2015-03-31/functions/pier-feature-worker/invocations");
    assertThat(result.featureNames()).containsExactly("conv_rate", "trips");
    assertMatchesPandas(result.rows());
    assertThat(staged()).isEmpty();
  }

  @Test
  void anEntitySourceFileIsJoinedByTheWorkerIntoItsParquetOutput() throws Exception {
    Path entities = work.resolve("entities-" + pushedPrefix + ".parquet");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      s.execute("COPY (SELECT driver_id::BIGINT AS driver_id, event_timestamp::TIMESTAMP AS event_timestamp,"
          + " label::INTEGER AS label FROM read_csv('" + OfflineFixture.FIXTURES.resolve("entity_rows.csv") + "')) TO '"
          + entities + "' (FORMAT parquet)");
    }
    fixture.standIns.clients.s3().putObject(b -> b.bucket("hist").key("training/e.parquet"),
        RequestBody.fromFile(entities));

    HistoricalRetrieval.ParquetResult r = api.retrieveToParquet(FEATURES, null, "s3://hist/training/e.parquet",
        "s3://hist/training/out-" + pushedPrefix + ".parquet", false);

    assertThat(lambda.invoked).hasSize(1);
    assertThat(r.rows()).isEqualTo(46);
    assertThat(r.featureNames()).containsExactly("conv_rate", "trips");
    Path out = work.resolve("out-" + pushedPrefix + ".parquet");
    fixture.standIns.clients.s3().getObject(b -> b.bucket("hist").key("training/out-" + pushedPrefix + ".parquet"),
        out);
    List<ObjectNode> rows = new ArrayList<>();
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT driver_id, label, conv_rate, trips FROM '" + out + "'")) {
      while (rs.next()) {
        ObjectNode row = DefinitionsParser.JSON.createObjectNode().put("driver_id", rs.getLong(1))
            .put("label", rs.getInt(2));
        row.set("conv_rate", rs.getObject(3) == null ? DefinitionsParser.JSON.nullNode()
            : DefinitionsParser.JSON.getNodeFactory().numberNode(rs.getDouble(3)));
        row.set("trips", rs.getObject(4) == null ? DefinitionsParser.JSON.nullNode()
            : DefinitionsParser.JSON.getNodeFactory().numberNode(rs.getLong(4)));
        rows.add(row);
      }
    }
    assertMatchesPandas(rows);
  }

  @Test
  void rowsTooBigForALambdaPayloadGoThroughTheStagingBucketBothWays() throws Exception {
    ArrayNode rows = entityRows(130_000); // 46 rows of 130 kB notes: ~6 MB asked, ~6 MB answered
    assertThat(WorkerHandOff.bytes(rows).length).isGreaterThan(WorkerHandOff.INLINE_BYTES);

    HistoricalRetrieval.Result result = api.retrieve(FEATURES, null, rows, false);

    assertMatchesPandas(result.rows());
    assertThat(result.rows().getFirst().get("note").asText()).hasSize(130_000); // passed through
    assertThat(lambda.payloadBytes).hasSize(2).allSatisfy(n -> assertThat(n).isLessThan(1_000)); // keys, not rows
    assertThat(staged()).isEmpty(); // request and answer read once, then deleted
  }

  @Test
  void whatTheWorkerRefusesIsTheSame4xxAtTheApi() {
    ArrayNode rows = entityRows(0);
    ((ObjectNode) rows.get(3)).remove("event_timestamp");
    assertThatThrownBy(() -> api.retrieve(FEATURES, null, rows, false))
        .isInstanceOfSatisfying(PierException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.getMessage()).contains("entity_rows[3]").contains("event_timestamp");
        });
    assertThat(lambda.invoked).hasSize(1);
    // an unknown feature is named before anything is handed over
    assertThatThrownBy(() -> api.retrieve(List.of("driver_hourly_stats:nope"), null, entityRows(0), false))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.getMessage()).contains("nope"));
    assertThat(lambda.invoked).hasSize(1);
  }

  @Test
  void anOfflinePushIsStagedThenWrittenOnceAsParquetByTheWorker() throws Exception {
    JsonNode df = DefinitionsParser.JSON.readTree("""
        {"driver_id": [7, 8], "speed": [1.5, 2.5],
         "event_timestamp": ["2026-12-05T10:00:00Z", "2026-12-05T11:00:00Z"]}""");

    FeaturePush.PushResult first = apiPush.push("driver_push", df, FeaturePush.Target.ONLINE_AND_OFFLINE);

    String id = WorkerHandOff.pushId("driver_push", df);
    String prefix = "pushed-" + pushedPrefix + "/";
    assertThat(first.offlineObject()).isEqualTo("s3://hist/" + prefix + "push-" + id + ".parquet");
    assertThat(first.offlineWritten()).isTrue();
    assertThat(first.writtenOnline()).containsEntry("driver_live", 2);
    assertThat(speeds(prefix)).containsExactly(0.5, 1.5, 2.5);
    assertThat(staged()).isEmpty();

    // the same rows again (a client's retry): the same object, not a second copy
    FeaturePush.PushResult again = apiPush.push("driver_push", df, FeaturePush.Target.OFFLINE);
    assertThat(again.offlineObject()).isEqualTo(first.offlineObject());
    assertThat(speeds(prefix)).containsExactly(0.5, 1.5, 2.5);
    assertThat(lambda.invoked).hasSize(2);
  }

  @Test
  void rowsStagedWhileTheWorkerCannotBeInvokedAreWrittenByTheNextSweep() throws Exception {
    JsonNode df = DefinitionsParser.JSON.readTree("""
        {"driver_id": [9], "speed": [4.0], "event_timestamp": ["2026-12-05T12:00:00Z"]}""");
    String prefix = "pushed-" + pushedPrefix + "/";
    lambda.down(true);

    FeaturePush.PushResult accepted = apiPush.push("driver_push", df, FeaturePush.Target.OFFLINE);

    assertThat(accepted.offlineWritten()).isFalse();
    assertThat(staged()).containsExactly("push/" + WorkerHandOff.pushId("driver_push", df) + ".json");
    assertThat(speeds(prefix)).containsExactly(0.5); // not written yet, not lost

    lambda.down(false);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    worker.handleRequest(new java.io.ByteArrayInputStream("{\"action\": \"push-sweep\"}".getBytes()), out);

    assertThat(DefinitionsParser.JSON.readTree(out.toByteArray()).path("written").asInt()).isEqualTo(1);
    assertThat(speeds(prefix)).containsExactly(0.5, 4.0);
    assertThat(staged()).isEmpty();

    // the scheduled incremental materialization sweeps too, before it reads the batch sources
    lambda.down(true);
    JsonNode more = DefinitionsParser.JSON.readTree("""
        {"driver_id": [10], "speed": [6.0], "event_timestamp": ["2026-12-05T13:00:00Z"]}""");
    assertThat(apiPush.push("driver_push", more, FeaturePush.Target.OFFLINE).offlineWritten()).isFalse();
    worker.handleRequest(new java.io.ByteArrayInputStream(
        "{\"action\": \"materialize-incremental\", \"feature_views\": [\"driver_live\"]}".getBytes()),
        new ByteArrayOutputStream());
    assertThat(speeds(prefix)).containsExactly(0.5, 4.0, 6.0);
    assertThat(accepted.offlineObject()).endsWith("push-" + WorkerHandOff.pushId("driver_push", df) + ".parquet");
    assertThat(staged()).isEmpty();
  }

  @Test
  void pointInTimeLookupsForBatchScoringAreTheWorkersAnswerTypedAsInProcess() {
    List<Map<String, Object>> instances = new ArrayList<>();
    for (JsonNode row : entityRows(0)) {
      Map<String, Object> instance = new HashMap<>();
      instance.put("driver_id", row.get("driver_id").asLong());
      instance.put("event_timestamp", row.get("event_timestamp").asText());
      instances.add(instance);
    }

    List<Map<String, FeatureValue>> handed = apiPointInTime.lookup("driver_activity", instances, "event_timestamp");
    List<Map<String, FeatureValue>> inProcess = new PointInTimeLookup(tables.registry(), tables.offline())
        .lookup("driver_activity", instances, "event_timestamp");

    assertThat(handed).isEqualTo(inProcess);
    assertThat(handed).anySatisfy(r -> assertThat(r.get("driver_hourly_stats__trips").value()).isInstanceOf(Long.class));
    assertThat(handed).anySatisfy(r -> assertThat(r.get("driver_hourly_stats__conv_rate").status())
        .isNotEqualTo(FeatureStatus.PRESENT));
    instances.get(2).remove("event_timestamp");
    assertThatThrownBy(() -> apiPointInTime.lookup("driver_activity", instances, "event_timestamp"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.getMessage()).contains("instances[2]"));
  }

  /** The fixtures' entity rows, each with a {@code note} of {@code noteBytes} characters when not 0. */
  private static ArrayNode entityRows(int noteBytes) {
    try {
      List<String> lines = Files.readAllLines(OfflineFixture.FIXTURES.resolve("entity_rows.csv"));
      ArrayNode rows = DefinitionsParser.JSON.createArrayNode();
      String note = "n".repeat(noteBytes);
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.split(",", -1);
        ObjectNode row = rows.addObject().put("driver_id", Long.parseLong(f[0]))
            .put("event_timestamp", f[2].replace(' ', 'T') + "Z").put("label", Integer.parseInt(f[3]));
        if (noteBytes > 0) {
          row.put("note", note);
        }
      }
      return rows;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void assertMatchesPandas(List<ObjectNode> rows) throws Exception {
    List<String> expected = Files.readAllLines(OfflineFixture.FIXTURES.resolve("expected.csv"));
    assertThat(rows).hasSize(expected.size() - 1);
    for (int i = 1; i < expected.size(); i++) {
      String[] want = expected.get(i).split(",", -1);
      ObjectNode row = rows.get(i - 1);
      assertThat(row.get("driver_id").asLong()).isEqualTo(Long.parseLong(want[0]));
      assertThat(row.get("label").asInt()).isEqualTo(Integer.parseInt(want[3]));
      if (want[4].isEmpty()) {
        assertThat(row.get("conv_rate").isNull()).isTrue();
        assertThat(row.get("trips").isNull()).isTrue();
      } else {
        assertThat(row.get("conv_rate").asDouble()).isCloseTo(Double.parseDouble(want[4]), within(1e-9));
        assertThat(row.get("trips").asLong()).isEqualTo(Long.parseLong(want[5]));
      }
    }
  }

  /** Every speed in the push source's batch prefix, read back from S3 with DuckDB, sorted. */
  private List<Double> speeds(String prefix) throws Exception {
    var s3 = fixture.standIns.clients.s3();
    Path dir = Files.createTempDirectory(work, "read");
    for (var o : s3.listObjectsV2Paginator(b -> b.bucket("hist").prefix(prefix)).contents()) {
      s3.getObject(b -> b.bucket("hist").key(o.key()), dir.resolve(o.key().substring(prefix.length())));
    }
    List<Double> out = new ArrayList<>();
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT speed FROM read_parquet('" + dir + "/*.parquet', union_by_name = true)"
            + " ORDER BY speed")) {
      while (rs.next()) {
        out.add(rs.getDouble(1));
      }
    }
    return out;
  }

  private static List<String> staged() {
    return fixture.standIns.clients.s3().listObjectsV2Paginator(b -> b.bucket(STAGING)).contents().stream()
        .map(software.amazon.awssdk.services.s3.model.S3Object::key).toList();
  }
}
