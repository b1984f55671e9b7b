package dev.pier.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * running here is not started twice. The tasks are {@link MaterializationTasks}, as the feature worker Lambda runs them
 * in AWS.
 */
final class MaterializationWorkflow {
  static final String DEFINITION = "feature-materialization";
  /** The worker's name in the ASL's {@code ${FeatureWorkerFunction}}, locally. */
  static final String LOCAL_FUNCTION = "pier-feature-worker";
  private static final Logger LOG = Logger.getLogger(MaterializationWorkflow.class.getName());
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Materialization steps;
  private final MaterializationTasks tasks;
  private final ExecutorService executor;
  private final LocalStateMachineRunner runner;
  private final AslDefinition definition;
  private final Map<String, Boolean> running = new ConcurrentHashMap<>();

  MaterializationWorkflow(Materialization steps, ExecutorService executor) {
    this.steps = steps;
    this.tasks = new MaterializationTasks(steps);
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
    return tasks.invoke(payload);
  }
}
