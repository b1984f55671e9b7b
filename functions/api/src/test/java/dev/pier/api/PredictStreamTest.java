package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** NDJSON streaming predictions: every instance answered once, bad ones with their reason, across many blocks. */
@QuarkusTest
class PredictStreamTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyLineIsAnsweredOnceAcrossBlocksAndBadLinesCarryTheirReason() throws Exception {
    StringBuilder body = new StringBuilder();
    int rows = 10_000; // more than two 4096-row blocks
    for (int i = 0; i < rows; i++) {
      if (i == 5000) {
        body.append("{\"id\":\"bad\",\"input\":[1,2,3]}\n");
      } else if (i % 2 == 0) {
        body.append("{\"id\":").append(i).append(",\"input\":[5.1,3.5,1.4,0.2]}\n");
      } else {
        body.append("{\"id\":").append(i).append(",\"input\":[6.3,2.9,5.6,1.8]}\n");
      }
    }
    String answer = given().contentType("application/x-ndjson").body(body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .post("/api/v1/models/demo/predict-stream").then().statusCode(200)
        .header("X-Pier-Model-Version", "1").extract().asString();
    List<String> lines = answer.lines().toList();
    assertThat(lines).hasSize(rows);
    Map<String, JsonNode> byId = new HashMap<>();
    for (String line : lines) {
      JsonNode n = JSON.readTree(line);
      assertThat(byId.put(n.get("id").asText(), n)).as("id %s answered once", n.get("id")).isNull();
    }
    assertThat(byId.get("0").get("label").asInt()).isZero();
    assertThat(byId.get("1").get("label").asInt()).isEqualTo(2);
    assertThat(byId.get("9999").get("probabilities")).hasSize(3);
    assertThat(byId.get("bad").get("error").asText()).contains("needs 4 values per row, got 3");
  }

  @Test
  void anUnknownModelIs404AndAWrongContentTypeIs415() {
    given().contentType("application/x-ndjson").body("{\"input\":[1,2,3,4]}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .post("/api/v1/models/nope/predict-stream").then().statusCode(404)
        .body("detail", containsString("model 'nope' not found"));
    given().contentType("application/json").body("{}").post("/api/v1/models/demo/predict-stream")
        .then().statusCode(415);
  }
}
