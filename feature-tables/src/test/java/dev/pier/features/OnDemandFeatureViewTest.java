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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On-demand feature views: applied and read back from the registry, computed in online reads, the pipeline's lookup,
 * the point-in-time batch lookup and historical retrieval (checked against the pandas {@code merge_asof} answer of
 * {@code historical/expected.csv} with the expression applied by hand), and refused at apply when an expression does
 * not compile, reaches outside the sandbox, reads an unknown name or answers the wrong type.
 */
class OnDemandFeatureViewTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
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
      on_demand_feature_views:
        - name: driver_ratios
          sources: [driver_hourly_stats, {request: [{name: x, dtype: FLOAT64}, {name: tier, dtype: STRING}]}]
          schema:
            - {name: ratio, dtype: FLOAT64}
            - {name: busy, dtype: BOOL}
            - {name: tagged, dtype: STRING}
            - {name: log_trips, dtype: FLOAT64}
          expressions:
            ratio: "conv_rate / (x + 1)"
            busy: "trips > 10 && tier == 'gold'"
            tagged: "tier + ':' + trips"
            log_trips: "math:log(trips + 1)"
          owner: ops@example.com
      feature_services:
        - {name: scoring, features: ["driver_hourly_stats:conv_rate", "driver_ratios:ratio", "driver_ratios:busy"]}
      """;

  @TempDir static Path dataDir;
  @TempDir static Path work;
  private static OfflineFixture fixture;
  private OfflineFixture.Tables t;
  private OnlineFeatures online;

  @BeforeAll
  static void startStandIns() throws Exception {
    fixture = OfflineFixture.start(dataDir, work, "offline");
  }

  @AfterAll
  static void stopStandIns() {
    fixture.close();
  }

  @BeforeEach
  void start() throws Exception {
    t = fixture.fresh(DOC);
    online = new OnlineFeatures(t.registry(), t.store(), Clock.fixed(NOW, ZoneOffset.UTC));
    new FeaturePush(t.registry(), t.store(), null).push("driver_push", JSON.readTree("""
        {"driver_id": [1001, 1002], "conv_rate": [0.5, 0.25], "trips": [12, 3],
         "event_timestamp": ["2026-12-06T11:00:00Z", "2026-12-06T11:30:00Z"]}"""), FeaturePush.Target.ONLINE);
  }

  private OnlineResult read(List<String> features, String entities) throws Exception {
    Map<String, JsonNode> columns = new LinkedHashMap<>();
    JSON.readTree(entities).fields().forEachRemaining(e -> columns.put(e.getKey(), e.getValue()));
    return online.read(features, null, columns, false);
  }

  private static List<FeatureValue> column(OnlineResult r, String name) {
    return r.columns().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow().values();
  }

  @Test
  void isStoredVersionedAndReadBackCompiled() {
    FeatureRegistry fresh = new FeatureRegistry(fixture.standIns.clients.dynamoDb(), t.registryTable(),
        Duration.ofMinutes(5), Clock.systemUTC());
    OnDemandFeatureView v = fresh.catalog().onDemandViews().get("driver_ratios");

    assertThat(v.sources()).containsExactly("driver_hourly_stats");
    assertThat(v.request()).extracting(Field::name).containsExactly("x", "tier");
    assertThat(v.compiled().get("ratio").variables()).containsExactlyInAnyOrder("conv_rate", "x");
    assertThat(fresh.versions(Kind.ON_DEMAND_FEATURE_VIEW, "driver_ratios")).hasSize(1);
    // applying the same document again changes nothing
    assertThat(fresh.apply(DefinitionsParser.parse(DOC), true, null).changes())
        .allMatch(c -> c.action().equals("unchanged"));
  }

  @Test
  void onlineReadsComputeFromTheLookedUpFeaturesAndTheRequestData() throws Exception {
    OnlineResult r = read(List.of("driver_ratios:ratio", "driver_ratios:busy", "driver_ratios:tagged",
        "driver_ratios:log_trips"), """
        {"driver_id": [1001, 1002, 9999], "x": [1.0, 4, 1.0], "tier": ["gold", "gold", "silver"]}""");

    assertThat(r.featureNames()).containsExactly("driver_id", "x", "tier", "ratio", "busy", "tagged", "log_trips");
    List<FeatureValue> ratio = column(r, "ratio");
    assertThat((double) ratio.get(0).value()).isCloseTo(0.25, within(1e-12));
    assertThat((double) ratio.get(1).value()).isCloseTo(0.05, within(1e-12));
    assertThat(ratio.get(0).status()).isEqualTo(FeatureStatus.PRESENT);
    assertThat(ratio.get(0).eventTime()).isEqualTo(Instant.parse("2026-12-06T11:00:00Z"));
    assertThat(column(r, "busy")).extracting(FeatureValue::value).containsExactly(true, false, null);
    assertThat(column(r, "tagged").get(0).value()).isEqualTo("gold:12");
    assertThat((double) column(r, "log_trips").get(0).value()).isCloseTo(Math.log(13), within(1e-12));
    // an entity without features: the on-demand values are null with the input's status
    assertThat(ratio.get(2).value()).isNull();
    assertThat(ratio.get(2).status()).isEqualTo(FeatureStatus.NOT_FOUND);
    // inputs the caller did not ask for are not answered
    assertThat(r.featureNames()).doesNotContain("conv_rate", "trips");
  }

  @Test
  void thePipelinesLookupComputesAServicesOnDemandFeaturesFromInstanceFields() {
    Map<String, Object> instance = new HashMap<>(Map.of("driver_id", 1002.0, "x", 3.0, "tier", "gold"));
    List<Map<String, FeatureValue>> rows = online.lookup("scoring", List.of(instance));

    assertThat(rows.get(0).keySet()).containsExactly("driver_hourly_stats__conv_rate", "driver_ratios__ratio",
        "driver_ratios__busy");
    assertThat((double) rows.get(0).get("driver_ratios__ratio").value()).isCloseTo(0.0625, within(1e-12));
    assertThat(rows.get(0).get("driver_ratios__busy").value()).isEqualTo(false);

    instance.remove("x");
    assertThatThrownBy(() -> online.lookup("scoring", List.of(instance)))
        .isInstanceOf(PierException.class).hasMessageContaining("instance 0 has no 'x'")
        .hasMessageContaining("on-demand feature view 'driver_ratios'");
  }

  private static List<String[]> csv(String name) {
    try {
      return Files.readAllLines(OfflineFixture.FIXTURES.resolve(name)).stream().skip(1).map(l -> l.split(",", -1))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void historicalRetrievalComputesTheSameExpressionOverThePointInTimeJoin() {
    ArrayNode rows = JSON.createArrayNode();
    List<String[]> entityRows = csv("entity_rows.csv");
    for (int i = 0; i < entityRows.size(); i++) {
      String[] r = entityRows.get(i);
      rows.addObject().put("driver_id", Long.parseLong(r[0])).put("event_timestamp", r[2]).put("x", i % 3)
          .put("tier", "gold");
    }
    var result = new HistoricalRetrieval(t.registry(), t.offline()).retrieve(List.of("driver_ratios:ratio"), null,
        rows, false);

    assertThat(result.featureNames()).containsExactly("ratio");
    List<String[]> expected = csv("expected.csv"); // pandas merge_asof's conv_rate for each row
    boolean sawNull = false;
    for (int i = 0; i < expected.size(); i++) {
      ObjectNode got = result.rows().get(i);
      assertThat(got.has("conv_rate")).as("the input is not answered").isFalse();
      String conv = expected.get(i)[4];
      if (conv.isEmpty()) {
        sawNull = true;
        assertThat(got.get("ratio").isNull()).as("row " + i).isTrue();
      } else {
        assertThat(got.get("ratio").asDouble()).as("row " + i)
            .isCloseTo(Double.parseDouble(conv) / (i % 3 + 1), within(1e-12));
      }
    }
    assertThat(sawNull).isTrue();

    // the point-in-time batch lookup (batch scoring with point_in_time) gives the same values
    List<Map<String, Object>> instances = new java.util.ArrayList<>();
    for (int i = 0; i < entityRows.size(); i++) {
      instances.add(Map.of("driver_id", Long.parseLong(entityRows.get(i)[0]), "event_timestamp",
          entityRows.get(i)[2].replace(' ', 'T') + "Z", "x", (double) (i % 3), "tier", "gold"));
    }
    var asOf = new PointInTimeLookup(t.registry(), t.offline()).lookup("scoring", instances, "event_timestamp");
    for (int i = 0; i < instances.size(); i++) {
      JsonNode want = result.rows().get(i).get("ratio");
      Object got = asOf.get(i).get("driver_ratios__ratio").value();
      assertThat(got == null ? null : (Double) got).as("row " + i).isEqualTo(want.isNull() ? null : want.asDouble());
      assertThat(asOf.get(i)).doesNotContainKey("driver_hourly_stats__trips");
    }
  }

  /** Entity rows of {@code entity_rows.csv} with request columns x = row % 3 and tier, as a Parquet file in S3. */
  private String entityFile(String name, String extraColumns) throws Exception {
    Path file = work.resolve(name + "-" + t.n() + ".parquet");
    try (var db = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var s = db.createStatement()) {
      s.execute("COPY (SELECT driver_id::BIGINT AS driver_id, event_timestamp::TIMESTAMP AS event_timestamp,"
          + " label::INTEGER AS label" + extraColumns + " FROM (SELECT *, row_number() OVER () - 1 AS i FROM read_csv('"
          + OfflineFixture.FIXTURES.resolve("entity_rows.csv") + "')) ORDER BY i) TO '" + file + "' (FORMAT parquet)");
    }
    String key = "entities/" + name + "-" + t.n() + ".parquet";
    fixture.standIns.clients.s3().putObject(b -> b.bucket("offline").key(key),
        software.amazon.awssdk.core.sync.RequestBody.fromFile(file));
    return "s3://offline/" + key;
  }

  @Test
  void anEntitySourceFileGetsTheSameOnDemandValuesAsInlineRowsInItsOutputParquet() throws Exception {
    String source = entityFile("od", ", (i % 3)::DOUBLE AS x, CASE WHEN i % 2 = 0 THEN 'gold' ELSE 'silver' END"
        + " AS tier");
    ArrayNode rows = JSON.createArrayNode();
    List<String[]> entityRows = csv("entity_rows.csv");
    for (int i = 0; i < entityRows.size(); i++) {
      String[] r = entityRows.get(i);
      rows.addObject().put("driver_id", Long.parseLong(r[0])).put("event_timestamp", r[2]).put("x", i % 3)
          .put("tier", i % 2 == 0 ? "gold" : "silver");
    }
    List<String> asked = List.of("driver_ratios:ratio", "driver_hourly_stats:trips", "driver_ratios:busy",
        "driver_ratios:tagged");
    HistoricalRetrieval historical = new HistoricalRetrieval(t.registry(), t.offline());
    var inline = historical.retrieve(asked, null, rows, false);

    var result = historical.retrieveToParquet(asked, null, source, "s3://offline/out/od-" + t.n() + ".parquet", false);

    assertThat(result.featureNames()).containsExactly("ratio", "trips", "busy", "tagged");
    assertThat(result.rows()).isEqualTo(entityRows.size());
    Path out = work.resolve("od-out-" + t.n() + ".parquet");
    fixture.standIns.clients.s3().getObject(b -> b.bucket("offline").key("out/od-" + t.n() + ".parquet"), out);
    List<String[]> expected = csv("expected.csv"); // pandas merge_asof's conv_rate for each row
    try (var db = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var s = db.createStatement();
        var rs = s.executeQuery("SELECT * FROM '" + out + "'")) {
      var meta = rs.getMetaData();
      List<String> columns = new java.util.ArrayList<>();
      for (int c = 1; c <= meta.getColumnCount(); c++) {
        columns.add(meta.getColumnName(c));
      }
      // entity columns first (request columns pass through), then the features in the order asked; no inputs
      assertThat(columns).containsExactly("driver_id", "event_timestamp", "label", "x", "tier", "ratio", "trips",
          "busy", "tagged");
      boolean sawNull = false;
      for (int i = 0; i < expected.size(); i++) {
        assertThat(rs.next()).isTrue();
        ObjectNode want = inline.rows().get(i);
        assertThat(rs.getLong("driver_id")).isEqualTo(Long.parseLong(entityRows.get(i)[0]));
        String conv = expected.get(i)[4];
        if (conv.isEmpty()) {
          sawNull = true;
          assertThat(rs.getObject("ratio")).as("row " + i).isNull();
          assertThat(rs.getObject("busy")).as("row " + i).isNull();
        } else {
          assertThat(rs.getDouble("ratio")).as("row " + i)
              .isCloseTo(Double.parseDouble(conv) / (i % 3 + 1), within(1e-12));
          assertThat(rs.getBoolean("busy")).as("row " + i).isEqualTo(want.get("busy").asBoolean());
          assertThat(rs.getString("tagged")).as("row " + i).isEqualTo(want.get("tagged").asText());
          assertThat(rs.getString("tagged")).startsWith(i % 2 == 0 ? "gold:" : "silver:");
        }
        assertThat(String.valueOf(rs.getObject("trips"))).as("row " + i)
            .isEqualTo(want.get("trips").isNull() ? "null" : want.get("trips").asText());
      }
      assertThat(sawNull).isTrue();
      assertThat(rs.next()).isFalse();
    }
  }

  /** More rows than a page: every page boundary keeps each row's own inputs (checked against the inline path). */
  @Test
  void anEntitySourceOfSeveralPagesComputesEachRowFromItsOwnJoinedInputs() throws Exception {
    int copies = 200; // 46 fixture rows × 200 = 9,200 rows: three pages of 4,096
    Path file = work.resolve("pages-" + t.n() + ".parquet");
    try (var db = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var s = db.createStatement()) {
      s.execute("COPY (SELECT driver_id::BIGINT AS driver_id, event_timestamp::TIMESTAMP AS event_timestamp,"
          + " ((c * 46 + i) % 7)::DOUBLE AS x, 'gold' AS tier FROM (SELECT *, row_number() OVER () - 1 AS i FROM"
          + " read_csv('" + OfflineFixture.FIXTURES.resolve("entity_rows.csv") + "')), range(" + copies + ") r(c)"
          + " ORDER BY c, i) TO '" + file + "' (FORMAT parquet)");
    }
    fixture.standIns.clients.s3().putObject(b -> b.bucket("offline").key("entities/pages-" + t.n() + ".parquet"),
        software.amazon.awssdk.core.sync.RequestBody.fromFile(file));
    List<String[]> entityRows = csv("entity_rows.csv");
    ArrayNode rows = JSON.createArrayNode();
    for (int n = 0; n < copies * entityRows.size(); n++) {
      String[] r = entityRows.get(n % entityRows.size());
      rows.addObject().put("driver_id", Long.parseLong(r[0])).put("event_timestamp", r[2]).put("x", n % 7)
          .put("tier", "gold");
    }
    HistoricalRetrieval historical = new HistoricalRetrieval(t.registry(), t.offline());
    var inline = historical.retrieve(List.of("driver_ratios:ratio"), null, rows, false);

    var result = historical.retrieveToParquet(List.of("driver_ratios:ratio"), null,
        "s3://offline/entities/pages-" + t.n() + ".parquet", "s3://offline/out/pages-" + t.n() + ".parquet", false);

    assertThat(result.rows()).isEqualTo(rows.size()).isGreaterThan(2L * HistoricalRetrieval.PAGE);
    Path out = work.resolve("pages-out-" + t.n() + ".parquet");
    fixture.standIns.clients.s3().getObject(b -> b.bucket("offline").key("out/pages-" + t.n() + ".parquet"), out);
    int present = 0;
    try (var db = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var s = db.createStatement();
        var rs = s.executeQuery("SELECT x, ratio FROM '" + out + "'")) {
      for (int n = 0; n < rows.size(); n++) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getDouble("x")).as("row " + n).isEqualTo(n % 7);
        JsonNode want = inline.rows().get(n).get("ratio");
        Object got = rs.getObject("ratio");
        if (want.isNull()) {
          assertThat(got).as("row " + n).isNull();
        } else {
          present++;
          assertThat(((Number) got).doubleValue()).as("row " + n).isCloseTo(want.asDouble(), within(1e-12));
        }
      }
      assertThat(rs.next()).isFalse();
    }
    // as many values as pandas found a conv_rate for, in every copy (the rest are null: no row within the ttl)
    assertThat(present).isEqualTo(copies * (int) csv("expected.csv").stream().filter(r -> !r[4].isEmpty()).count());
  }

  @Test
  void anEntitySourceWithoutARequestColumnOrWithAMistypedOneIsA400NamingIt() throws Exception {
    HistoricalRetrieval historical = new HistoricalRetrieval(t.registry(), t.offline());
    String noX = entityFile("no-x", ", 'gold' AS tier");
    assertThatThrownBy(() -> historical.retrieveToParquet(List.of("driver_ratios:ratio"), null, noX, null, false))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("has no column 'x', a request field");
    String textX = entityFile("text-x", ", CASE WHEN i = 5 THEN 'lots' ELSE '1.5' END AS x, 'gold' AS tier");
    assertThatThrownBy(() -> historical.retrieveToParquet(List.of("driver_ratios:ratio"), null, textX, null, false))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("row 5: column 'x' is not a FLOAT64");
  }

  @Test
  void badRequestDataIsA400NamingTheRowAndField() {
    assertThatThrownBy(() -> read(List.of("driver_ratios:ratio"), """
        {"driver_id": [1001], "tier": ["gold"]}""")).isInstanceOf(PierException.class)
        .hasMessageContaining("entities (row 0) has no 'x'");
    assertThatThrownBy(() -> read(List.of("driver_ratios:ratio"), """
        {"driver_id": [1001], "x": ["lots"], "tier": ["gold"]}""")).isInstanceOf(PierException.class)
        .hasMessageContaining("entities (row 0).x: expected FLOAT64");
    assertThatThrownBy(() -> read(List.of("driver_ratios:nope"), """
        {"driver_id": [1001], "x": [1]}""")).isInstanceOf(PierException.class)
        .hasMessageContaining("has no feature 'nope'");
  }

  /** JEXL's division by zero is an error, not infinity: it names the feature and the row. */
  @Test
  void anEvaluationErrorIsA400NamingTheFeatureAndRow() throws Exception {
    var tables = fixture.fresh(DOC.replace("\"conv_rate / (x + 1)\"", "\"conv_rate / (x - x)\""));
    new FeaturePush(tables.registry(), tables.store(), null).push("driver_push", JSON.readTree("""
        {"driver_id": [7], "conv_rate": [0.5], "trips": [1], "event_timestamp": ["2026-12-06T11:00:00Z"]}"""),
        FeaturePush.Target.ONLINE);
    var reader = new OnlineFeatures(tables.registry(), tables.store(), Clock.fixed(NOW, ZoneOffset.UTC));

    assertThatThrownBy(() -> reader.read(List.of("driver_ratios:ratio"), null, Map.of("driver_id",
        JSON.readTree("[7]"), "x", JSON.readTree("[2]")), false)).isInstanceOf(PierException.class)
        .hasMessageContaining("on-demand feature 'driver_ratios:ratio' for entities (row 0): 'conv_rate / (x - x)'"
            + " failed: JEXL error : / error");
  }

  private static String problemsOf(String expression, String dtype) {
    String doc = DOC.replace("\"conv_rate / (x + 1)\"", JSON.getNodeFactory().textNode(expression).toString())
        .replace("{name: ratio, dtype: FLOAT64}", "{name: ratio, dtype: " + dtype + "}");
    try {
      fixture.fresh(doc);
    } catch (InvalidDefinitions e) {
      return e.getMessage();
    }
    throw new AssertionError("applied: " + expression);
  }

  @Test
  void expressionsThatDoNotCompileReachOutOfTheSandboxOrMistypeAreRefusedAtApply() {
    assertThat(problemsOf("conv_rate / ", "FLOAT64")).contains("driver_ratios").contains("expressions.ratio")
        .contains("does not compile");
    assertThat(problemsOf("tier.getClass()", "FLOAT64")).contains("method call error in '.getClass(...)'");
    assertThat(problemsOf("math:getClass()", "FLOAT64")).contains("unsolvable function/method 'getClass'");
    // no methods, properties, constructors, loops, assignments, lambdas: nothing reaches a class
    for (String escape : List.of("tier.getClass()", "tier.class", "new('java.io.File', '/tmp')",
        "while (true) { 1 }", "x = 2", "var y = 1; y", "(a) -> a", "''.getClass().forName('java.lang.Runtime')",
        "math:getClass()")) {
      assertThat(problemsOf(escape, "FLOAT64")).as(escape).contains("expressions.ratio");
    }
    assertThat(problemsOf("speed * 2", "FLOAT64"))
        .contains("'speed' is neither a request field nor a feature of its sources (driver_hourly_stats)");
    assertThat(problemsOf("tier + '!'", "FLOAT64")).contains("does not answer its declared type: expected FLOAT64,"
        + " got text 'a!'");
    assertThat(problemsOf("conv_rate * 2", "INT64")).contains("expected INT64, got decimal 5.0");
    assertThat(problemsOf("x".repeat(Expressions.MAX_LENGTH + 1), "FLOAT64")).contains("at most 1000");
  }

  @Test
  void definitionsWithDanglingOrMismatchedPartsAreRefusedNamingThem() {
    assertThatThrownBy(() -> fixture.fresh(DOC.replace("sources: [driver_hourly_stats, {", "sources: [nope, {")))
        .hasMessageContaining("on_demand_feature_views (driver_ratios).sources: feature view 'nope' does not exist");
    assertThatThrownBy(() -> DefinitionsParser.parse(DOC.replace("log_trips: \"math:log(trips + 1)\"", "")))
        .hasMessageContaining("expressions: feature 'log_trips' has no expression");
    assertThatThrownBy(() -> DefinitionsParser.parse(DOC.replace("ratio: \"conv", "other: \"conv")))
        .hasMessageContaining("expressions.other: 'other' is not a feature of the schema");
    assertThatThrownBy(() -> fixture.fresh(DOC.replace("\"driver_ratios:busy\"", "\"driver_ratios:nope\"")))
        .hasMessageContaining("on-demand feature view 'driver_ratios' has no feature 'nope'");
    assertThatThrownBy(() -> fixture.fresh(DOC.replace("name: driver_ratios", "name: customer_profile")))
        .hasMessageContaining("'customer_profile' is already a feature view's name");
  }
}
