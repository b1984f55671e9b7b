package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every framework's fixture registered through the control plane and served through OIP, with outputs equal to the
 * reference computed without the engine that serves it.
 */
@QuarkusTest
class EnginesApiTest {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private static String fresh() {
    return "e-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static void register(String model, String file, String metadata) {
    given().multiPart("artifact", Fixtures.model(file).toFile()).multiPart("metadata", metadata)
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201).body("version", equalTo(1));
  }

  private static JsonPath infer(String model, JsonNode reference) {
    return given().contentType(ContentType.JSON).body(Fixtures.irisRequest(reference))
        .post("/v2/models/" + model + "/versions/1/infer")
        .then().statusCode(200).body("model_version", equalTo("1")).extract().jsonPath();
  }

  private static void assertOutput(JsonPath response, String output, JsonNode expected) {
    List<Float> data = response.getList("outputs.find { it.name == '" + output + "' }.data", Float.class);
    int k = 0;
    for (JsonNode row : expected) {
      for (JsonNode v : row) {
        assertThat((double) data.get(k++)).as("%s[%d]", output, k).isCloseTo(v.asDouble(), offset(1e-5));
      }
    }
    assertThat(data).hasSize(k);
  }

  private static void assertLabels(JsonPath response, JsonNode expected) {
    List<Long> labels = response.getList("outputs.find { it.name == 'label' }.data", Long.class);
    assertThat(labels).containsExactly(
        expected.get(0).asLong(), expected.get(1).asLong(), expected.get(2).asLong(), expected.get(3).asLong());
  }

  @Test
  void servesAnXGBoostBoosterWithTheReferenceProbabilitiesAndMargins() {
    String model = fresh();
    register(model, "iris-xgboost.json", "{\"framework\":\"xgboost\"}");
    given().get("/v2/models/" + model + "/versions/1").then().statusCode(200)
        .body("inputs[0].shape", equalTo(List.of(-1, 4)));
    JsonNode reference = Fixtures.reference("iris-xgboost");
    JsonPath response = infer(model, reference);
    assertOutput(response, "probabilities", reference.get("probabilities"));
    assertOutput(response, "margin", reference.get("margin"));
  }

  @Test
  void servesAScikitLearnForestConvertedToAnOnnxTreeEnsemble() {
    String model = fresh();
    register(model, "iris-forest.onnx", "{\"framework\":\"onnx\"}");
    JsonNode reference = Fixtures.reference("iris-forest");
    JsonPath response = infer(model, reference);
    assertOutput(response, "probabilities", reference.get("probabilities"));
    assertLabels(response, reference.get("label"));
  }

  @Test
  void servesATorchScriptModelWithItsDeclaredSignature() {
    String model = fresh();
    JsonNode reference = Fixtures.reference("iris-torch");
    register(model, "iris-torch.pt",
        "{\"framework\":\"pytorch\",\"signature\":" + reference.get("signature") + "}");
    JsonPath response = infer(model, reference);
    assertOutput(response, "probabilities", reference.get("probabilities"));
    assertLabels(response, reference.get("label"));
  }

  /**
   * Issue 22: a TorchScript module far larger than the fixture (its weight storage padded by
   * {@code dev.pier.engine.torch.PaddedTorchScript}; several GB in {@code ./pier bench large}, 12 MiB here) registered
   * through the big-artifact upload API, checked by the engine at registration and served with the fixture's answers.
   */
  @Test
  void servesALargeTorchScriptModelRegisteredThroughTheBigArtifactUpload() throws Exception {
    String model = fresh();
    JsonNode reference = Fixtures.reference("iris-torch");
    java.nio.file.Path padded = java.nio.file.Files.createTempFile("padded", ".pt");
    try {
      // by name: this class is compiled by the Lambda build too, which has no TorchScript engine (it runs only there)
      Class.forName("dev.pier.engine.torch.PaddedTorchScript")
          .getMethod("write", java.nio.file.Path.class, java.nio.file.Path.class, long.class)
          .invoke(null, Fixtures.model("iris-torch.pt"), padded, 12L << 20);
      byte[] bytes = java.nio.file.Files.readAllBytes(padded);
      JsonPath started = given().contentType(ContentType.JSON).body("{\"size_bytes\":" + bytes.length + "}")
          .post("/api/v1/models/" + model + "/uploads").then().statusCode(201).extract().jsonPath();
      int partSize = started.getInt("part_size");
      StringBuilder parts = new StringBuilder();
      for (int i = 0; i < started.getList("parts").size(); i++) {
        int from = i * partSize;
        byte[] part = java.util.Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + partSize));
        var put = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create(started.getString("parts[" + i + "].url")))
            .PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(part)).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(200);
        parts.append(i == 0 ? "" : ",").append("{\"part_number\":").append(i + 1).append(",\"etag\":")
            .append(JSON.writeValueAsString(put.headers().firstValue("ETag").orElseThrow())).append('}');
      }
      given().contentType(ContentType.JSON).body("{\"parts\":[" + parts + "],\"metadata\":{\"framework\":"
          + "\"pytorch\",\"signature\":" + reference.get("signature") + "}}")
          .post("/api/v1/models/" + model + "/uploads/" + started.getString("upload_id") + "/complete")
          .then().statusCode(201).body("version", equalTo(1)).body("size_bytes", equalTo(bytes.length));
      JsonPath response = infer(model, reference);
      assertOutput(response, "probabilities", reference.get("probabilities"));
      assertLabels(response, reference.get("label"));
    } finally {
      java.nio.file.Files.deleteIfExists(padded);
    }
  }

  @Test
  void refusesATorchScriptModelRegisteredWithoutASignature() {
    String model = fresh();
    given().multiPart("artifact", Fixtures.model("iris-torch.pt").toFile())
        .multiPart("metadata", "{\"framework\":\"pytorch\"}")
        .post("/api/v1/models/" + model + "/versions")
        .then().statusCode(400).body("detail", containsString("metadata.signature is required"));
    given().get("/api/v1/models/" + model).then().statusCode(404);
  }

  @Test
  void servesATensorFlowSavedModelUploadedAsATarGz() {
    String model = fresh();
    register(model, "iris-tf.tar.gz", "{\"framework\":\"tensorflow\"}");
    JsonNode reference = Fixtures.reference("iris-tf");
    JsonPath response = infer(model, reference);
    assertOutput(response, "probabilities", reference.get("probabilities"));
    assertLabels(response, reference.get("label"));
  }

  @Test
  void refusesATensorFlowArtifactThatIsNotAnArchive() {
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"tensorflow\"}")
        .post("/api/v1/models/" + fresh() + "/versions")
        .then().statusCode(400).body("detail", containsString(".tar.gz or .zip of the SavedModel directory"));
  }
}
