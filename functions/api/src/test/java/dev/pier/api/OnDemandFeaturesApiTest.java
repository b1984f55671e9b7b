package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.http.ContentType;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Issue #14: an on-demand feature view over HTTP — computed in {@code /get-online-features} from a looked-up feature
 * and a request field sent next to the join key, and in the prediction pipeline's lookup from each instance's fields:
 * the model answers exactly as when the computed value is sent by hand. A missing request field is a 400 naming it.
 */
@QuarkusTest
class OnDemandFeaturesApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @jakarta.inject.Inject dev.pier.kernel.aws.AwsClients aws;

  private static String register(String b, String c, String service) {
    String model = "odfv-" + UUID.randomUUID().toString().substring(0, 8);
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
  void onDemandFeaturesAreComputedOnlineAndInPredictions() throws Exception {
    String view = "odv_" + UUID.randomUUID().toString().substring(0, 8);
    String bucket = "odv-" + UUID.randomUUID().toString().substring(0, 8);
    aws.s3().createBucket(b -> b.bucket(bucket)); // the push source's batch source: a prefix of its own bucket
    String doc = """
        entities:
          - {name: driver, join_keys: [driver_id], value_type: INT64}
        sources:
          - {name: %1$s_stats, kind: parquet, path: "s3://%2$s/stats/", timestamp_field: event_timestamp}
          - {name: %1$s_push, kind: push, batch_source: %1$s_stats}
        feature_views:
          - {name: %1$s, entities: [driver], ttl: 1d, source: %1$s_push,
             schema: [{name: sepal_width, dtype: FLOAT64}, {name: petal_length, dtype: FLOAT64}]}
        on_demand_feature_views:
          - name: %1$s_adj
            sources: [%1$s, {request: [{name: x, dtype: FLOAT64}]}]
            schema: [{name: wide, dtype: FLOAT64}]
            expressions: {wide: "sepal_width * x"}
        feature_services:
          - {name: %1$s_svc, features: ["%1$s:petal_length", "%1$s_adj:wide"]}
        """.formatted(view, bucket);
    given().contentType("application/yaml").body(doc.getBytes(StandardCharsets.UTF_8))
        .post("/api/v1/features/apply").then().statusCode(200);
    given().contentType(ContentType.JSON).body("""
        {"push_source_name": "%s_push", "df": {"driver_id": [7], "sepal_width": [2.0], "petal_length": [4.0],
         "event_timestamp": ["%s"]}, "to": "online"}""".formatted(view, Instant.now()))
        .post("/push").then().statusCode(200);

    JsonNode online = JSON.readTree(given().contentType(ContentType.JSON).body("{\"features\": [\"" + view
        + "_adj:wide\"], \"entities\": {\"driver_id\": [7, 8], \"x\": [1.5, 1.5]}}").post("/get-online-features")
        .then().statusCode(200).extract().asString());
    assertThat(online.at("/metadata/feature_names").toString()).isEqualTo("[\"driver_id\",\"x\",\"wide\"]");
    assertThat(online.at("/results/2/values/0").asDouble()).isEqualTo(3.0);
    assertThat(online.at("/results/2/statuses").toString()).isEqualTo("[\"PRESENT\",\"NOT_FOUND\"]");

    String model = register("wide", "petal_length", view + "_svc");
    JsonNode scored = predict(model, "[{\"driver_id\": 7, \"a\": 5.1, \"x\": 1.5}]");
    JsonNode byHand = predict(register("b", "c", null), "[{\"a\": 5.1, \"b\": 3.0, \"c\": 4.0}]");
    assertThat(scored.toString()).isEqualTo(byHand.toString());

    given().contentType(ContentType.JSON).body("{\"instances\": [{\"driver_id\": 7, \"a\": 5.1}]}")
        .post("/api/v1/models/" + model + "/predict?version=1").then().statusCode(400)
        .body("detail", containsString("has no 'x', a request field of on-demand feature view '" + view + "_adj'"));
    // a bad expression is refused at apply, naming it
    given().contentType("application/yaml").body(doc.replace("sepal_width * x", "sepal_width.getClass()")
        .getBytes(StandardCharsets.UTF_8)).post("/api/v1/features/apply").then().statusCode(400)
        .body("detail", containsString("expressions.wide"));
  }
}
