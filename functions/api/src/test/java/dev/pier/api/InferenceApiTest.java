package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Open Inference Protocol REST API against the demo model that local mode seeds. */
@QuarkusTest
class InferenceApiTest {

  @Test
  void healthEndpointsAnswer200() {
    given().get("/v2/health/live").then().statusCode(200);
    given().get("/v2/health/ready").then().statusCode(200);
  }

  @Test
  void serverMetadataNamesPier() {
    given().get("/v2").then().statusCode(200).body("name", equalTo("pier")).body("version", equalTo("0.1.0"));
  }

  @Test
  void demoModelMetadataComesFromTheOnnxGraph() {
    given().get("/v2/models/demo").then().statusCode(200)
        .body("name", equalTo("demo"))
        .body("platform", equalTo("onnxruntime_onnx"))
        .body("inputs[0].name", equalTo("input"))
        .body("inputs[0].datatype", equalTo("FP32"))
        .body("inputs[0].shape", equalTo(List.of(-1, 4)))
        .body("outputs.name", hasItems("probabilities", "label"));
  }

  @Test
  void demoModelIsReadyUnderItsAliasAndItsNumber() {
    given().get("/v2/models/demo/ready").then().statusCode(200);
    given().get("/v2/models/demo/versions/production/ready").then().statusCode(200);
    given().get("/v2/models/demo/versions/1/ready").then().statusCode(200);
  }

  @Test
  void demoModelPredictsTheReferenceOutputs() {
    JsonNode ref = Fixtures.reference("iris-mlp");
    JsonPath body = given().contentType(ContentType.JSON).body(Fixtures.irisRequest(ref))
        .post("/v2/models/demo/infer")
        .then().statusCode(200)
        .body("model_name", equalTo("demo"))
        .body("model_version", equalTo("1"))
        .body("id", equalTo("ref"))
        .extract().jsonPath();
    List<Float> probabilities = body.getList("outputs.find { it.name == 'probabilities' }.data", Float.class);
    assertThat(body.getList("outputs.find { it.name == 'probabilities' }.shape", Integer.class))
        .containsExactly(4, 3);
    double tolerance = ref.get("tolerance").asDouble();
    int i = 0;
    for (JsonNode row : ref.get("probabilities")) {
      for (JsonNode p : row) {
        assertThat((double) probabilities.get(i++)).isCloseTo(p.asDouble(), org.assertj.core.data.Offset.offset(tolerance));
      }
    }
    List<Integer> labels = body.getList("outputs.find { it.name == 'label' }.data", Integer.class);
    assertThat(labels).containsExactly(0, 2, 1, 2);
  }

  @Test
  void nestedDataIsAcceptedLikeFlatData() {
    given().contentType(ContentType.JSON)
        .body("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[[5.1,3.5,1.4,0.2]]}]}")
        .post("/v2/models/demo/versions/1/infer")
        .then().statusCode(200).body("outputs.find { it.name == 'label' }.data", equalTo(List.of(0)));
  }

  @Test
  void requestedOutputsLimitTheResponse() {
    given().contentType(ContentType.JSON)
        .body("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}],"
            + "\"outputs\":[{\"name\":\"label\"}]}")
        .post("/v2/models/demo/infer")
        .then().statusCode(200).body("outputs.size()", equalTo(1)).body("outputs[0].name", equalTo("label"))
        .body("outputs[0].datatype", equalTo("INT64"));
  }

  @Test
  void everyResponseCarriesARequestIdEchoingTheCallersWhenSane() {
    given().header("X-Request-Id", "req-42").get("/v2/health/ready").then().header("X-Request-Id", equalTo("req-42"));
    String generated = given().header("X-Request-Id", "bad id with spaces").get("/v2")
        .then().extract().header("X-Request-Id");
    assertThat(generated).matches("[0-9a-f-]{36}");
  }

  @Test
  void predictionsAppearInThePrometheusMetricsByModelVersionAndStatus() {
    given().contentType(ContentType.JSON)
        .body("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}")
        .post("/v2/models/demo/infer").then().statusCode(200);
    given().contentType(ContentType.JSON).body("{\"inputs\":[]}").post("/v2/models/demo/infer").then().statusCode(400);
    String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
    assertThat(metrics).contains("pier_predictions_seconds_count{model=\"demo\",status=\"200\",version=\"1\",way_in=\"rest\"}")
        .contains("status=\"400\"");
  }

  @Test
  void theBinaryExtensionCarriesTensorsAsRawBytesBothWays() {
    String header = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],"
        + "\"parameters\":{\"binary_data_size\":16}}],"
        + "\"outputs\":[{\"name\":\"label\",\"parameters\":{\"binary_data\":true}},{\"name\":\"probabilities\"}]}";
    byte[] json = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    java.nio.ByteBuffer body = java.nio.ByteBuffer.allocate(json.length + 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    body.put(json).putFloat(5.1f).putFloat(3.5f).putFloat(1.4f).putFloat(0.2f);
    var r = given().contentType("application/octet-stream").header("Inference-Header-Content-Length", json.length)
        .body(body.array()).post("/v2/models/demo/infer").then().statusCode(200).extract();
    int length = Integer.parseInt(r.header("Inference-Header-Content-Length"));
    byte[] bytes = r.asByteArray();
    var parsed = io.restassured.path.json.JsonPath.from(new String(bytes, 0, length, java.nio.charset.StandardCharsets.UTF_8));
    assertThat(parsed.getInt("outputs[0].parameters.binary_data_size")).isEqualTo(8);
    assertThat(parsed.getList("outputs[1].data", Float.class)).hasSize(3);
    long label = java.nio.ByteBuffer.wrap(bytes, length, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(label).isZero();
  }

  @Test
  void binaryDataThatDoesNotFitIsA400() {
    String header = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],"
        + "\"parameters\":{\"binary_data_size\":16}}]}";
    byte[] json = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] body = java.util.Arrays.copyOf(json, json.length + 8);
    given().contentType("application/octet-stream").header("Inference-Header-Content-Length", json.length)
        .body(body).post("/v2/models/demo/infer").then().statusCode(400)
        .body("error", org.hamcrest.Matchers.containsString("binary_data_size 16 does not fit the 8 bytes"));
  }

  private static double probeCount() {
    return given().get("/q/metrics").then().statusCode(200).extract().asString().lines()
        .filter(l -> l.startsWith("pier_suspected_probes_total{model=\"demo\"}"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
  }

  private static void inferIris(String first) {
    given().contentType(ContentType.JSON)
        .body("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[" + first
            + ",2.2,3.3,1.1]}]}")
        .post("/v2/models/demo/infer").then().statusCode(200);
  }

  @Test
  void nearDuplicateProbesOfAModelAreCountedForAlarms() {
    double before = probeCount();
    inferIris("7.70");
    inferIris("7.70"); // an exact repeat is no probe
    for (int i = 1; i <= 4; i++) {
      inferIris("7.7" + i); // the same point nudged in the second decimal: four probes
    }
    inferIris("2.5"); // somewhere else entirely: none
    assertThat(probeCount() - before).isEqualTo(4.0);
  }
}
