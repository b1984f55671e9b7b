package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.api.platform.ExperimentsWiring;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Monitoring feedback as an experiment metric, end to end: predictions under a running experiment (OIP REST and
 * {@code /predict}, each unit answered by its arm), then ground truth through {@code POST /api/v1/feedback} by the
 * request ids, then the experiment's results per arm. {@code converted} is the label itself (binary: a unit with any
 * label 1), {@code correct} counts each unit's predictions whose predicted class (iris-mlp's one-value-per-row
 * {@code label} output: 0 for this row) equals the ground truth.
 */
@QuarkusTest
class ExperimentFeedbackTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PIPELINE = "{\"input\":\"input\",\"features\":"
      + "[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"},{\"name\":\"d\"}]}";
  private static final String BODY = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],"
      + "\"data\":[5.1,3.5,1.4,0.2]}]}";

  @Inject ExperimentsWiring wiring;

  @Test
  void labelsSentAsFeedbackBecomeEachArmsMetricByTheRequestIdsItsPredictionsWereAnsweredWith() throws Exception {
    String model = "fb-" + UUID.randomUUID().toString().substring(0, 8);
    for (int v = 1; v <= 2; v++) {
      given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
          .multiPart("metadata", "{\"framework\":\"onnx\",\"pipeline\":" + PIPELINE + "}")
          .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    }
    given().contentType(ContentType.JSON).body("{\"version\": 1}")
        .put("/api/v1/models/" + model + "/aliases/production").then().statusCode(200);
    String design = """
        {"name": "labels decide", "model": "MODEL", "alias": "production",
         "arms": [{"name": "control", "version": 1, "weight": 0.5}, {"name": "treatment", "version": 2, "weight": 0.5}],
         "unit": "user",
         "metrics": {"primary": {"name": "converted", "type": "binary", "feedback": "label"},
                     "secondary": [{"name": "correct", "type": "continuous", "feedback": "correct"}]},
         "design": {"alpha": 0.05, "power": 0.8, "mde": 0.05, "baseline": 0.1}, "analysis": "frequentist"}
        """.replace("MODEL", model);
    String id = JSON.readTree(given().contentType(ContentType.JSON).body(design).post("/api/v1/experiments")
        .then().statusCode(201).extract().asString()).get("id").asText();
    given().contentType(ContentType.JSON).post("/api/v1/experiments/" + id + "/start").then().statusCode(200);

    int units = 24;
    Map<String, String> armOf = new HashMap<>();
    ArrayNode labels = JsonNodeFactory.instance.arrayNode();
    for (int u = 0; u < units; u++) {
      String unit = "unit-" + u;
      String request = "req-" + model + "-" + u;
      Response r = u % 3 == 0
          ? given().contentType(ContentType.JSON).header("X-Pier-Unit", unit).header("X-Request-Id", request)
              .body("{\"instances\":[{\"a\":5.1,\"b\":3.5,\"c\":1.4,\"d\":0.2}]}")
              .post("/api/v1/models/" + model + "/predict")
          : given().contentType(ContentType.JSON).header("X-Pier-Unit", unit).header("X-Request-Id", request)
              .body(BODY).post("/v2/models/" + model + "/infer");
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
      String header = r.header("X-Pier-Experiment");
      assertThat(header).startsWith(id + "=");
      armOf.put(unit, header.substring(id.length() + 1));
      // ground truth, one label per request: 1 for units 0-9, else 0 (iris-mlp answers class 0 for this row, so
      // converted is 1 exactly where correct is 0)
      ObjectNode converted = labels.addObject().put("request_id", request).put("row", 0);
      converted.put("label", u < 10 ? 1 : 0);
    }
    assertThat(armOf.values()).as("both arms have units").contains("control", "treatment");
    // a request no experiment routed (no unit): its label waits, and counts nowhere
    Response plain = given().contentType(ContentType.JSON).header("X-Request-Id", "req-" + model + "-plain")
        .body(BODY).post("/v2/models/" + model + "/infer");
    assertThat(plain.header("X-Pier-Experiment")).isNull();
    labels.addObject().put("request_id", "req-" + model + "-plain").put("row", 0).put("label", 1);

    // the same labels once more, as a client retrying would: a row joins once
    for (int send = 0; send < 2; send++) {
      given().contentType(ContentType.JSON).body(JSON.createObjectNode().set("items", labels))
          .post("/api/v1/feedback").then().statusCode(200);
    }

    JsonNode results = null;
    for (long deadline = System.nanoTime() + 60_000_000_000L; System.nanoTime() < deadline; Thread.sleep(200)) {
      wiring.flush(); // the predictions kept for the join are written with the exposures
      results = JSON.readTree(given().get("/api/v1/experiments/" + id + "/results").then().statusCode(200)
          .extract().asString());
      if (results.path("feedback").path("joined").asLong() == units) break;
    }
    assertThat(results.get("feedback").toString()).isEqualTo(
        "{\"predictions\":" + units + ",\"joined\":" + units + ",\"waiting\":1,\"unusable\":0}");

    Map<String, int[]> expected = new HashMap<>(); // arm → units, converted units
    for (int u = 0; u < units; u++) {
      int[] e = expected.computeIfAbsent(armOf.get("unit-" + u), a -> new int[2]);
      e[0]++;
      e[1] += u < 10 ? 1 : 0;
    }
    for (JsonNode metric : results.get("metrics")) {
      for (JsonNode arm : metric.get("arms")) {
        int[] e = expected.get(arm.get("arm").asText());
        assertThat(arm.get("n").asLong()).as("%s units in %s", metric.get("metric"), arm.get("arm")).isEqualTo(e[0]);
        double mean = metric.get("metric").asText().equals("converted") ? (double) e[1] / e[0]
            : (double) (e[0] - e[1]) / e[0];
        assertThat(arm.get("mean").asDouble()).as("%s mean in %s", metric.get("metric"), arm.get("arm"))
            .isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-12));
      }
    }
    given().contentType(ContentType.JSON).post("/api/v1/experiments/" + id + "/stop").then().statusCode(200);
  }
}
