package dev.pier.api.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.batch.InvalidJobError;
import dev.pier.experiments.Experiments;
import dev.pier.statemachines.StatesError;
import io.quarkus.amazon.lambda.runtime.AmazonLambdaRecorder;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The experiment-analysis state machine's tasks through the zip's entry point ({@link PierLambdaHandler}), with the
 * {@code Payload}s its {@code lambda:invoke} states send: the experiments worker Lambda of the CDK app is this
 * handler. {@code running} lists the running experiments, {@code analyze} records one analysis per instant (a retried
 * task answers the recorded decision), a malformed task fails with the error the ASL does not retry, and batch
 * actions still go to the batch worker.
 */
@QuarkusTest
class LambdaExperimentTasksTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Inject Experiments experiments;

  private final PierLambdaHandler handler = new PierLambdaHandler(() -> { }, AmazonLambdaRecorder::handle);

  private JsonNode invoke(String payload) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    handler.handleRequest(new ByteArrayInputStream(payload.getBytes()), out, null);
    return JSON.readTree(out.toByteArray());
  }

  /** A running experiment on demo's production alias, in a layer of its own. */
  private String running() throws Exception {
    String design = """
        {"name": "lambda analysis", "model": "demo", "alias": "production", "layer": "LAYER",
         "arms": [{"name": "control", "version": 1, "weight": 0.5}, {"name": "treatment", "version": 1, "weight": 0.5}],
         "unit": "user", "metrics": {"primary": {"name": "conversion", "type": "binary"}},
         "design": {"alpha": 0.05, "power": 0.8, "mde": 0.05, "baseline": 0.1}}
        """.replace("LAYER", "lambda-" + UUID.randomUUID().toString().substring(0, 8));
    return experiments.start(experiments.create(JSON.readTree(design)).id()).id();
  }

  @Test
  void runningListsTheExperimentAndAnalyzeRecordsOneDecisionPerInstantEvenWhenRetried() throws Exception {
    String id = running();

    assertThat(invoke("{\"action\": \"running\"}").path("experiments")).extracting(JsonNode::asText).contains(id);

    String analyze = "{\"action\": \"analyze\", \"experiment\": \"" + id + "\", \"at\": \"2026-12-07T09:05:00Z\"}";
    JsonNode first = invoke(analyze);
    JsonNode retried = invoke(analyze);

    assertThat(first.path("experiment").asText()).isEqualTo(id);
    assertThat(first.path("decision").path("action").asText()).isEqualTo("CONTINUE");
    assertThat(retried).isEqualTo(first);
    assertThat(experiments.decisions(id)).singleElement()
        .satisfies(d -> assertThat(d.at()).isEqualTo("2026-12-07T09:05:00Z"));
  }

  @Test
  void aMalformedAnalyzeTaskFailsWithTheErrorTheWorkflowDoesNotRetryAndBatchActionsStillReachTheBatchWorker() {
    assertThatThrownBy(() -> invoke("{\"action\": \"analyze\", \"at\": \"2026-12-07T09:05:00Z\"}"))
        .isInstanceOfSatisfying(StatesError.class, e -> assertThat(e.error()).isEqualTo("Pier.InvalidPayload"))
        .hasMessageContaining("experiment is required");
    assertThatThrownBy(() -> invoke("{\"action\": \"score-everything\", \"job_id\": \"bj-none\"}"))
        .isInstanceOf(InvalidJobError.class).hasMessageContaining("unknown batch worker action 'score-everything'");
  }
}
