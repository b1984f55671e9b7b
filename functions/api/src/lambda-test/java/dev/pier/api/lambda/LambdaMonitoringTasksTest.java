package dev.pier.api.lambda;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.amazon.lambda.runtime.AmazonLambdaRecorder;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The monitoring worker in AWS is this zip: its entry point hands the monitor-runs state machine's task payloads
 * ({@code {"monitoring": …}}) to the monitors module, which the zip now carries, and the control plane serves
 * {@code /api/v1/monitors} from it.
 */
@QuarkusTest
class LambdaMonitoringTasksTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final PierLambdaHandler handler = new PierLambdaHandler(() -> { }, AmazonLambdaRecorder::handle);

  private JsonNode invoke(String payload) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    handler.handleRequest(new ByteArrayInputStream(payload.getBytes()), out, null);
    return JSON.readTree(out.toByteArray());
  }

  @Test
  void theMonitorRunsTasksRunAScheduledMonitorsDueWindowsOnce() throws Exception {
    JsonNode monitor = JSON.readTree(given().contentType(ContentType.JSON).body("{\"model\": \"demo\","
        + " \"version\": 1, \"window\": \"1h\", \"schedule\": \"rate(1 hour)\", \"reference\": {\"rows\": ["
        + "{\"input[0]\": 5.1, \"input[1]\": 3.5}, {\"input[0]\": 6.2, \"input[1]\": 2.9},"
        + " {\"input[0]\": 5.9, \"input[1]\": 3.0}]}}").post("/api/v1/monitors").then().statusCode(201)
        .extract().asString());
    String id = monitor.path("id").asText();
    Instant created = Instant.parse(monitor.path("created_at").asText());

    assertThat(invoke("{\"monitoring\": \"scheduled\"}").path("monitors")).extracting(JsonNode::asText).contains(id);

    String runDue = "{\"monitoring\": \"run-due\", \"monitor_id\": \"" + id + "\", \"at\": \""
        + created.plus(Duration.ofMinutes(130)) + "\"}";
    JsonNode made = invoke(runDue);
    assertThat(made.path("monitor_id").asText()).isEqualTo(id);
    assertThat(made.path("runs")).extracting(r -> r.path("run_id").asText()).containsExactly(
        "w-" + created.plus(Duration.ofHours(1)).getEpochSecond(),
        "w-" + created.plus(Duration.ofHours(2)).getEpochSecond());
    assertThat(invoke(runDue).path("runs")).as("a retried task runs no window twice").isEmpty();
    given().get("/api/v1/monitors/" + id + "/runs").then().statusCode(200);
    assertThat(JSON.readTree(given().get("/api/v1/monitors/" + id + "/runs").then().extract().asString())
        .toString()).contains("w-" + created.plus(Duration.ofHours(2)).getEpochSecond());
  }

  @Test
  void anUnknownTaskFailsNamingIt() {
    assertThatThrownBy(() -> invoke("{\"monitoring\": \"sweep\"}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown task 'sweep'");
  }
}
