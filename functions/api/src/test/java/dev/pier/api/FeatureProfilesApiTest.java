package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pier.kernel.aws.AwsClients;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Issue #14 item 8: value profiles of what materialization wrote (DataSketches, through the monitoring module's
 * ColumnProfile), answered by {@code GET /api/v1/feature-views/{name}}. Checked against an exact computation over the
 * same small fixture: with fewer values than KLL's k the sketch keeps them all, so min, max, mean, the nearest-rank
 * quantiles (the ⌈q·n⌉-th smallest value, KLL's inclusive rule) and the distinct count must be exact.
 */
@QuarkusTest
class FeatureProfilesApiTest {
  private static final Long[] TRIPS = {3L, 7L, 1L, 9L, 4L, 4L, 12L, 0L, 5L, null, 21L};
  private static final Double[] RATE = {0.5, 0.25, 0.125, 0.9, 0.33, 0.61, 0.07, 0.48, 0.99, 0.2, 0.5};
  private static final String[] CITY = {"Oslo", "Rome", "Oslo", null, "Lima", "Rome", "Oslo", "Kyiv", null, "Lima",
      "Oslo"};

  @Inject AwsClients aws;

  @Test
  void aMaterializationsValuesAreProfiledPerFeatureAndMatchAnExactComputation() throws Exception {
    String view = "prof_" + UUID.randomUUID().toString().substring(0, 8);
    String bucket = "prof-" + UUID.randomUUID().toString().substring(0, 8);
    aws.s3().createBucket(b -> b.bucket(bucket));
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < TRIPS.length; i++) {
      rows.append(i == 0 ? "" : ", ").append("(").append(i + 1).append("::BIGINT, TIMESTAMP '2026-12-01 10:00:00', ")
          .append(TRIPS[i] == null ? "NULL" : TRIPS[i]).append("::BIGINT, ").append(RATE[i]).append("::DOUBLE, ")
          .append(CITY[i] == null ? "NULL" : "'" + CITY[i] + "'").append(")");
    }
    Path file = Files.createTempFile("stats", ".parquet");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      s.execute("COPY (SELECT * FROM (VALUES " + rows + ") AS t(driver_id, event_timestamp, trips, conv_rate, city))"
          + " TO '" + file + "' (FORMAT parquet)");
    }
    aws.s3().putObject(b -> b.bucket(bucket).key("stats/part-0.parquet"), RequestBody.fromFile(file));
    Files.delete(file);
    String doc = """
        entities:
          - {name: driver, join_keys: [driver_id], value_type: INT64}
        sources:
          - {name: %1$s_stats, kind: parquet, path: "s3://%2$s/stats/", timestamp_field: event_timestamp}
        feature_views:
          - {name: %1$s, entities: [driver], ttl: 0, source: %1$s_stats,
             schema: [{name: trips, dtype: INT64}, {name: conv_rate, dtype: FLOAT64}, {name: city, dtype: STRING}]}
        """.formatted(view, bucket);
    given().contentType("application/yaml").body(doc.getBytes(StandardCharsets.UTF_8))
        .post("/api/v1/features/apply").then().statusCode(200);
    // before any materialization: no profile
    given().get("/api/v1/feature-views/" + view).then().statusCode(200).body("profile.size()",
        org.hamcrest.Matchers.equalTo(0));

    String id = given().contentType(ContentType.JSON).body("{\"start\": \"2026-11-01T00:00:00Z\", \"end\":"
        + " \"2026-12-02T00:00:00Z\", \"feature_views\": [\"" + view + "\"]}").post("/api/v1/features/materialize")
        .then().statusCode(202).extract().path("id");
    String state = "RUNNING";
    for (int i = 0; i < 600 && state.equals("RUNNING"); i++) {
      Thread.sleep(50);
      state = given().get("/api/v1/features/materializations/" + id).then().extract().path("state");
    }
    assertThat(state).isEqualTo("SUCCEEDED");

    // numbers as doubles: JsonPath's default (float) would round the values under test
    JsonPath got = JsonPath.from(given().get("/api/v1/feature-views/" + view).then().statusCode(200).extract()
        .asString()).using(new io.restassured.path.json.config.JsonPathConfig(
            io.restassured.path.json.config.JsonPathConfig.NumberReturnType.DOUBLE));
    Map<String, Object> trips = got.getMap("profile.find { it.feature == 'trips' }.statistics");
    Map<String, Object> rate = got.getMap("profile.find { it.feature == 'conv_rate' }.statistics");
    Map<String, Object> city = got.getMap("profile.find { it.feature == 'city' }.statistics");
    assertThat(got.getString("profile.find { it.feature == 'trips' }.job")).isEqualTo(id);

    checkNumbers(trips, Arrays.stream(TRIPS).map(t -> t == null ? null : t.doubleValue()).toList());
    checkNumbers(rate, Arrays.asList(RATE));
    assertThat(((Number) city.get("count")).longValue()).isEqualTo(CITY.length);
    assertThat(((Number) city.get("nulls")).longValue()).isEqualTo(2);
    assertThat(((Number) city.get("distinct")).longValue())
        .isEqualTo(new HashSet<>(Arrays.stream(CITY).filter(Objects::nonNull).toList()).size());
    assertThat(city).doesNotContainKey("mean");
  }

  /**
   * Values pushed online (in two pushes, one of them late) are profiled too: freshness is the newest pushed event time,
   * and the pushed profile's statistics equal an exact computation over both pushes' rows (DataSketches' merge of the
   * two pushes' sketches keeps every value at this size).
   */
  @Test
  void pushedValuesGiveFreshnessAndAProfileMergedOverPushes() throws Exception {
    String view = "pushp_" + UUID.randomUUID().toString().substring(0, 8);
    String bucket = "pushp-" + UUID.randomUUID().toString().substring(0, 8);
    aws.s3().createBucket(b -> b.bucket(bucket));
    String doc = """
        entities:
          - {name: driver, join_keys: [driver_id], value_type: INT64}
        sources:
          - {name: %1$s_stats, kind: parquet, path: "s3://%2$s/stats/", timestamp_field: event_timestamp}
          - {name: %1$s_push, kind: push, batch_source: %1$s_stats}
        feature_views:
          - {name: %1$s, entities: [driver], ttl: 0, source: %1$s_push,
             schema: [{name: trips, dtype: INT64}, {name: conv_rate, dtype: FLOAT64}, {name: city, dtype: STRING}]}
        """.formatted(view, bucket);
    given().contentType("application/yaml").body(doc.getBytes(StandardCharsets.UTF_8))
        .post("/api/v1/features/apply").then().statusCode(200);
    given().get("/api/v1/feature-views/" + view).then().statusCode(200)
        .body("pushed_profile.size()", org.hamcrest.Matchers.equalTo(0))
        .body("freshness.newest_online_event_time", org.hamcrest.Matchers.nullValue());

    int half = 6;
    for (int[] range : new int[][] {{0, half}, {half, TRIPS.length}}) {
      StringBuilder ids = new StringBuilder();
      StringBuilder trips = new StringBuilder();
      StringBuilder rates = new StringBuilder();
      StringBuilder cities = new StringBuilder();
      StringBuilder times = new StringBuilder();
      for (int i = range[0]; i < range[1]; i++) {
        String sep = i == range[0] ? "" : ", ";
        ids.append(sep).append(i + 1);
        trips.append(sep).append(TRIPS[i]);
        rates.append(sep).append(RATE[i]);
        cities.append(sep).append(CITY[i] == null ? "null" : "\"" + CITY[i] + "\"");
        // the second push is older: late rows are profiled but do not move freshness back
        times.append(sep).append(range[0] == 0 ? "\"2026-12-05T10:00:00Z\"" : "\"2026-12-04T09:00:00Z\"");
      }
      given().contentType(ContentType.JSON).body("""
          {"push_source_name": "%s_push", "to": "online", "df": {"driver_id": [%s], "trips": [%s],
           "conv_rate": [%s], "city": [%s], "event_timestamp": [%s]}}""".formatted(view, ids, trips, rates, cities,
          times)).post("/push").then().statusCode(200);
    }

    JsonPath got = JsonPath.from(given().get("/api/v1/feature-views/" + view).then().statusCode(200).extract()
        .asString()).using(new io.restassured.path.json.config.JsonPathConfig(
            io.restassured.path.json.config.JsonPathConfig.NumberReturnType.DOUBLE));
    assertThat(got.getString("freshness.newest_online_event_time")).isEqualTo("2026-12-05T10:00:00Z");
    assertThat(got.getDouble("freshness.newest_online_age_seconds")).isPositive();
    assertThat(got.getString("freshness.last_push_at")).isNotNull();
    assertThat(got.getString("pushed_profile.find { it.feature == 'trips' }.job")).isEqualTo("push");
    checkNumbers(got.getMap("pushed_profile.find { it.feature == 'trips' }.statistics"),
        Arrays.stream(TRIPS).map(t -> t == null ? null : t.doubleValue()).toList());
    checkNumbers(got.getMap("pushed_profile.find { it.feature == 'conv_rate' }.statistics"), Arrays.asList(RATE));
    Map<String, Object> city = got.getMap("pushed_profile.find { it.feature == 'city' }.statistics");
    assertThat(((Number) city.get("nulls")).longValue()).isEqualTo(2);
    assertThat(((Number) city.get("null_rate")).doubleValue()).isCloseTo(2.0 / CITY.length, within(1e-12));

    String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
    assertThat(metrics).contains("pier_features_pushed_rows_total{view=\"" + view + "\"} " + TRIPS.length + ".0");
    assertThat(metrics).contains("pier_features_pushed_nulls_total{feature=\"city\",view=\"" + view + "\"} 2.0");
    assertThat(metrics).containsPattern("pier_features_online_age_seconds\\{view=\"" + view + "\"\\} \\d");
  }

  /** Exact statistics of {@code values} (nulls counted apart) against the profile's. */
  @SuppressWarnings("unchecked")
  private static void checkNumbers(Map<String, Object> stats, List<Double> values) {
    List<Double> present = new ArrayList<>(values.stream().filter(Objects::nonNull).sorted().toList());
    int n = present.size();
    assertThat(((Number) stats.get("count")).longValue()).isEqualTo(values.size());
    assertThat(((Number) stats.get("nulls")).longValue()).isEqualTo(values.size() - n);
    assertThat(((Number) stats.get("min")).doubleValue()).isEqualTo(present.get(0));
    assertThat(((Number) stats.get("max")).doubleValue()).isEqualTo(present.get(n - 1));
    double mean = present.stream().mapToDouble(Double::doubleValue).sum() / n;
    assertThat(((Number) stats.get("mean")).doubleValue()).isCloseTo(mean, within(1e-12));
    Map<String, Object> quantiles = (Map<String, Object>) stats.get("quantiles");
    for (double q : new double[] {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99}) {
      double nearestRank = present.get((int) Math.ceil(q * n) - 1);
      assertThat(((Number) quantiles.get(Double.toString(q))).doubleValue()).as("q" + q).isEqualTo(nearestRank);
    }
    assertThat(((Number) stats.get("distinct")).longValue()).isEqualTo(new HashSet<>(present).size());
  }
}
