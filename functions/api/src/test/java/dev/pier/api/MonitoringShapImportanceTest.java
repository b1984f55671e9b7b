package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.pier.monitoring.capture.CaptureBuffer;
import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.security.privacy.PiiFields;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A run's feature importance when the version logs no {@code importance.<column>} metrics: the mean |SHAP| per column
 * over the window's captured rows, from the explain path. Checked against the engine's own SHAP answer for the same
 * rows ({@code parameters.explain: "shap"} on {@code /v2/…/infer}, XGBoost's exact TreeSHAP), averaged here.
 */
@QuarkusTest
class MonitoringShapImportanceTest {
  @Inject CaptureBuffer captureBuffer;

  @Test
  void importanceIsTheMeanAbsoluteShapOfTheCapturedRowsAsTheExplainPathAnswersThem() {
    String model = "shap-" + UUID.randomUUID().toString().substring(0, 8);
    given().multiPart("artifact", Fixtures.model("iris-xgboost.json").toFile())
        .multiPart("metadata", "{\"framework\":\"xgboost\"}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    Random random = new Random(7);
    int n = 60;
    float[][] rows = new float[n][4];
    List<CapturedPrediction> captured = new ArrayList<>();
    Instant start = Instant.now().minusSeconds(600);
    StringBuilder reference = new StringBuilder();
    float[][] referenceRows = new float[n][];
    for (int i = 0; i < n; i++) {
      rows[i] = new float[] {(float) (5.8 + random.nextGaussian() * 0.8), (float) (3.0 + random.nextGaussian() * 0.4),
          (float) (3.7 + 2.5 + random.nextGaussian() * 1.7), (float) (1.2 + random.nextGaussian() * 0.7)};
      captured.add(new CapturedPrediction(model, 1, model + "-" + i, 0, start.plusMillis(i), "oip-rest",
          Map.of("input[0]", (double) rows[i][0], "input[1]", (double) rows[i][1], "input[2]", (double) rows[i][2],
              "input[3]", (double) rows[i][3]), Map.of(), PiiFields.NONE));
      String row = String.format(
          "{\"input[0]\": %.4f, \"input[1]\": %.4f, \"input[2]\": %.4f, \"input[3]\": %.4f}",
          5.8 + random.nextGaussian() * 0.8, 3.0 + random.nextGaussian() * 0.4, 3.7 + random.nextGaussian() * 1.7,
          1.2 + random.nextGaussian() * 0.7);
      reference.append(i == 0 ? "" : ",").append(row);
      JsonPath parsed = JsonPath.from(row);
      referenceRows[i] = new float[] {parsed.getFloat("'input[0]'"), parsed.getFloat("'input[1]'"),
          parsed.getFloat("'input[2]'"), parsed.getFloat("'input[3]'")};
    }
    captured.forEach(captureBuffer::offer);
    captureBuffer.flush();
    String id = given().contentType(ContentType.JSON).body("{\"model\": \"" + model + "\", \"version\": 1,"
        + " \"window\": \"1h\", \"reference\": {\"rows\": [" + reference + "]}}").post("/api/v1/monitors")
        .then().statusCode(201).extract().path("id");

    JsonPath run = given().post("/api/v1/monitors/" + id + "/runs").then().statusCode(201).extract().jsonPath();
    assertThat(run.getInt("rows")).isEqualTo(n);
    assertThat(run.getString("feature_importance.source"))
        .isEqualTo("mean |SHAP| over 60 captured rows; on the reference over 60 of its rows");

    // the engine's own SHAP values for the same rows, averaged here: |value| over rows and output columns
    double[] expected = meanAbsShap(model, rows);
    double[] onReference = meanAbsShap(model, referenceRows);
    for (int f = 0; f < 4; f++) {
      String column = "feature_importance.columns.'input[" + f + "]'.";
      double importance = run.getDouble(column + "importance");
      assertThat(importance).as("input[%d]", f).isCloseTo(expected[f], offset(1e-5 * Math.max(1, expected[f])));
      assertThat(run.getDouble(column + "reference_importance")).as("input[%d] on the reference", f)
          .isCloseTo(onReference[f], offset(1e-5 * Math.max(1, onReference[f])));
      assertThat(run.getDouble(column + "change")).as("input[%d]'s change", f)
          .isCloseTo(expected[f] - onReference[f], offset(2e-5 * Math.max(1, expected[f])));
    }
    assertThat(run.getDouble("feature_importance.columns.'input[2]'.change")).as("input[2] was shifted by 2.5")
        .isNotZero();
    assertThat(expected[2] + expected[3]).as("petal columns lead an iris model").isGreaterThan(expected[0] + expected[1]);
    assertThat(run.getList("feature_importance.drifted_by_importance", String.class)).first().isEqualTo("input[2]");
  }

  /** Mean |SHAP| per input column over rows and output columns, from the version's own explain path. */
  private static double[] meanAbsShap(String model, float[][] rows) {
    StringBuilder data = new StringBuilder();
    for (float[] row : rows) {
      for (float v : row) {
        data.append(data.length() == 0 ? "" : ",").append(v);
      }
    }
    JsonPath explained = given().contentType(ContentType.JSON).body("{\"parameters\":{\"explain\":\"shap\"},"
        + "\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[" + rows.length + ",4],\"data\":["
        + data + "]}]}").post("/v2/models/" + model + "/versions/1/infer").then().statusCode(200).extract().jsonPath();
    List<Float> values = explained.getList("outputs.find { it.name == 'shap_values' }.data", Float.class);
    List<Integer> shape = explained.getList("outputs.find { it.name == 'shap_values' }.shape", Integer.class);
    assertThat(shape).containsExactly(rows.length, 3, 4);
    double[] mean = new double[4];
    for (int k = 0; k < values.size(); k++) {
      mean[k % 4] += Math.abs(values.get(k)) / (rows.length * 3.0);
    }
    return mean;
  }
}
