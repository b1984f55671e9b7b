package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

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
 * A reference without output columns gets the version's own predictions on its rows, so prediction drift has a
 * reference: checked by capturing, as the version's answers, the very rows the reference holds (answered by
 * {@code /v2/…/infer}): the window's label distribution then equals the reference's, so its chi-squared statistic is 0,
 * which it would not be against labels computed any other way.
 */
@QuarkusTest
class MonitoringReferencePredictionsTest {
  @Inject CaptureBuffer captureBuffer;

  @Test
  void aReferenceWithoutOutputsIsScoredByTheVersion() {
    String model = "refpred-" + UUID.randomUUID().toString().substring(0, 8);
    given().multiPart("artifact", Fixtures.model("iris-xgboost.json").toFile())
        .multiPart("metadata", "{\"framework\":\"xgboost\"}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    Random random = new Random(11);
    int n = 90;
    float[][] rows = new float[n][];
    StringBuilder reference = new StringBuilder();
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < n; i++) {
      // three clusters, like iris' species, so the answers spread over the classes
      rows[i] = new float[] {(float) (5.0 + i % 3 * 0.9 + random.nextGaussian() * 0.2),
          (float) (3.0 + random.nextGaussian() * 0.2), (float) (1.5 + i % 3 * 2.0 + random.nextGaussian() * 0.2),
          (float) (0.2 + i % 3 * 0.8 + random.nextGaussian() * 0.1)};
      reference.append(i == 0 ? "" : ",").append(String.format("{\"input[0]\": %s, \"input[1]\": %s, \"input[2]\": %s,"
          + " \"input[3]\": %s}", rows[i][0], rows[i][1], rows[i][2], rows[i][3]));
      for (float v : rows[i]) {
        data.append(data.length() == 0 ? "" : ",").append(v);
      }
    }
    JsonPath answered = given().contentType(ContentType.JSON).body("{\"inputs\":[{\"name\":\"input\",\"datatype\":"
        + "\"FP32\",\"shape\":[" + n + ",4],\"data\":[" + data + "]}]}")
        .post("/v2/models/" + model + "/versions/1/infer").then().statusCode(200).extract().jsonPath();
    List<String> outputs = answered.getList("outputs.name", String.class);
    assertThat(outputs).isNotEmpty();
    int which = Math.max(0, outputs.indexOf("label"));
    String output = outputs.get(which);
    List<Object> first = answered.getList("outputs[" + which + "].data");
    int width = first.size() / n;

    String id = given().contentType(ContentType.JSON).body("{\"model\": \"" + model + "\", \"version\": 1,"
        + " \"window\": \"1h\", \"reference\": {\"rows\": [" + reference + "]}}").post("/api/v1/monitors")
        .then().statusCode(201).extract().path("id");
    JsonPath monitor = given().get("/api/v1/monitors/" + id).then().statusCode(200).extract().jsonPath();
    assertThat(monitor.getString("reference.predictions")).isEqualTo("computed by " + model + " version 1");
    String column = width == 1 ? output : output + "[0]";
    assertThat(monitor.getList("reference.columns", String.class)).contains(column, "input[0]");

    Instant start = Instant.now().minusSeconds(600);
    List<CapturedPrediction> captured = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Map<String, Object> out = new java.util.LinkedHashMap<>();
      for (int c = 0; c < width; c++) {
        out.put(width == 1 ? output : output + "[" + c + "]", asCaptured(first.get(i * width + c)));
      }
      captured.add(new CapturedPrediction(model, 1, model + "-" + i, 0, start.plusMillis(i), "oip-rest",
          Map.of("input[0]", (double) rows[i][0], "input[1]", (double) rows[i][1], "input[2]", (double) rows[i][2],
              "input[3]", (double) rows[i][3]), out, PiiFields.NONE));
    }
    captured.forEach(captureBuffer::offer);
    captureBuffer.flush();

    JsonPath run = given().post("/api/v1/monitors/" + id + "/runs").then().statusCode(201).extract().jsonPath();
    assertThat(run.getInt("rows")).isEqualTo(n);
    String drift = "prediction_drift.columns.'" + column + "'.";
    assertThat(run.getString(drift + "method")).isNotNull();
    assertThat(run.getDouble(drift + "statistic")).as("the same rows answered by the same version").isEqualTo(0.0);
    assertThat(run.getBoolean(drift + "drifted")).isFalse();
  }

  /** A value of the answer's JSON as the capture writes and reads it back: integers as longs, others as doubles. */
  private static Object asCaptured(Object n) {
    String text = n.toString();
    return text.contains(".") || text.contains("E") ? Double.parseDouble(text) : Long.parseLong(text);
  }
}
