package dev.pier.api.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.experiments.Experiment;
import dev.pier.experiments.ExperimentState;
import dev.pier.experiments.Experiments;
import dev.pier.experiments.assignment.ExposureBuffer;
import dev.pier.experiments.results.ExperimentResults;
import io.quarkus.amazon.lambda.runtime.AmazonLambdaRecorder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Lambda freezes the exposure writer's thread between invocations: the handler writes the exposures a prediction
 * event logged before it returns. The writer's own interval is an hour here, so only the handler's flush can have
 * written them when the invocation returns.
 */
@QuarkusTest
@TestProfile(LambdaExposureFlushTest.NoWriterTick.class)
class LambdaExposureFlushTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}";

  public static class NoWriterTick implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("pier.experiments.exposures.write-interval", "1h");
    }
  }

  @Inject Experiments experiments;
  @Inject ExposureBuffer exposures;

  private final PierLambdaHandler handler = new PierLambdaHandler(() -> { }, AmazonLambdaRecorder::handle);

  /** An API Gateway (HTTP API) event: a prediction on demo's production alias for {@code unit}. */
  private static String prediction(String unit) {
    ObjectNode e = JSON.createObjectNode();
    e.put("version", "2.0");
    e.put("routeKey", "$default");
    e.put("rawPath", "/v2/models/demo/infer");
    e.put("rawQueryString", "");
    e.putObject("headers").put("content-type", "application/json").put("host", "pier.example.com")
        .put("x-pier-unit", unit);
    ObjectNode ctx = e.putObject("requestContext");
    ctx.put("requestId", "req-" + unit);
    ctx.put("routeKey", "$default");
    ctx.put("stage", "$default");
    ObjectNode http = ctx.putObject("http");
    http.put("method", "POST");
    http.put("path", "/v2/models/demo/infer");
    http.put("protocol", "HTTP/1.1");
    http.put("sourceIp", "203.0.113.7");
    e.put("body", ROW);
    e.put("isBase64Encoded", false);
    return e.toString();
  }

  @Test
  void theExposuresAPredictionEventLoggedAreWrittenBeforeTheInvocationReturns() throws Exception {
    for (Experiment other : experiments.list("demo", "running", null)) {
      experiments.stop(other.id()); // one experiment on demo's alias: every unit below is in this one
    }
    String design = """
        {"name": "lambda exposures", "model": "demo", "alias": "production", "layer": "LAYER",
         "arms": [{"name": "control", "version": 1, "weight": 0.5}, {"name": "treatment", "version": 1, "weight": 0.5}],
         "unit": "user", "metrics": {"primary": {"name": "conversion", "type": "binary"}},
         "design": {"alpha": 0.05, "power": 0.8, "mde": 0.05, "baseline": 0.1}}
        """.replace("LAYER", "flush-" + UUID.randomUUID().toString().substring(0, 8));
    String id = experiments.start(experiments.create(JSON.readTree(design)).id()).id();

    for (int i = 1; i <= 3; i++) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      handler.handleRequest(new ByteArrayInputStream(prediction("lambda-unit-" + i).getBytes()), out, null);
      JsonNode response = JSON.readTree(out.toByteArray());
      assertThat(response.path("statusCode").asInt()).as(response.toString()).isEqualTo(200);
      String experiment = null;
      for (var h : (Iterable<Map.Entry<String, JsonNode>>) response.path("headers")::fields) {
        if (h.getKey().equalsIgnoreCase("X-Pier-Experiment")) experiment = h.getValue().asText();
      }
      assertThat(experiment).as(response.toString()).startsWith(id + "=");

      // returned: nothing waits in the buffer, and the experiment counts every unit so far
      assertThat(exposures.queued()).isZero();
      ExperimentResults results = experiments.results(id);
      assertThat(results.arms().stream().mapToLong(ExperimentResults.ArmUnits::units).sum()).isEqualTo(i);
    }
    experiments.stop(id);
    assertThat(experiments.get(id).state()).isEqualTo(ExperimentState.STOPPED);
  }
}
