package dev.pier.api;

import dev.pier.kernel.aws.AwsClients;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The FEATURES stage's online lookup (issue #14 item 9) through the ways in that send named features: a version
 * registered with a {@code feature_service} gets the service's features, looked up in the online store (DynamoDB
 * stand-in) by each instance's join key, merged in by feature name or full name ({@code view__feature}); a value the
 * instance sends wins; a feature the store lacks follows the pipeline's {@code impute}, else is a 400 naming the
 * instance, feature, status and entity key. Each answer equals the one the same model gives when every value is sent.
 */
@QuarkusTest
class OnlineFeaturesInPredictionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Inject AwsClients aws;
  private String view;

  /** A view of two features (one looked up by name, one by full name) of entity driver, served by one service. */
  @BeforeEach
  void applyAndPush() throws Exception {
    view = "fv_" + UUID.randomUUID().toString().substring(0, 8);
    String bucket = "feat-" + UUID.randomUUID().toString().substring(0, 8);
    var s3 = aws.s3();
    s3.createBucket(b -> b.bucket(bucket));
    Path file = Files.createTempFile("stats", ".parquet");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      s.execute("COPY (SELECT 7::BIGINT AS driver_id, TIMESTAMP '2026-12-01 10:00:00' AS event_timestamp,"
          + " 0.5::DOUBLE AS sepal_width, 0.5::DOUBLE AS petal_length) TO '" + file + "' (FORMAT parquet)");
    }
    s3.putObject(b -> b.bucket(bucket).key("stats/part-0.parquet"), RequestBody.fromFile(file));
    Files.delete(file);
    String doc = """
        entities:
          - {name: driver, join_keys: [driver_id], value_type: INT64}
        sources:
          - {name: %1$s_stats, kind: parquet, path: "s3://%2$s/stats/", timestamp_field: event_timestamp}
          - {name: %1$s_push, kind: push, batch_source: %1$s_stats}
        feature_views:
          - {name: %1$s, entities: [driver], ttl: 1d, source: %1$s_push,
             schema: [{name: sepal_width, dtype: FLOAT64}, {name: petal_length, dtype: FLOAT64}]}
        feature_services:
          - {name: %1$s_svc, features: ["%1$s:sepal_width", "%1$s:petal_length"]}
        """.formatted(view, bucket);
    given().contentType("application/yaml").body(doc.getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .post("/api/v1/features/apply").then().statusCode(200);
    given().contentType(ContentType.JSON).body("""
        {"push_source_name": "%s_push", "df": {"driver_id": [1001], "sepal_width": [3.5], "petal_length": [1.4],
         "event_timestamp": ["%s"]}, "to": "online"}""".formatted(view, Instant.now()))
        .post("/push").then().statusCode(200);
  }

  /** The iris MLP behind a pipeline of {@code a}, {@code b}, {@code c}, {@code d}, each read from the names given. */
  private static String register(String b, String c, String service) {
    String model = "feat-" + UUID.randomUUID().toString().substring(0, 8);
    String pipeline = "{\"input\":\"input\",\"features\":[{\"name\":\"a\"},{\"name\":\"" + b + "\"},{\"name\":\"" + c
        + "\"},{\"name\":\"d\",\"steps\":[{\"impute\":0.2}]}]}";
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\",\"pipeline\":" + pipeline
            + (service == null ? "" : ",\"feature_service\":\"" + service + "\"") + "}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    return model;
  }

  private static JsonNode predict(String model, String instances) throws Exception {
    return JSON.readTree(given().contentType(ContentType.JSON).body("{\"instances\":" + instances + "}")
        .post("/api/v1/models/" + model + "/predict?version=1").then().statusCode(200).extract().asString())
        .get("predictions");
  }

  @Test
  void lookedUpFeaturesJoinEachInstanceAndAValueSentWins() throws Exception {
    String withStore = register("sepal_width", view + "__petal_length", view + "_svc");
    String plain = register("b", "c", null);

    JsonNode looked = predict(withStore, "[{\"driver_id\": 1001, \"a\": 5.1, \"d\": 0.2},"
        + " {\"driver_id\": 1001, \"a\": 6.7, \"sepal_width\": 3.0}]");
    JsonNode sent = predict(plain, "[{\"a\": 5.1, \"b\": 3.5, \"c\": 1.4, \"d\": 0.2},"
        + " {\"a\": 6.7, \"b\": 3.0, \"c\": 1.4, \"d\": 0.2}]");
    assertThat(looked).isEqualTo(sent);
    assertThat(looked.get(0)).isNotEqualTo(looked.get(1));
  }

  @Test
  void aFeatureTheStoreLacksIsA400NamingItUnlessTheInstanceSendsIt() throws Exception {
    String model = register("sepal_width", view + "__petal_length", view + "_svc");
    given().contentType(ContentType.JSON).body("{\"instances\": [{\"driver_id\": 1001, \"a\": 5.1},"
            + " {\"driver_id\": 9999, \"a\": 5.1}]}")
        .post("/api/v1/models/" + model + "/predict?version=1").then().statusCode(400)
        .body("detail", allOf(containsString("instances[1]"), containsString("'sepal_width'"),
            containsString("NOT_FOUND"), containsString("driver_id=9999")));
    JsonNode sent = predict(model, "[{\"driver_id\": 9999, \"a\": 5.1, \"sepal_width\": 3.5, \""
        + view + "__petal_length\": 1.4}]");
    JsonNode looked = predict(model, "[{\"driver_id\": 1001, \"a\": 5.1}]");
    assertThat(sent).isEqualTo(looked);

    given().contentType(ContentType.JSON).body("{\"instances\": [{\"a\": 5.1}]}")
        .post("/api/v1/models/" + model + "/predict?version=1").then().statusCode(400)
        .body("detail", containsString("driver_id"));
  }

  @Test
  void batchRowsGetTheirFeaturesLookedUpAsPredictDoes() throws Exception {
    String model = register("sepal_width", view + "__petal_length", view + "_svc");
    String key = "features/" + UUID.randomUUID() + ".jsonl";
    BatchTestClient.put(aws.s3(), key, "{\"id\": 1, \"driver_id\": 1001, \"a\": 5.1}\n"
        + "{\"id\": 2, \"driver_id\": 9999, \"a\": 5.1}\n{\"id\": 3, \"driver_id\": 1001, \"a\": 6.7}\n");
    var job = BatchTestClient.awaitFinished(BatchTestClient.submit("{\"model\":\"" + model
        + "\",\"version\":\"1\",\"input\":\"s3://pier-batch/" + key + "\"}"));
    assertThat(job.getString("state")).isEqualTo("SUCCEEDED");

    JsonNode expected = predict(model, "[{\"driver_id\": 1001, \"a\": 5.1}, {\"driver_id\": 1001, \"a\": 6.7}]");
    JsonNode manifest = JSON.readTree(BatchTestClient.read(aws.s3(), job.getString("manifest")));
    java.util.Map<Integer, JsonNode> scored = new java.util.HashMap<>();
    for (JsonNode file : manifest.get("results")) {
      for (String line : BatchTestClient.read(aws.s3(), file.asText()).split("\n")) {
        if (!line.isBlank()) {
          JsonNode row = JSON.readTree(line);
          scored.put(row.get("id").asInt(), row);
        }
      }
    }
    assertThat(scored).containsOnlyKeys(1, 3);
    assertThat(floats(scored.get(1).get("probabilities"))).isEqualTo(floats(expected.get(0).get("probabilities")));
    assertThat(floats(scored.get(3).get("probabilities"))).isEqualTo(floats(expected.get(1).get("probabilities")));
    assertThat(BatchTestClient.read(aws.s3(), job.getString("errors")))
        .contains("\"id\":2").contains("'sepal_width'").contains("NOT_FOUND").contains("driver_id=9999");
  }

  /** As float32, the model's output type (the writers format its values differently). */
  private static java.util.List<Float> floats(JsonNode values) {
    java.util.List<Float> out = new java.util.ArrayList<>();
    values.forEach(v -> out.add((float) v.asDouble()));
    return out;
  }

  @Test
  void tensorsPassTheLookupUntouched() {
    String model = register("sepal_width", view + "__petal_length", view + "_svc");
    given().contentType(ContentType.JSON).body("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],"
        + "\"data\":[5.1,3.5,1.4,0.2]}]}").post("/v2/models/" + model + "/versions/1/infer").then().statusCode(200);
  }
}
