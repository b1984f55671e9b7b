package dev.pier.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import dev.pier.statemachines.AslDefinition;
import dev.pier.statemachines.LocalStateMachineRunner;
import dev.pier.statemachines.StatesError;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.logging.Logger;

/**
 * Runs materialization jobs as the {@code feature-materialization} state machine (ASL in {@code state-machines/}) on
 * the {@link LocalStateMachineRunner}, with {@link Materialization}'s steps behind its tasks ({@link #invoke}, the
 * feature worker's entry point). Each job runs as one execution named after it, on the given executor; a job already
 * running here is not started twice. Errors reach the state machine by name: {@code Pier.FeaturesInvalid} (bad data,
 * not retried) and {@code Pier.FeaturesTransient} (AWS or I/O, retried by the ASL).
 */
final class MaterializationWorkflow {
  static final String DEFINITION = "feature-materialization";
  /** The worker's name in the ASL's {@code ${FeatureWorkerFunction}}, locally. */
  static final String LOCAL_FUNCTION = "pier-feature-worker";
  /** Chunks written at the same time. */
  static final int CONCURRENCY = 2;
  private static final Logger LOG = Logger.getLogger(MaterializationWorkflow.class.getName());
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Materialization steps;
  private final ExecutorService executor;
  private final LocalStateMachineRunner runner;
  private final AslDefinition definition;
  private final Map<String, Boolean> running = new ConcurrentHashMap<>();

  MaterializationWorkflow(Materialization steps, ExecutorService executor) {
    this.steps = steps;
    this.executor = executor;
    this.runner = LocalStateMachineRunner.builder()
        .task("arn:aws:states:::lambda:invoke", (parameters, context) -> {
          String function = parameters.path("FunctionName").asText();
          if (!function.equals(LOCAL_FUNCTION)) {
            throw new StatesError("Lambda.ResourceNotFoundException", "no local function " + function);
          }
          // as the Lambda integration answers: the function's result under Payload
          return NODES.objectNode().set("Payload", invoke(parameters.path("Payload")));
        })
        .build();
    this.definition = AslDefinition.bundled(DEFINITION, Map.of("FeatureWorkerFunction", LOCAL_FUNCTION));
  }

  /** Starts the job's execution on the executor unless it already runs here. */
  void launch(String id) {
    if (running.putIfAbsent(id, Boolean.TRUE) == null) {
      executor.submit(() -> {
        try {
          execute(id);
        } finally {
          running.remove(id);
        }
      });
    }
  }

  /** Runs the job's execution in this thread. */
  void run(String id) {
    execute(id);
  }

  private void execute(String id) {
    try {
      var result = runner.run(definition, NODES.objectNode().put("job_id", id), id);
      if (result.status() == LocalStateMachineRunner.ExecutionResult.Status.FAILED) {
        steps.fail(id, result.cause() != null ? result.cause() : result.error()); // when MarkFailed could not
        LOG.warning(() -> "materialization " + id + " failed: " + result.error() + ": " + result.cause());
      }
    } catch (RuntimeException e) {
      steps.fail(id, e.toString());
    }
  }

  /** One task of the state machine: {@code {"action": "materialize-plan" | …, "job_id": …}} → its result. */
  JsonNode invoke(JsonNode payload) {
    String id = payload.path("job_id").asText();
    try {
      return switch (payload.path("action").asText()) {
        case "materialize-plan" -> {
          ObjectNode out = NODES.objectNode().put("concurrency", CONCURRENCY);
          ArrayNode chunks = out.putArray("chunks");
          for (Materialization.Chunk c : steps.plan(id)) {
            chunks.addObject().put("view", c.view()).put("file", c.file());
          }
          yield out;
        }
        case "materialize-chunk" -> NODES.objectNode().put("rows", steps.writeChunk(id,
            new Materialization.Chunk(payload.path("view").asText(), payload.path("file").asText())));
        case "materialize-finish" -> {
          Materialization.Job job = steps.complete(id);
          yield NODES.objectNode().put("state", job.state().name()).put("rows", job.rows());
        }
        case "materialize-fail" -> {
          JsonNode error = payload.path("error");
          steps.fail(id, error.path("Cause").asText(error.path("Error").asText("failed")));
          yield NODES.objectNode();
        }
        default -> throw new StatesError("Pier.FeaturesInvalid", "unknown action " + payload.path("action"));
      };
    } catch (PierException e) {
      throw new StatesError(e.status() < 500 ? "Pier.FeaturesInvalid" : "Pier.FeaturesTransient", e.getMessage(), e);
    } catch (software.amazon.awssdk.core.exception.SdkException | java.io.UncheckedIOException e) {
      throw new StatesError("Pier.FeaturesTransient", e.getMessage(), e);
    }
  }
}
