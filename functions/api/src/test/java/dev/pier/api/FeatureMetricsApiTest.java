package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.kernel.aws.AwsClients;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Issue #14 item 7: the feature store's monitoring at {@code /q/metrics} — lookup latency and values by status (misses),
 * freshness of what lookups serve, materialized rows and nulls per feature (null share), watermark lag — each checked
 * against what the test itself did.
 */
@QuarkusTest
class FeatureMetricsApiTest {
  @Inject AwsClients aws;
  private String view;

  @BeforeEach
  void apply() throws Exception {
    view = "mon_" + UUID.randomUUID().toString().substring(0, 8);
    String bucket = "mon-" + UUID.randomUUID().toString().substring(0, 8);
    aws.s3().createBucket(b -> b.bucket(bucket));
    Path file = Files.createTempFile("stats", ".parquet");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      // three drivers in the window, one of them without a conv_rate: a null share of 1/3
      s.execute("COPY (SELECT * FROM (VALUES (1::BIGINT, TIMESTAMP '2026-12-01 10:00:00', 0.5::DOUBLE, 5::BIGINT),"
          + " (2::BIGINT, TIMESTAMP '2026-12-01 10:00:00', NULL::DOUBLE, 6::BIGINT),"
          + " (3::BIGINT, TIMESTAMP '2026-12-01 11:00:00', 0.7::DOUBLE, 7::BIGINT))"
          + " AS t(driver_id, event_timestamp, conv_rate, trips)) TO '" + file + "' (FORMAT parquet)");
    }
    aws.s3().putObject(b -> b.bucket(bucket).key("stats/part-0.parquet"), RequestBody.fromFile(file));
    Files.delete(file);
    String doc = """
        entities:
          - {name: driver, join_keys: [driver_id], value_type: INT64}
        sources:
          - {name: %1$s_stats, kind: parquet, path: "s3://%2$s/stats/", timestamp_field: event_timestamp}
          - {name: %1$s_push, kind: push, batch_source: %1$s_stats}
        feature_views:
          - {name: %1$s, entities: [driver], ttl: 0, source: %1$s_push,
             schema: [{name: conv_rate, dtype: FLOAT64}, {name: trips, dtype: INT64}]}
        """.formatted(view, bucket);
    given().contentType("application/yaml").body(doc.getBytes(StandardCharsets.UTF_8))
        .post("/api/v1/features/apply").then().statusCode(200);
  }

  /** The value of the one sample of {@code name} whose labels include every one of {@code labels}. */
  private static double sample(String metrics, String name, String... labels) {
    return metrics.lines().filter(l -> l.startsWith(name + "{"))
        .filter(l -> java.util.Arrays.stream(labels).allMatch(l::contains))
        .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .reduce((a, b) -> { throw new AssertionError("more than one sample of " + name + " " + java.util.Arrays.toString(labels)); })
        .orElseThrow(() -> new AssertionError("no sample of " + name + " " + java.util.Arrays.toString(labels) + " in\n" + metrics));
  }

  @Test
  void lookupsCountTheirValuesByStatusAndTimeThemAndFreshnessIsTheNewestValuesAge() {
    Instant pushed = Instant.now().minus(2, ChronoUnit.HOURS);
    given().contentType(ContentType.JSON).body("""
        {"push_source_name": "%s_push", "df": {"driver_id": [1], "conv_rate": [0.5], "trips": [5],
         "event_timestamp": ["%s"]}, "to": "online"}""".formatted(view, pushed)).post("/push").then().statusCode(200);
    given().contentType(ContentType.JSON).body("{\"features\": [\"" + view + ":conv_rate\", \"" + view + ":trips\"],"
        + " \"entities\": {\"driver_id\": [1, 42, 43]}}").post("/get-online-features").then().statusCode(200);

    String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
    String v = "view=\"" + view + "\"";
    assertThat(sample(metrics, "pier_features_lookup_values_total", v, "status=\"PRESENT\"")).isEqualTo(2.0);
    assertThat(sample(metrics, "pier_features_lookup_values_total", v, "status=\"NOT_FOUND\"")).isEqualTo(4.0);
    assertThat(sample(metrics, "pier_features_lookup_seconds_count", v, "store=\"online\"")).isEqualTo(1.0);
    assertThat(sample(metrics, "pier_features_lookup_seconds_sum", v)).isPositive();
    assertThat(sample(metrics, "pier_features_freshness_seconds", v)).isBetween(7200.0, 7200.0 + 600);
    assertThat(sample(metrics, "pier_features_served_staleness_seconds_max", v)).isBetween(7200.0, 7200.0 + 600);
  }

  @Test
  void materializationCountsRowsAndNullsPerFeatureAndTheWatermarkLag() throws Exception {
    String id = given().contentType(ContentType.JSON).body("{\"start\": \"2026-12-01T00:00:00Z\", \"end\":"
        + " \"2026-12-02T00:00:00Z\", \"feature_views\": [\"" + view + "\"]}").post("/api/v1/features/materialize")
        .then().statusCode(202).extract().path("id");
    String state = "RUNNING";
    for (int i = 0; i < 600 && state.equals("RUNNING"); i++) {
      Thread.sleep(50);
      state = given().get("/api/v1/features/materializations/" + id).then().extract().path("state");
    }
    assertThat(state).isEqualTo("SUCCEEDED");

    String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
    String v = "view=\"" + view + "\"";
    assertThat(sample(metrics, "pier_features_materialized_rows_total", v)).isEqualTo(3.0);
    assertThat(sample(metrics, "pier_features_materialized_nulls_total", v, "feature=\"conv_rate\"")).isEqualTo(1.0);
    assertThat(sample(metrics, "pier_features_materialized_nulls_total", v, "feature=\"trips\"")).isEqualTo(0.0);
    double lag = sample(metrics, "pier_features_watermark_lag_seconds", v);
    double expected = (System.currentTimeMillis() - Instant.parse("2026-12-02T00:00:00Z").toEpochMilli()) / 1000.0;
    assertThat(lag).isBetween(expected - 600, expected + 1);
  }
}
