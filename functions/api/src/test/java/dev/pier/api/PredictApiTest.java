package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Named features through a version's feature pipeline to the model, via POST /api/v1/models/{m}/predict. */
@QuarkusTest
class PredictApiTest {
  /** Centimetres in, the iris model's four inputs out: one feature imputed, one derived by an expression. */
  static final String PIPELINE = """
      {"input": "input", "features": [
        {"name": "sepal_length", "steps": [{"impute": 5.8}, {"clip": [4, 8]}]},
        {"name": "sepal_width", "steps": [{"impute": 3.0}]},
        {"name": "petal_length_mm", "expression": "petal_length_mm / 10"},
        {"name": "petal_width"}
      ]}""";

  private static String fresh() {
    return "p-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static String register(String pipeline) {
    String model = fresh();
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\",\"pipeline\":" + pipeline + "}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    return model;
  }

  @Test
  void namedFeaturesGoThroughThePipelineToTheModel() {
    String model = register(PIPELINE);
    JsonPath r = given().contentType(ContentType.JSON).body("""
        {"instances": [
          {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length_mm": 14, "petal_width": 0.2},
          {"sepal_length": null, "petal_length_mm": 56, "petal_width": 1.8, "ignored": "x"}
        ]}""").post("/api/v1/models/" + model + "/predict?version=1").then().statusCode(200)
        .body("model_version", equalTo("1")).extract().jsonPath();
    assertThat(r.getInt("predictions[0].label")).isZero();
    assertThat(r.getList("predictions[0].probabilities", Float.class)).hasSize(3);
    assertThat(r.getInt("predictions[1].label")).isEqualTo(2);
    assertThat(r.getMap("predictions[0]")).as("explanations are off by default").doesNotContainKeys("shap_values",
        "shap_base", "shap_output");
  }

  /**
   * {@code parameters.explain} on /predict runs the same explain stage as OIP: the SHAP values per model input column
   * equal those of the OIP request on the pipeline's output, and with the base they add up to the probabilities.
   */
  @Test
  void shapValuesOfNamedFeaturesEqualThoseOfTheEquivalentOipRequest() {
    String model = fresh();
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\",\"pipeline\":" + PIPELINE + ",\"explain\":{\"background\":"
            + "[[5.1,3.5,1.4,0.2],[4.9,3.0,1.4,0.2],[7.0,3.2,4.7,1.4],[6.4,3.2,4.5,1.5],[6.3,3.3,6.0,2.5],"
            + "[5.8,2.7,5.1,1.9]]}}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    JsonPath named = given().contentType(ContentType.JSON).body("""
        {"parameters": {"explain": "shap"}, "instances": [
          {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length_mm": 14, "petal_width": 0.2},
          {"sepal_length": null, "petal_length_mm": 56, "petal_width": 1.8}
        ]}""").post("/api/v1/models/" + model + "/predict?version=1").then().statusCode(200).extract().jsonPath();
    // the pipeline's output for those instances: 14 mm → 1.4 cm, the missing lengths imputed (5.8, 3.0)
    JsonPath oip = given().contentType(ContentType.JSON)
        .body("{\"parameters\":{\"explain\":\"shap\"},\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\","
            + "\"shape\":[2,4],\"data\":[5.1,3.5,1.4,0.2,5.8,3.0,5.6,1.8]}]}")
        .post("/v2/models/" + model + "/versions/1/infer").then().statusCode(200).extract().jsonPath();
    List<Float> values = oip.getList("outputs.find { it.name == 'shap_values' }.data", Float.class);
    List<Float> base = oip.getList("outputs.find { it.name == 'shap_base' }.data", Float.class);
    assertThat(oip.getList("outputs.find { it.name == 'shap_values' }.shape", Integer.class)).containsExactly(2, 3, 4);
    for (int row = 0; row < 2; row++) {
      String p = "predictions[" + row + "].";
      assertThat(named.getString(p + "shap_output")).isEqualTo("probabilities");
      List<Float> probabilities = named.getList(p + "probabilities", Float.class);
      for (int c = 0; c < 3; c++) {
        List<Float> shap = named.getList(p + "shap_values[" + c + "]", Float.class);
        assertThat(shap).as("row %d column %d", row, c).hasSize(4)
            .isEqualTo(values.subList((row * 3 + c) * 4, (row * 3 + c + 1) * 4));
        float b = named.getList(p + "shap_base", Float.class).get(c);
        assertThat(b).isEqualTo(base.get(row * 3 + c));
        assertThat(b + shap.stream().mapToDouble(Float::doubleValue).sum())
            .isCloseTo(probabilities.get(c), offset(1e-4));
      }
    }
    given().contentType(ContentType.JSON).body("{\"parameters\": {\"explain\": \"anchors\"}, \"instances\": [{}]}")
        .post("/api/v1/models/" + model + "/predict?version=1").then().statusCode(400)
        .body("detail", containsString("'parameters.explain' must be \"shap\" or \"lime\", got \"anchors\""));
  }

  @Test
  void aMissingFeatureWithoutImputeIsNamed() {
    String model = register(PIPELINE);
    given().contentType(ContentType.JSON).body("{\"instances\": [{\"sepal_length\": 5.1, \"petal_length_mm\": 14}]}")
        .post("/api/v1/models/" + model + "/predict?version=1").then().statusCode(400)
        .body("detail", containsString("instances[0]: feature 'petal_width' is missing and has no impute step"));
  }

  @Test
  void unknownCategoriesFollowThePolicyAndOneHotWidensTheInput() {
    String model = register("""
        {"input": "input", "features": [
          {"name": "size", "onehot": {"categories": ["small", "large"], "unknown": "error"}},
          {"name": "a"}, {"name": "b"}
        ]}""");
    given().contentType(ContentType.JSON).body("{\"instances\": [{\"size\": \"huge\", \"a\": 1, \"b\": 2}]}")
        .post("/api/v1/models/" + model + "/predict?version=1").then().statusCode(400)
        .body("detail", containsString("feature 'size': unknown category 'huge'; known: [small, large]"));
    given().contentType(ContentType.JSON).body("{\"instances\": [{\"size\": \"large\", \"a\": 1, \"b\": 2}]}")
        .post("/api/v1/models/" + model + "/predict?version=1").then().statusCode(200);
  }

  @Test
  void aBadPipelineIsRefusedAtRegistrationAndAVersionWithoutOneSaysSo() {
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\",\"pipeline\":{\"input\":\"input\",\"features\":"
            + "[{\"name\":\"x\",\"steps\":[{\"square\":true}]}]}}")
        .post("/api/v1/models/" + fresh() + "/versions").then().statusCode(400)
        .body("detail", containsString("metadata.pipeline.features[0].steps[0]: unknown step 'square'"));
    given().contentType(ContentType.JSON).body("{\"instances\": [{\"a\": 1}]}")
        .post("/api/v1/models/demo/predict").then().statusCode(400)
        .body("detail", containsString("has no feature pipeline"));
  }
}
