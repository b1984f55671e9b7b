package dev.pier.api;

import dev.pier.kernel.aws.AwsClients;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** The feature store through the api app: Feast's HTTP shapes at the root, apply, historical and discovery. */
@QuarkusTest
class FeatureStoreApiTest {
  @Inject AwsClients aws;
  private String bucket;
  private String view;

  private String doc() {
    return """
        entities:
          - {name: driver, join_keys: [driver_id], value_type: INT64}
        sources:
          - {name: %1$s_stats, kind: parquet, path: "s3://%2$s/stats/", timestamp_field: event_timestamp}
          - {name: %1$s_push, kind: push, batch_source: %1$s_stats}
        feature_views:
          - {name: %1$s, entities: [driver], ttl: 1d, source: %1$s_push, tags: {team: ops}, owner: ops,
             schema: [{name: conv_rate, dtype: FLOAT64}, {name: trips, dtype: INT64}]}
        feature_services:
          - {name: %1$s_svc, features: ["%1$s:trips"]}
        """.formatted(view, bucket);
  }

  @BeforeEach
  void source() throws Exception {
    view = "fv_" + UUID.randomUUID().toString().substring(0, 8);
    bucket = "feat-" + UUID.randomUUID().toString().substring(0, 8);
    var s3 = aws.s3();
    s3.createBucket(b -> b.bucket(bucket));
    Path file = Files.createTempFile("stats", ".parquet");
    Class.forName("org.duckdb.DuckDBDriver"); // registered in this test's class loader too (a profile restarts the app)
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      s.execute("COPY (SELECT 7::BIGINT AS driver_id, TIMESTAMP '2026-12-01 10:00:00' AS event_timestamp,"
          + " 0.5::DOUBLE AS conv_rate, 70::BIGINT AS trips) TO '" + file + "' (FORMAT parquet)");
    }
    s3.putObject(b -> b.bucket(bucket).key("stats/part-0.parquet"), RequestBody.fromFile(file));
    Files.delete(file);
  }

  /** RestAssured encodes only known content types from text; YAML goes as bytes. */
  private static byte[] yaml(String text) {
    return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private void apply() {
    given().contentType("application/yaml").body(yaml(doc())).post("/api/v1/features/apply").then().statusCode(200)
        .body("applied", equalTo(true));
  }

  /** Applies the definitions and pushes one online row: driver 1001, conv_rate 0.25, trips 3, now. */
  private void applyAndPushDriver1001() {
    apply();
    given().contentType(ContentType.JSON).body("""
        {"push_source_name": "%s_push", "df": {"driver_id": [1001], "conv_rate": [0.25], "trips": [3],
         "event_timestamp": ["%s"]}, "to": "online"}""".formatted(view, java.time.Instant.now()))
        .post("/push").then().statusCode(200);
  }

  @Test
  void aPlanShowsTheChangesAndAppliesNothing() {
    given().contentType("application/yaml").body(yaml(doc())).post("/api/v1/features/apply?dry_run=true").then()
        .statusCode(200).body("applied", equalTo(false))
        .body("changes.find { it.name == '" + view + "' }.action", equalTo("create"));
    given().get("/api/v1/feature-views/" + view).then().statusCode(404);
  }

  /** A read of more values than the I/O thread may answer (OnlineReads, when on) goes to a worker, answered the same. */
  @Test
  void aReadTooLargeForTheIoThreadIsAnsweredByAWorker() {
    applyAndPushDriver1001();
    int rows = dev.pier.features.http.OnlineReads.IN_PROCESS_INLINE_VALUES; // × 2 features: twice the bound
    StringBuilder ids = new StringBuilder("1001");
    for (int i = 1; i < rows; i++) {
      ids.append(',').append(5000 + i);
    }
    given().contentType(ContentType.JSON).body("""
        {"features": ["%s:conv_rate", "%s:trips"], "entities": {"driver_id": [%s]}}""".formatted(view, view, ids))
        .post("/get-online-features").then().statusCode(200)
        .body("results[1].values.size()", equalTo(rows))
        .body("results[1].values[0]", equalTo(0.25f))
        .body("results[2].statuses[0]", equalTo("PRESENT"))
        .body("results[2].statuses[1]", equalTo("NOT_FOUND"));
  }

  /** The same 4xx whether the read was answered on the I/O thread (small) or handed to a worker (large). */
  @Test
  void anOnlineReadOfAnUnknownFeatureIsA404NamingItWhicheverThreadReadsIt() {
    apply();
    StringBuilder many = new StringBuilder("1");
    for (int i = 2; i <= 2 * dev.pier.features.http.OnlineReads.IN_PROCESS_INLINE_VALUES; i++) {
      many.append(',').append(i);
    }
    for (String ids : new String[] {"1001", many.toString()}) {
      for (String path : new String[] {"/get-online-features", "/api/v1/features/online"}) {
        given().contentType(ContentType.JSON).body("""
            {"features": ["%s:no_such_feature"], "entities": {"driver_id": [%s]}}""".formatted(view, ids))
            .post(path).then().statusCode(404).body("detail", containsString("no_such_feature"));
        given().contentType(ContentType.JSON).body("""
            {"features": ["%s:trips"], "entities": {"driver_id": ["x", %s]}}""".formatted(view, ids))
            .post(path).then().statusCode(400).body("detail", containsString("driver_id[0]"));
      }
    }
  }

  @Test
  void aPushedRowIsServedInFeastsShape() {
    applyAndPushDriver1001();

    for (String path : new String[] {"/get-online-features", "/api/v1/features/online"}) {
      given().contentType(ContentType.JSON).body("""
          {"features": ["%s:conv_rate", "%s:trips"], "entities": {"driver_id": [1001, 1002]}}""".formatted(view, view))
          .post(path).then().statusCode(200)
          .body("metadata.feature_names", contains("driver_id", "conv_rate", "trips"))
          .body("results[0].values", contains(1001, 1002))
          .body("results[1].values[0]", equalTo(0.25f))
          .body("results[1].statuses", contains("PRESENT", "NOT_FOUND"))
          .body("results[2].values", contains(3, null));
    }
  }

  @Test
  void badDefinitionsAreA400NamingEachProblem() {
    given().contentType("application/yaml").body(yaml(doc().replace("dtype: INT64", "dtype: INTEGER")))
        .post("/api/v1/features/apply").then().statusCode(400)
        .body("detail", containsString("feature_views[0] (" + view + ").schema[1].dtype: 'INTEGER' is not a type"));
  }

  @Test
  void aPushThatDoesNotMatchTheSchemaIsA400() {
    apply();
    given().contentType(ContentType.JSON).body("""
        {"push_source_name": "%s_push", "df": {"driver_id": [1], "conv_rate": ["x"], "trips": [3],
         "event_timestamp": ["2026-12-01T10:00:00Z"]}}""".formatted(view))
        .post("/push").then().statusCode(400).body("detail", containsString("df.conv_rate[0]"));
  }

  @Test
  void aHistoricalJobRunsOnTheLocalRunnerAndWritesItsAnswerToItsOutput() throws Exception {
    apply();
    Path entities = Files.createTempFile("entities", ".parquet");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      s.execute("COPY (SELECT * FROM (VALUES (7::BIGINT, TIMESTAMP '2026-12-01 11:00:00', 1),"
          + " (7::BIGINT, TIMESTAMP '2026-12-01 09:00:00', 0)) t(driver_id, event_timestamp, label))"
          + " TO '" + entities + "' (FORMAT parquet)");
    }
    aws.s3().putObject(b -> b.bucket(bucket).key("training/entities.parquet"), RequestBody.fromFile(entities));

    var started = given().contentType(ContentType.JSON).body("""
        {"feature_service": "%s_svc", "entity_source": "s3://%s/training/entities.parquet"}""".formatted(view, bucket))
        .post("/api/v1/features/historical-jobs").then().statusCode(202).body("state", equalTo("RUNNING"))
        .extract();
    String id = started.path("id");
    assertThat(started.header("Location")).isEqualTo("/api/v1/features/historical-jobs/" + id);
    String state = "RUNNING";
    for (int i = 0; i < 600 && state.equals("RUNNING"); i++) {
      Thread.sleep(100);
      state = given().get("/api/v1/features/historical-jobs/" + id).then().statusCode(200).extract().path("state");
    }
    assertThat(state).isEqualTo("SUCCEEDED");
    String output = given().get("/api/v1/features/historical-jobs/" + id).then().statusCode(200)
        .body("rows", equalTo(2)).body("feature_names", contains("trips")).extract().path("output");
    assertThat(output).isEqualTo("s3://" + bucket + "/training/pier-historical/" + id + ".parquet");
    Files.delete(entities); // the SDK writes the answer to a new file
    aws.s3().getObject(b -> b.bucket(bucket).key("training/pier-historical/" + id + ".parquet"), entities);
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement();
        java.sql.ResultSet rs = s.executeQuery("SELECT label, trips FROM '" + entities + "'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(1);
      assertThat(rs.getLong(2)).isEqualTo(70);
      assertThat(rs.next()).isTrue();
      assertThat(rs.getObject(2)).isNull(); // before the only feature row
    }
    Files.delete(entities);

    given().contentType(ContentType.JSON).body("""
        {"feature_service": "%s_svc"}""".formatted(view)).post("/api/v1/features/historical-jobs").then()
        .statusCode(400).body("detail", containsString("'entity_source'"));
    given().get("/api/v1/features/historical-jobs/hist-nope").then().statusCode(404);
  }

  @Test
  void historicalRowsArePointInTimeCorrectAndKeepTheirLabels() {
    apply();
    given().contentType(ContentType.JSON).body("""
        {"feature_service": "%s_svc", "entity_rows": [
          {"driver_id": 7, "event_timestamp": "2026-12-01T11:00:00Z", "label": 1},
          {"driver_id": 7, "event_timestamp": "2026-12-01T09:00:00Z", "label": 0}]}""".formatted(view))
        .post("/api/v1/features/historical").then().statusCode(200)
        .body("feature_names", contains("trips"))
        .body("rows[0].trips", equalTo(70)).body("rows[0].label", equalTo(1))
        .body("rows[1].trips", nullValue());
    given().contentType(ContentType.JSON).body("""
        {"feature_service": "%s_svc", "entity_rows": [], "entity_source": "s3://%s/e.parquet"}""".formatted(view, bucket))
        .post("/api/v1/features/historical").then().statusCode(400)
        .body("detail", containsString("give either 'entity_rows'"));
  }

  @Test
  void discoveryFindsViewsByTagAndShowsTheirVersions() {
    apply();
    given().contentType("application/yaml").body(yaml(doc().replace("ttl: 1d", "ttl: 2d"))).post("/api/v1/features/apply")
        .then().statusCode(200);

    given().queryParam("tag", "team:ops").queryParam("q", view).get("/api/v1/feature-views").then().statusCode(200)
        .body("feature_views.name", contains(view))
        .body("feature_views[0].ttl", equalTo("2d"))
        .body("feature_views[0].version", equalTo(2))
        .body("feature_views[0].feature_services", hasItem(view + "_svc"));
    // paged by the server: one view a page, the pages together the whole listing in its order
    java.util.List<String> all = given().get("/api/v1/feature-views").then().statusCode(200).extract().jsonPath()
        .getList("feature_views.name");
    java.util.List<String> paged = new java.util.ArrayList<>();
    String token = "";
    do {
      var page = given().queryParam("max_results", 1).queryParam("page_token", token).get("/api/v1/feature-views")
          .then().statusCode(200).body("feature_views.size()", equalTo(1)).extract().jsonPath();
      paged.addAll(page.getList("feature_views.name"));
      token = page.getString("next_page_token");
    } while (token != null);
    org.assertj.core.api.Assertions.assertThat(paged).isEqualTo(all).contains(view);
    given().queryParam("page_token", "bm9wZQ").get("/api/v1/feature-views").then().statusCode(400);
    given().get("/api/v1/feature-views/" + view + "/versions").then().statusCode(200)
        .body("versions.version", contains(1, 2))
        .body("versions[1].differences", contains("ttl: 1d -> 2d"));
  }

  @Test
  void aMaterializationJobCopiesTheOfflineRowsOnline() throws Exception {
    apply();
    String id = given().contentType(ContentType.JSON).body("""
        {"start": "2026-12-01T00:00:00Z", "end": "2026-12-02T00:00:00Z", "feature_views": ["%s"]}""".formatted(view))
        .post("/api/v1/features/materialize").then().statusCode(202).body("state", equalTo("RUNNING"))
        .extract().path("id");
    String state = "RUNNING";
    for (int i = 0; i < 200 && state.equals("RUNNING"); i++) {
      Thread.sleep(50);
      state = given().get("/api/v1/features/materializations/" + id).then().statusCode(200).extract().path("state");
    }
    given().get("/api/v1/features/materializations/" + id).then().body("state", equalTo("SUCCEEDED"))
        .body("rows", equalTo(1)).body("chunks_done", equalTo(1));

    // the row is from 2026-12-01 and the view's ttl is a day: stored, and reported as too old to serve
    given().contentType(ContentType.JSON).body("""
        {"features": ["%s:trips"], "entities": {"driver_id": [7]}}""".formatted(view))
        .post("/get-online-features").then().statusCode(200)
        .body("results[1].statuses", contains("OUTSIDE_MAX_AGE"))
        .body("results[1].event_timestamps", contains("2026-12-01T10:00:00Z"));
  }
}
