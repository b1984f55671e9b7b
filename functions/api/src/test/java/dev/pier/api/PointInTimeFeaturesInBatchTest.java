package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Batch scoring with {@code "point_in_time": true} (issue #14 item 9): each row's features are joined as of the row's
 * own event timestamp from the offline store, not the online store's current values. The view's history has two
 * rows for driver 7 (10:00 and 12:00 on 2026-12-01, ttl 1d) and the online store a third, newer value; each scored row
 * must equal what the same model answers when the values of the history row in force at that row's time are sent
 * by hand, and rows with no row in force (before the first, past the ttl, no timestamp) are error rows saying why.
 */
@QuarkusTest
class PointInTimeFeaturesInBatchTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Inject AwsClients aws;
  @Inject dev.pier.batch.BatchSchedules batchSchedules;
  private String view;
  private String bucket;

  @BeforeEach
  void applyHistoryAndPushANewerValueOnline() throws Exception {
    view = "pit_" + UUID.randomUUID().toString().substring(0, 8);
    bucket = "pit-" + UUID.randomUUID().toString().substring(0, 8);
    aws.s3().createBucket(b -> b.bucket(bucket));
    Path file = Files.createTempFile("history", ".parquet");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      s.execute("COPY (SELECT * FROM (VALUES"
          + " (7::BIGINT, TIMESTAMP '2026-12-01 10:00:00', 3.5::DOUBLE, 1.4::DOUBLE),"
          + " (7::BIGINT, TIMESTAMP '2026-12-01 12:00:00', 3.0::DOUBLE, 5.1::DOUBLE))"
          + " AS t(driver_id, event_timestamp, sepal_width, petal_length)) TO '" + file + "' (FORMAT parquet)");
    }
    aws.s3().putObject(b -> b.bucket(bucket).key("history/part-0.parquet"), RequestBody.fromFile(file));
    Files.delete(file);
    String doc = """
        entities:
          - {name: driver, join_keys: [driver_id], value_type: INT64}
        sources:
          - {name: %1$s_stats, kind: parquet, path: "s3://%2$s/history/", timestamp_field: event_timestamp}
          - {name: %1$s_push, kind: push, batch_source: %1$s_stats}
        feature_views:
          - {name: %1$s, entities: [driver], ttl: 1d, source: %1$s_push,
             schema: [{name: sepal_width, dtype: FLOAT64}, {name: petal_length, dtype: FLOAT64}]}
        feature_services:
          - {name: %1$s_svc, features: ["%1$s:sepal_width", "%1$s:petal_length"]}
        """.formatted(view, bucket);
    given().contentType("application/yaml").body(doc.getBytes(StandardCharsets.UTF_8))
        .post("/api/v1/features/apply").then().statusCode(200);
    given().contentType(ContentType.JSON).body("""
        {"push_source_name": "%s_push", "df": {"driver_id": [7], "sepal_width": [2.0], "petal_length": [4.0],
         "event_timestamp": ["%s"]}, "to": "online"}""".formatted(view, Instant.now()))
        .post("/push").then().statusCode(200);
  }

  /** The iris MLP behind a pipeline reading {@code a}, {@code b}, {@code c} and {@code d} (imputed 0.2). */
  private static String register(String b, String c, String service) {
    String model = "pit-" + UUID.randomUUID().toString().substring(0, 8);
    String pipeline = "{\"input\":\"input\",\"features\":[{\"name\":\"a\"},{\"name\":\"" + b + "\"},{\"name\":\"" + c
        + "\"},{\"name\":\"d\",\"steps\":[{\"impute\":0.2}]}]}";
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\",\"pipeline\":" + pipeline
            + (service == null ? "" : ",\"feature_service\":\"" + service + "\"") + "}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    return model;
  }

  /** The plain model's answers when the values are sent by hand. */
  private static JsonNode byHand(String instances) throws Exception {
    String plain = register("b", "c", null);
    return JSON.readTree(given().contentType(ContentType.JSON).body("{\"instances\":" + instances + "}")
        .post("/api/v1/models/" + plain + "/predict?version=1").then().statusCode(200).extract().asString())
        .get("predictions");
  }

  private Map<Integer, JsonNode> results(JsonPath job, String ext) throws Exception {
    JsonNode manifest = JSON.readTree(BatchTestClient.read(aws.s3(), job.getString("manifest")));
    Map<Integer, JsonNode> scored = new HashMap<>();
    for (JsonNode file : manifest.get("results")) {
      if (ext.equals(".parquet")) {
        Path local = Files.createTempFile("results", ".parquet");
        String uri = file.asText().substring("s3://".length());
        Files.delete(local);
        aws.s3().getObject(b -> b.bucket(uri.substring(0, uri.indexOf('/'))).key(uri.substring(uri.indexOf('/') + 1)),
            local);
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement();
            var rs = s.executeQuery("SELECT id, to_json(list_value(probabilities_0, probabilities_1,"
                + " probabilities_2)) FROM '" + local + "'")) {
          while (rs.next()) {
            scored.put(rs.getInt(1), JSON.readTree("{\"probabilities\":" + rs.getString(2) + "}"));
          }
        }
        Files.delete(local);
        continue;
      }
      for (String line : BatchTestClient.read(aws.s3(), file.asText()).split("\n")) {
        if (!line.isBlank()) {
          JsonNode row = JSON.readTree(line);
          scored.put(row.get("id").asInt(), row);
        }
      }
    }
    return scored;
  }

  @Test
  void eachRowGetsTheValuesInForceAtItsOwnTimestamp() throws Exception {
    String model = register("sepal_width", view + "__petal_length", view + "_svc");
    String key = "features/" + UUID.randomUUID() + ".jsonl";
    BatchTestClient.put(aws.s3(), key, """
        {"id": 1, "driver_id": 7, "a": 5.1, "event_timestamp": "2026-12-01T11:00:00Z"}
        {"id": 2, "driver_id": 7, "a": 6.7, "event_timestamp": "2026-12-01T13:30:00Z"}
        {"id": 3, "driver_id": 7, "a": 5.1, "event_timestamp": "2026-12-01T09:59:59Z"}
        {"id": 4, "driver_id": 7, "a": 5.1, "event_timestamp": "2026-12-02T12:00:01Z"}
        {"id": 5, "driver_id": 7, "a": 5.1}
        {"id": 6, "driver_id": 7, "a": 6.7, "event_timestamp": "2026-12-01T12:00:00Z", "sepal_width": 3.9}
        """);
    String id = BatchTestClient.submit("{\"model\":\"" + model + "\",\"version\":\"1\",\"point_in_time\":true,"
        + "\"input\":\"s3://pier-batch/" + key + "\"}");
    given().get("/api/v1/batch-jobs/" + id).then().statusCode(200)
        .body("point_in_time", org.hamcrest.Matchers.equalTo(true))
        .body("event_timestamp_column", org.hamcrest.Matchers.equalTo("event_timestamp"));
    JsonPath job = BatchTestClient.awaitFinished(id);
    assertThat(job.getString("state")).isEqualTo("SUCCEEDED");

    // 11:00 → the 10:00 row; 13:30 → the 12:00 row; 12:00 exactly → the 12:00 row, with the sent value winning
    JsonNode expected = byHand("[{\"a\": 5.1, \"b\": 3.5, \"c\": 1.4}, {\"a\": 6.7, \"b\": 3.0, \"c\": 5.1},"
        + " {\"a\": 6.7, \"b\": 3.9, \"c\": 5.1}]");
    JsonNode online = byHand("[{\"a\": 5.1, \"b\": 2.0, \"c\": 4.0}]");
    Map<Integer, JsonNode> scored = results(job, ".jsonl");
    assertThat(scored).containsOnlyKeys(1, 2, 6);
    assertThat(floats(scored.get(1))).isEqualTo(floats(expected.get(0)))
        .isNotEqualTo(floats(online.get(0)));
    assertThat(floats(scored.get(2))).isEqualTo(floats(expected.get(1)));
    assertThat(floats(scored.get(6))).isEqualTo(floats(expected.get(2)));
    String errors = BatchTestClient.read(aws.s3(), job.getString("errors"));
    assertThat(errors.lines().filter(l -> l.contains("\"id\":3")).findFirst().orElseThrow())
        .contains("'sepal_width'").contains("NOT_FOUND").contains("as of its 'event_timestamp'")
        .contains("driver_id=7");
    assertThat(errors.lines().filter(l -> l.contains("\"id\":4")).findFirst().orElseThrow())
        .contains("OUTSIDE_MAX_AGE");
    assertThat(errors.lines().filter(l -> l.contains("\"id\":5")).findFirst().orElseThrow())
        .contains("has no 'event_timestamp'");
  }

  @Test
  void parquetRowsWithATimestampColumnOfAnotherNameAreJoinedAsOfIt() throws Exception {
    String model = register("sepal_width", view + "__petal_length", view + "_svc");
    Path file = Files.createTempFile("rows", ".parquet");
    Files.delete(file);
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      s.execute("COPY (SELECT * FROM (VALUES (1::BIGINT, 7::BIGINT, 5.1::DOUBLE, TIMESTAMP '2026-12-01 11:00:00'),"
          + " (2::BIGINT, 7::BIGINT, 6.7::DOUBLE, TIMESTAMP '2026-12-01 12:30:00.123456'))"
          + " AS t(id, driver_id, a, scored_at)) TO '" + file + "' (FORMAT parquet)");
    }
    String key = "features/" + UUID.randomUUID() + ".parquet";
    aws.s3().putObject(b -> b.bucket("pier-batch").key(key), RequestBody.fromFile(file));
    Files.delete(file);

    JsonPath job = BatchTestClient.awaitFinished(BatchTestClient.submit("{\"model\":\"" + model
        + "\",\"version\":\"1\",\"point_in_time\":true,\"event_timestamp_column\":\"scored_at\","
        + "\"input\":\"s3://pier-batch/" + key + "\"}"));

    assertThat(job.getString("state")).isEqualTo("SUCCEEDED");
    assertThat(job.getLong("records.failed")).isZero();
    JsonNode expected = byHand("[{\"a\": 5.1, \"b\": 3.5, \"c\": 1.4}, {\"a\": 6.7, \"b\": 3.0, \"c\": 5.1}]");
    Map<Integer, JsonNode> scored = results(job, ".parquet");
    assertThat(floats(scored.get(1))).isEqualTo(floats(expected.get(0)));
    assertThat(floats(scored.get(2))).isEqualTo(floats(expected.get(1)));
  }

  /** A schedule carries point_in_time like a one-off job: each run joins its rows as of their own timestamps. */
  @Test
  void aScheduledRunLooksFeaturesUpAsOfEachRowsTimestamp() throws Exception {
    String model = register("sepal_width", view + "__petal_length", view + "_svc");
    String key = "features/" + UUID.randomUUID() + ".jsonl";
    BatchTestClient.put(aws.s3(), key, """
        {"id": 1, "driver_id": 7, "a": 5.1, "scored_at": "2026-12-01T11:00:00Z"}
        {"id": 2, "driver_id": 7, "a": 6.7, "scored_at": "2026-12-01T13:30:00Z"}
        """);
    JsonPath schedule = given().contentType(ContentType.JSON).body("{\"model\":\"" + model + "\",\"version\":\"1\","
        + "\"point_in_time\":true,\"event_timestamp_column\":\"scored_at\",\"schedule\":\"rate(1 day)\","
        + "\"input\":\"s3://pier-batch/" + key + "\"}").post("/api/v1/batch-schedules").then().statusCode(201)
        .body("point_in_time", org.hamcrest.Matchers.equalTo(true))
        .body("event_timestamp_column", org.hamcrest.Matchers.equalTo("scored_at")).extract().jsonPath();
    String id = schedule.getString("id");
    given().get("/api/v1/batch-schedules/" + id).then().body("event_timestamp_column",
        org.hamcrest.Matchers.equalTo("scored_at"));

    var run = batchSchedules.fire(id, Instant.parse(schedule.getString("created_at")).plusSeconds(86_400));

    assertThat(run).isPresent();
    JsonPath job = BatchTestClient.awaitFinished(run.get().id());
    assertThat(job.getString("state")).isEqualTo("SUCCEEDED");
    assertThat(job.getBoolean("point_in_time")).isTrue();
    assertThat(job.getString("event_timestamp_column")).isEqualTo("scored_at");
    JsonNode expected = byHand("[{\"a\": 5.1, \"b\": 3.5, \"c\": 1.4}, {\"a\": 6.7, \"b\": 3.0, \"c\": 5.1}]");
    Map<Integer, JsonNode> scored = results(job, ".jsonl");
    assertThat(floats(scored.get(1))).isEqualTo(floats(expected.get(0)));
    assertThat(floats(scored.get(2))).isEqualTo(floats(expected.get(1)));
    given().delete("/api/v1/batch-schedules/" + id).then().statusCode(204);

    // as for a one-off job: a 400 for a version without a feature service, a non-boolean, a column without the flag
    String plain = register("b", "c", null);
    String base = "{\"schedule\":\"rate(1 day)\",\"input\":\"s3://pier-batch/" + key + "\",";
    given().contentType(ContentType.JSON).body(base + "\"model\":\"" + plain + "\",\"version\":\"1\","
        + "\"point_in_time\":true}").post("/api/v1/batch-schedules").then().statusCode(400)
        .body("detail", containsString("has no feature_service"));
    given().contentType(ContentType.JSON).body(base + "\"model\":\"" + model + "\",\"point_in_time\":\"yes\"}")
        .post("/api/v1/batch-schedules").then().statusCode(400)
        .body("detail", containsString("point_in_time must be true or false"));
    given().contentType(ContentType.JSON).body(base + "\"model\":\"" + model + "\",\"event_timestamp_column\":\"t\"}")
        .post("/api/v1/batch-schedules").then().statusCode(400)
        .body("detail", containsString("event_timestamp_column is only for"));
  }

  @Test
  void pointInTimeIsRefusedForAVersionWithoutAFeatureServiceAndWhenNotABoolean() {
    String plain = register("b", "c", null);
    String key = "features/" + UUID.randomUUID() + ".jsonl";
    BatchTestClient.put(aws.s3(), key, "{\"id\": 1, \"a\": 5.1}\n");
    given().contentType(ContentType.JSON).body("{\"model\":\"" + plain + "\",\"version\":\"1\",\"point_in_time\":true,"
        + "\"input\":\"s3://pier-batch/" + key + "\"}").post("/api/v1/batch-jobs").then().statusCode(400)
        .body("detail", containsString("no feature_service"));
    given().contentType(ContentType.JSON).body("{\"model\":\"" + plain + "\",\"point_in_time\":\"yes\","
        + "\"input\":\"s3://pier-batch/" + key + "\"}").post("/api/v1/batch-jobs").then().statusCode(400)
        .body("detail", containsString("point_in_time must be true or false"));
    given().contentType(ContentType.JSON).body("{\"model\":\"" + plain + "\",\"event_timestamp_column\":\"ts\","
        + "\"input\":\"s3://pier-batch/" + key + "\"}").post("/api/v1/batch-jobs").then().statusCode(400)
        .body("detail", containsString("event_timestamp_column is only for"));
  }

  /** As float32, the model's output type (the writers format its values differently). */
  private static List<Float> floats(JsonNode row) {
    List<Float> out = new ArrayList<>();
    row.get("probabilities").forEach(v -> out.add((float) v.asDouble()));
    return out;
  }
}
