package dev.pier.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Point-in-time retrieval over Parquet in the S3 stand-in, compared with an answer pandas computed independently
 * ({@code src/test/resources/historical/generate.py}, {@code merge_asof}).
 */
class HistoricalRetrievalTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path FIXTURES = OfflineFixture.FIXTURES;
  static final String DOC = """
      entities:
        - {name: driver, join_keys: [driver_id], value_type: INT64}
        - {name: customer, join_keys: [customer_id], value_type: INT64}
      sources:
        - {name: driver_stats, kind: parquet, path: "s3://offline/driver_stats/", timestamp_field: event_timestamp,
           created_timestamp_column: created}
        - {name: driver_push, kind: push, batch_source: driver_stats}
        - {name: customer_profile, kind: parquet, path: "s3://offline/customer_profile.parquet"}
      feature_views:
        - {name: driver_hourly_stats, entities: [driver], ttl: 2h, source: driver_push,
           schema: [{name: conv_rate, dtype: FLOAT64}, {name: trips, dtype: INT64}]}
        - {name: customer_profile, entities: [customer], ttl: 0, source: customer_profile,
           schema: [{name: score, dtype: FLOAT64}]}
      feature_services:
        - {name: training, features: [driver_hourly_stats, "customer_profile:score"]}
      """;

  @TempDir static Path dataDir;
  @TempDir static Path work;
  private static OfflineFixture fixture;
  private static StandIns standIns;
  private static ExecutorService pool;
  private static int tables;
  private FeatureRegistry registry;
  private OfflineStore offline;
  private HistoricalRetrieval historical;

  @BeforeAll
  static void startStandIns() throws Exception {
    fixture = OfflineFixture.start(dataDir, work, "offline");
    standIns = fixture.standIns;
    pool = fixture.pool;
  }

  @AfterAll
  static void stopStandIns() {
    fixture.close();
  }

  @BeforeEach
  void start() {
    OfflineFixture.Tables t = fixture.fresh(DOC); // the Parquet in S3 is shared
    tables = t.n();
    registry = t.registry();
    offline = t.offline();
    historical = new HistoricalRetrieval(registry, offline);
  }

  private static List<String[]> csv(String name) {
    try {
      return Files.readAllLines(FIXTURES.resolve(name)).stream().skip(1).map(l -> l.split(",", -1)).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ArrayNode entityRows() {
    ArrayNode rows = JSON.createArrayNode();
    for (String[] r : csv("entity_rows.csv")) {
      rows.addObject().put("driver_id", Long.parseLong(r[0])).put("customer_id", Long.parseLong(r[1]))
          .put("event_timestamp", r[2]).put("label", Integer.parseInt(r[3]));
    }
    return rows;
  }

  @Test
  void joinsEachEntityRowExactlyAsPandasMergeAsofDoes() {
    HistoricalRetrieval.Result result = historical.retrieve(null, "training", entityRows(), false);

    assertThat(result.featureNames()).containsExactly("conv_rate", "trips", "score");
    List<String[]> expected = csv("expected.csv");
    assertThat(result.rows()).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      String[] want = expected.get(i);
      ObjectNode got = result.rows().get(i);
      String where = "row " + i + " " + got;
      assertThat(got.get("driver_id").asLong()).as(where).isEqualTo(Long.parseLong(want[0]));
      assertThat(got.get("label").asInt()).as(where).isEqualTo(Integer.parseInt(want[3]));
      assertNumber(got.get("conv_rate"), want[4], where);
      assertNumber(got.get("trips"), want[5], where);
      assertNumber(got.get("score"), want[6], where);
    }
    // the fixture covers both outcomes for each view
    assertThat(result.rows()).anyMatch(r -> r.get("conv_rate").isNull()).anyMatch(r -> !r.get("conv_rate").isNull())
        .anyMatch(r -> r.get("score").isNull()).anyMatch(r -> !r.get("score").isNull());
  }

  private static void assertNumber(JsonNode got, String want, String where) {
    if (want.isEmpty()) {
      assertThat(got.isNull()).as(where + " expected null").isTrue();
    } else {
      assertThat(got.isNull()).as(where + " expected " + want).isFalse();
      assertThat(got.asDouble()).as(where).isCloseTo(Double.parseDouble(want), within(1e-9));
    }
  }

  @Test
  void betweenRowsOfTheSameEventTimeTheLaterCreatedWins() throws Exception {
    ArrayNode rows = (ArrayNode) JSON.readTree("""
        [{"driver_id": 1, "event_timestamp": "2026-12-01T10:00:00Z"}]""");

    var result = historical.retrieve(List.of("driver_hourly_stats:trips"), null, rows, false);

    assertThat(result.rows().get(0).get("trips").asLong()).isEqualTo(77);
  }

  /** Writes {@code select}'s rows as {@code s3://offline/<key>} and applies a view {@code name} over them. */
  private void viewOver(String name, String key, String select, String schema, String created) throws Exception {
    Path file = work.resolve(name + "-" + tables + ".parquet");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      s.execute("COPY (" + select + ") TO '" + file + "' (FORMAT parquet)");
    }
    standIns.clients.s3().putObject(b -> b.bucket("offline").key(key), RequestBody.fromFile(file));
    registry.apply(DefinitionsParser.parse("""
        sources: [{name: %s_source, kind: parquet, path: "s3://offline/%s"%s}]
        feature_views: [{name: %s, entities: [driver], ttl: 1d, source: %s_source, schema: [%s]}]
        """.formatted(name, key, created == null ? "" : ", created_timestamp_column: " + created, name, name,
        schema)), false, offline::check);
  }

  @Test
  void rowsOfEqualEventAndCreatedTimeGiveOneOfThemOnceAndAMissingCreatedTimeLoses() throws Exception {
    viewOver("ties", "ties-" + tables + ".parquet", """
        SELECT * FROM (VALUES
          (5::BIGINT, TIMESTAMP '2026-12-01 10:00:00', TIMESTAMP '2026-12-01 10:05:00', 1::BIGINT),
          (5, TIMESTAMP '2026-12-01 10:00:00', TIMESTAMP '2026-12-01 10:05:00', 2),
          (5, TIMESTAMP '2026-12-01 10:00:00', NULL, 3),
          (5, TIMESTAMP '2026-12-01 09:00:00', TIMESTAMP '2026-12-01 11:00:00', 4),
          (6, TIMESTAMP '2026-12-01 10:00:00', NULL, 5),
          (6, TIMESTAMP '2026-12-01 10:00:00', TIMESTAMP '2026-11-01 00:00:00', 6))
          t(driver_id, event_timestamp, created, trips)""", "{name: trips, dtype: INT64}", "created");
    ArrayNode rows = (ArrayNode) JSON.readTree("""
        [{"driver_id": 5, "event_timestamp": "2026-12-01T10:10:00Z"},
         {"driver_id": 5, "event_timestamp": "2026-12-01T09:30:00Z"},
         {"driver_id": 6, "event_timestamp": "2026-12-01T10:00:00Z"}]""");

    var result = historical.retrieve(List.of("ties:trips"), null, rows, false);

    assertThat(result.rows()).hasSize(3);
    assertThat(result.rows().get(0).get("trips").asLong()).isIn(1L, 2L); // either of the equal rows, as Feast
    assertThat(result.rows().get(1).get("trips").asLong()).isEqualTo(4); // the event time orders before created
    assertThat(result.rows().get(2).get("trips").asLong()).isEqualTo(6); // a known created time beats none
  }

  @Test
  void aSourceValueThatDoesNotCastToItsDtypeIsA400NamingTheViewWhenJoiningIntoParquet() throws Exception {
    viewOver("texts", "texts-" + tables + ".parquet", """
        SELECT 1::BIGINT AS driver_id, TIMESTAMP '2026-12-01 10:00:00' AS event_timestamp, 'many' AS trips""",
        "{name: trips, dtype: INT64}", null);
    Path entities = work.resolve("one-entity-" + tables + ".parquet");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      s.execute("COPY (SELECT 1::BIGINT AS driver_id, TIMESTAMP '2026-12-01 11:00:00' AS event_timestamp) TO '"
          + entities + "' (FORMAT parquet)");
    }
    standIns.clients.s3().putObject(b -> b.bucket("offline").key("training/one-" + tables + ".parquet"),
        RequestBody.fromFile(entities));

    assertThatThrownBy(() -> historical.retrieveToParquet(List.of("driver_hourly_stats:trips", "texts:trips"), null,
        "s3://offline/training/one-" + tables + ".parquet", null, true))
        .isInstanceOfSatisfying(PierException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.getMessage()).startsWith("feature view 'texts': source s3://offline/texts-" + tables
              + ".parquet does not match its schema:").contains("many");
        });
  }

  @Test
  void fullFeatureNamesPrefixTheView() throws Exception {
    ArrayNode rows = (ArrayNode) JSON.readTree("""
        [{"driver_id": 1, "customer_id": 10, "event_timestamp": "2026-12-01T10:00:00Z"}]""");

    var result = historical.retrieve(null, "training", rows, true);

    assertThat(result.featureNames())
        .containsExactly("driver_hourly_stats__conv_rate", "driver_hourly_stats__trips", "customer_profile__score");
    assertThat(result.rows().get(0).has("driver_hourly_stats__trips")).isTrue();
  }

  @Test
  void anEntityRowWithoutEventTimestampIsA400NamingIt() throws Exception {
    ArrayNode rows = (ArrayNode) JSON.readTree("""
        [{"driver_id": 1, "event_timestamp": "2026-12-01T10:00:00Z"}, {"driver_id": 2}]""");

    assertThatThrownBy(() -> historical.retrieve(List.of("driver_hourly_stats:trips"), null, rows, false))
        .isInstanceOfSatisfying(PierException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.getMessage()).isEqualTo("entity_rows[1] has no event_timestamp");
        });
  }

  @Test
  void rowsPushedOfflineAreJoinedLikeTheBatchSourcesOwn() throws Exception {
    // the pushed file lands in the shared driver_stats prefix: driver 4 at 12-02 09:00 is later than every fixture
    // entity row (which end at 12-02 02:00), so the pandas comparison is unaffected whatever the test order
    OnlineStore store = new OnlineStore(standIns.clients.dynamoDb(), "features-online-" + tables, pool);
    FeaturePush push = new FeaturePush(registry, store, offline);
    push.push("driver_push", JSON.readTree("""
        {"driver_id": [4], "conv_rate": [0.42], "trips": [42], "event_timestamp": ["2026-12-02T09:00:00Z"]}"""),
        FeaturePush.Target.OFFLINE);
    ArrayNode rows = (ArrayNode) JSON.readTree("""
        [{"driver_id": 4, "event_timestamp": "2026-12-02T10:00:00Z"},
         {"driver_id": 4, "event_timestamp": "2026-12-02T08:59:59Z"}]""");

    var result = historical.retrieve(List.of("driver_hourly_stats:trips"), null, rows, false);

    assertThat(result.rows()).extracting(r -> r.get("trips").toString()).containsExactly("42", "null");
  }

  @Test
  void aFreshPrefixFilledOnlyByPushIsJoinedToo() throws Exception {
    registry.apply(DefinitionsParser.parse("""
        sources:
          - {name: fresh, kind: parquet, path: "s3://offline/fresh/", created_timestamp_column: created}
          - {name: fresh_push, kind: push, batch_source: fresh}
        feature_views:
          - {name: fresh_view, entities: [driver], ttl: 1h, source: fresh_push, schema: [{name: speed, dtype: FLOAT32}]}
        """), false, offline::check);
    FeaturePush push = new FeaturePush(registry, null, offline);
    push.push("fresh_push", JSON.readTree("""
        {"driver_id": [9, 9], "speed": [1.5, 2.5], "event_timestamp": ["2026-12-03T10:00:00Z", "2026-12-03T10:30:00Z"]}
        """), FeaturePush.Target.OFFLINE);
    ArrayNode rows = (ArrayNode) JSON.readTree("""
        [{"driver_id": 9, "event_timestamp": "2026-12-03T10:29:59Z"}, {"driver_id": 9, "event_timestamp": "2026-12-03T12:00:00Z"}]
        """);

    var result = historical.retrieve(List.of("fresh_view:speed"), null, rows, false);

    assertThat(result.rows()).extracting(r -> r.get("speed").toString()).containsExactly("1.5", "null");
  }

  @Test
  void entityRowsFromParquetAreJoinedIntoAParquetFileLikeInlineOnes() throws Exception {
    Path entities = work.resolve("entities-" + tables + ".parquet");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      s.execute("COPY (SELECT driver_id::BIGINT AS driver_id, customer_id::BIGINT AS customer_id,"
          + " event_timestamp::TIMESTAMP AS event_timestamp, label::INTEGER AS label FROM read_csv('"
          + FIXTURES.resolve("entity_rows.csv") + "')) TO '" + entities + "' (FORMAT parquet)");
    }
    standIns.clients.s3().putObject(b -> b.bucket("offline").key("training/entities.parquet"),
        RequestBody.fromFile(entities));

    HistoricalRetrieval.ParquetResult result = historical.retrieveToParquet(null, "training",
        "s3://offline/training/entities.parquet", "s3://offline/training/out-" + tables + ".parquet", false);

    assertThat(result.output()).isEqualTo("s3://offline/training/out-" + tables + ".parquet");
    assertThat(result.rows()).isEqualTo(46);
    Path out = work.resolve("out-" + tables + ".parquet");
    standIns.clients.s3().getObject(b -> b.bucket("offline").key("training/out-" + tables + ".parquet"), out);
    List<String[]> expected = csv("expected.csv");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement();
        var rs = s.executeQuery("SELECT driver_id, label, conv_rate, trips, score FROM '" + out + "'")) {
      for (int i = 0; i < expected.size(); i++) {
        assertThat(rs.next()).isTrue();
        String[] want = expected.get(i);
        assertThat(rs.getLong(1)).isEqualTo(Long.parseLong(want[0]));
        assertThat(rs.getInt(2)).isEqualTo(Integer.parseInt(want[3]));
        for (int c = 0; c < 3; c++) {
          Object got = rs.getObject(3 + c);
          if (want[4 + c].isEmpty()) {
            assertThat(got).as("row %d column %d", i, c).isNull();
          } else {
            assertThat(((Number) got).doubleValue()).as("row %d column %d", i, c)
                .isCloseTo(Double.parseDouble(want[4 + c]), within(1e-9));
          }
        }
      }
      assertThat(rs.next()).isFalse();
    }
  }

  @Test
  void aSourceInPiersOwnStorageIsRefusedAtApplyAndAtRead() {
    var policy = dev.pier.kernel.aws.S3SourcePolicy.of(List.of("*"),
        List.of(new dev.pier.kernel.aws.S3SourcePolicy.Location("offline", "driver_stats/")));
    OfflineStore guarded = new OfflineStore(standIns.clients.s3(), work.resolve("guarded-" + tables), policy);

    assertThatThrownBy(() -> guarded.check("s3://offline/driver_stats/"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(403));
    ArrayNode rows = JSON.createArrayNode();
    rows.addObject().put("driver_id", 1).put("event_timestamp", "2026-12-01T10:00:00Z");
    assertThatThrownBy(() -> new HistoricalRetrieval(registry, guarded)
        .retrieve(List.of("driver_hourly_stats:trips"), null, rows, false))
        .isInstanceOfSatisfying(PierException.class, e -> {
          assertThat(e.status()).isEqualTo(403);
          assertThat(e.getMessage()).contains("source 'driver_stats' path 's3://offline/driver_stats/'");
        });
  }

  @Test
  void aSourceWithoutAFeaturesColumnIsA400NamingTheViewAndColumn() {
    registry.apply(DefinitionsParser.parse("""
        feature_views:
          - {name: customer_profile, entities: [customer], ttl: 0, source: customer_profile,
             schema: [{name: score, dtype: FLOAT64}, {name: tier, dtype: STRING}]}
        """), false, null);
    ArrayNode rows = JSON.createArrayNode();
    rows.addObject().put("customer_id", 10).put("event_timestamp", "2026-12-01T10:00:00Z");

    assertThatThrownBy(() -> historical.retrieve(List.of("customer_profile:tier"), null, rows, false))
        .isInstanceOfSatisfying(PierException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.getMessage()).startsWith("feature view 'customer_profile': source"
              + " s3://offline/customer_profile.parquet does not match its schema:").contains("tier");
        });
  }
}
