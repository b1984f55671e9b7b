package dev.pier.api;

import dev.pier.kernel.aws.AwsClients;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A version with a feature pipeline scores named features in batch with the same code as the predict API. */
@QuarkusTest
class BatchPipelineApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The predict API's test pipeline: the same named features must give the same answers in batch. */
  private static final String PIPELINE = PredictApiTest.PIPELINE;
  private static final String INSTANCE =
      "{\"sepal_length\": null, \"petal_length_mm\": 31, \"petal_width\": 0.9, \"note\": \"x\"}";

  @Inject AwsClients aws;

  private static String register() {
    String model = "bp-" + UUID.randomUUID().toString().substring(0, 8);
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\",\"pipeline\":" + PIPELINE + "}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    given().contentType(ContentType.JSON).body("{\"version\": 1}")
        .put("/api/v1/models/" + model + "/aliases/production").then().statusCode(200);
    return model;
  }

  private String read(String uri) {
    return BatchTestClient.read(aws.s3(), uri);
  }

  private JsonPath run(String model, String key, String body) throws InterruptedException {
    BatchTestClient.put(aws.s3(), key, body);
    return BatchTestClient.awaitFinished(BatchTestClient.submit(
        "{\"model\": \"" + model + "\", \"input\": \"s3://pier-batch/" + key + "\"}"));
  }

  private static List<Float> floats(JsonNode array) {
    List<Float> out = new ArrayList<>();
    array.forEach(v -> out.add(Float.parseFloat(v.asText())));
    return out;
  }

  @Test
  void aRowScoredInBatchGetsExactlyWhatThePredictApiAnswersForTheSameInstance() throws Exception {
    String model = register();
    JsonNode predicted = JSON.readTree(given().contentType(ContentType.JSON)
        .body("{\"instances\": [" + INSTANCE + "]}").post("/api/v1/models/" + model + "/predict")
        .then().statusCode(200).extract().asString()).get("predictions").get(0);

    JsonPath job = run(model, "in/named.jsonl", "{\"id\": \"a\", " + INSTANCE.substring(1) + "\n"
        + "{\"id\": \"b\", \"sepal_length\": 5.0, \"petal_length_mm\": 14}\n"
        + "{\"id\": \"c\", \"petal_length_mm\": 14, \"petal_width\": \"wide\"}\n");

    assertThat(job.getString("state")).isEqualTo("SUCCEEDED");
    JsonNode scored = JSON.readTree(read(job.getString("output") + "results/part-00000.jsonl").lines().findFirst()
        .orElseThrow());
    assertThat(scored.get("id").asText()).isEqualTo("a");
    assertThat(floats(scored.get("probabilities"))).isEqualTo(floats(predicted.get("probabilities")));
    assertThat(scored.get("label").asLong()).isEqualTo(predicted.get("label").asLong());
    assertThat(read(job.getString("errors")).lines()).containsExactly(
        "{\"id\":\"b\",\"error\":\"feature 'petal_width' is missing and has no impute step\"}",
        "{\"id\":\"c\",\"error\":\"feature 'petal_width' must be a number, got \\\"wide\\\"\"}");
  }

  @Test
  void csvColumnsAreNamedFeaturesAndEmptyCellsAreMissing() throws Exception {
    String model = register();
    JsonNode predicted = JSON.readTree(given().contentType(ContentType.JSON)
        .body("{\"instances\": [" + INSTANCE + "]}").post("/api/v1/models/" + model + "/predict")
        .then().statusCode(200).extract().asString()).get("predictions").get(0);

    JsonPath job = run(model, "in/named.csv", "id,petal_width,sepal_length,petal_length_mm\n7,0.9,,31\n8,,5.0,14\n");

    assertThat(job.getString("state")).isEqualTo("SUCCEEDED");
    assertThat(job.getLong("records.succeeded")).isEqualTo(1);
    List<String> lines = read(job.getString("output") + "results/part-00000.csv").lines().toList();
    assertThat(lines).hasSize(2);
    String[] cells = lines.get(1).split(",");
    assertThat(cells[0]).isEqualTo("7");
    assertThat(List.of(Float.parseFloat(cells[1]), Float.parseFloat(cells[2]), Float.parseFloat(cells[3])))
        .isEqualTo(floats(predicted.get("probabilities")));
    assertThat(read(job.getString("errors"))).isEqualTo(
        "{\"id\":8,\"error\":\"feature 'petal_width' is missing and has no impute step\"}\n");
  }
}
