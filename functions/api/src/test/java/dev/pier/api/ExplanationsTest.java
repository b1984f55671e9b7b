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

/** OIP parameters.explain: SHAP values add up to the prediction; LIME answers in the same shape. */
@QuarkusTest
class ExplanationsTest {
  private static final String BACKGROUND = "[[5.1,3.5,1.4,0.2],[4.9,3.0,1.4,0.2],[7.0,3.2,4.7,1.4],[6.4,3.2,4.5,1.5],"
      + "[6.3,3.3,6.0,2.5],[5.8,2.7,5.1,1.9],[5.7,2.8,4.1,1.3],[6.5,3.0,5.2,2.0]]";

  private static String fresh() {
    return "x-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static void register(String model, String file, String metadata) {
    given().multiPart("artifact", Fixtures.model(file).toFile()).multiPart("metadata", metadata)
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
  }

  private static JsonPath explain(String model, String method, int expectedStatus) {
    return given().contentType(ContentType.JSON)
        .body("{\"parameters\":{\"explain\":\"" + method + "\"},\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\","
            + "\"shape\":[2,4],\"data\":[6.3,2.9,5.6,1.8,5.0,3.4,1.5,0.2]}]}")
        .post("/v2/models/" + model + "/versions/1/infer").then().statusCode(expectedStatus).extract().jsonPath();
  }

  private static List<Float> data(JsonPath r, String output) {
    return r.getList("outputs.find { it.name == '" + output + "' }.data", Float.class);
  }

  /** For every row and column: sum of values + base = the explained output. */
  private static void assertEfficiency(JsonPath r, String method, String output, int rows, int columns, int features) {
    List<Float> values = data(r, method + "_values");
    List<Float> base = data(r, method + "_base");
    List<Float> prediction = data(r, output);
    assertThat(r.getList("outputs.find { it.name == '" + method + "_values' }.shape", Integer.class))
        .containsExactly(rows, columns, features);
    for (int row = 0; row < rows; row++) {
      for (int c = 0; c < columns; c++) {
        double sum = base.get(row * columns + c);
        for (int i = 0; i < features; i++) {
          sum += values.get((row * columns + c) * features + i);
        }
        assertThat(sum).as("row %d column %d", row, c).isCloseTo(prediction.get(row * columns + c), offset(1e-4));
      }
    }
  }

  @Test
  void kernelShapValuesOfAnOnnxModelAddUpToItsProbabilities() {
    String model = fresh();
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\",\"explain\":{\"background\":" + BACKGROUND + "}}");
    JsonPath r = explain(model, "shap", 200);
    assertEfficiency(r, "shap", "probabilities", 2, 3, 4);
    assertThat(data(r, "label")).hasSize(2);
    assertThat(r.getList("outputs.find { it.name == 'shap_output' }.data", String.class)).containsExactly("probabilities");
  }

  @Test
  void treeShapOfAnXGBoostModelAddsUpToItsMarginWithoutBackgroundData() {
    String model = fresh();
    register(model, "iris-xgboost.json", "{\"framework\":\"xgboost\"}");
    JsonPath r = explain(model, "shap", 200);
    assertEfficiency(r, "shap", "margin", 2, 3, 4);
  }

  @Test
  void limeGivesOneWeightPerFeatureAndColumn() {
    String model = fresh();
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\",\"explain\":{\"background\":" + BACKGROUND + "}}");
    JsonPath r = explain(model, "lime", 200);
    assertThat(r.getList("outputs.find { it.name == 'lime_values' }.shape", Integer.class)).containsExactly(2, 3, 4);
    assertThat(data(r, "lime_base")).hasSize(6);
  }

  @Test
  void modelAgnosticExplanationsWithoutBackgroundDataAreRefused() {
    given().contentType(ContentType.JSON)
        .body("{\"parameters\":{\"explain\":\"shap\"},\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\","
            + "\"shape\":[1,4],\"data\":[6.3,2.9,5.6,1.8]}]}")
        .post("/v2/models/demo/infer").then().statusCode(400)
        .body("error", containsString("need background data"));
  }

  @Test
  void anUnknownExplanationMethodIsRefused() {
    given().contentType(ContentType.JSON)
        .body("{\"parameters\":{\"explain\":\"gradcam\"},\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\","
            + "\"shape\":[1,4],\"data\":[6.3,2.9,5.6,1.8]}]}")
        .post("/v2/models/demo/infer").then().statusCode(400)
        .body("error", equalTo("'parameters.explain' must be \"shap\" or \"lime\", got \"gradcam\""));
  }
}
