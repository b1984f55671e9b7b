package dev.pier.experiments.analysis;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.pier.statemachines.AslDefinition;
import dev.pier.statemachines.LocalStateMachineRunner;
import dev.pier.statemachines.StatesError;
import java.time.Clock;
import java.util.Map;

/**
 * Local mode's analysis state machine: runs {@code experiment-analysis.asl.json} on the {@link LocalStateMachineRunner}
 * with the {@link AnalysisWorker} behind its tasks (the function name {@value #WORKER_FUNCTION}). The server's timer
 * calls {@link #runOnce()} every analysis interval, as the schedule starts an execution in AWS.
 */
public final class LocalAnalysisWorkflow {

  /** The name the local definition's {@code ${ExperimentsWorkerFunction}} is replaced with. */
  public static final String WORKER_FUNCTION = "pier-experiments-worker";
  public static final String DEFINITION = "experiment-analysis";

  private final LocalStateMachineRunner runner;
  private final AslDefinition definition;
  private final Clock clock;

  public LocalAnalysisWorkflow(AnalysisWorker worker, Clock clock) {
    this.clock = clock;
    this.runner = LocalStateMachineRunner.builder()
        .task("arn:aws:states:::lambda:invoke", (parameters, context) -> {
          String function = parameters.path("FunctionName").asText();
          if (!function.equals(WORKER_FUNCTION)) {
            throw new StatesError("Lambda.ResourceNotFoundException", "no local function " + function);
          }
          // the Lambda integration's result shape: the function's answer under Payload
          var result = JsonNodeFactory.instance.objectNode();
          result.set("Payload", worker.invoke(parameters.path("Payload")));
          return result;
        })
        .build();
    this.definition = AslDefinition.bundled(DEFINITION, Map.of("ExperimentsWorkerFunction", WORKER_FUNCTION));
  }

  /** One execution, on the calling thread: every running experiment analysed; returns how it ended. */
  public LocalStateMachineRunner.ExecutionResult runOnce() {
    return runner.run(definition, JsonNodeFactory.instance.objectNode(),
        "analysis-" + clock.instant().toEpochMilli());
  }
}
