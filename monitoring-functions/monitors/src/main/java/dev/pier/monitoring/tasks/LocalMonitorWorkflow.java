package dev.pier.monitoring.tasks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.pier.statemachines.AslDefinition;
import dev.pier.statemachines.LocalStateMachineRunner;
import dev.pier.statemachines.StatesError;
import java.time.Clock;
import java.util.Map;

/**
 * Local mode's scheduled monitor runs: {@code monitor-runs.asl.json} on the {@link LocalStateMachineRunner}, with the
 * {@link MonitoringTasks} behind its tasks (the function name {@value #WORKER_FUNCTION}). The server's timer calls
 * {@link #runOnce()} every {@code pier.monitoring.schedule-interval}, as the CDK app's EventBridge rule starts an
 * execution in AWS.
 */
public final class LocalMonitorWorkflow {
  /** The name the local definition's {@code ${MonitoringWorkerFunction}} is replaced with. */
  public static final String WORKER_FUNCTION = "pier-monitoring-worker";
  public static final String DEFINITION = "monitor-runs";

  private final LocalStateMachineRunner runner;
  private final AslDefinition definition;
  private final Clock clock;

  public LocalMonitorWorkflow(MonitoringTasks tasks, Clock clock) {
    this.clock = clock;
    this.runner = LocalStateMachineRunner.builder()
        .task("arn:aws:states:::lambda:invoke", (parameters, context) -> {
          String function = parameters.path("FunctionName").asText();
          if (!function.equals(WORKER_FUNCTION)) {
            throw new StatesError("Lambda.ResourceNotFoundException", "no local function " + function);
          }
          var result = JsonNodeFactory.instance.objectNode(); // the Lambda integration's shape: the answer under Payload
          result.set("Payload", tasks.handle(parameters.path("Payload")));
          return result;
        })
        .build();
    this.definition = AslDefinition.bundled(DEFINITION, Map.of("MonitoringWorkerFunction", WORKER_FUNCTION));
  }

  /** One execution on the calling thread: every scheduled monitor's due windows run; returns how it ended. */
  public LocalStateMachineRunner.ExecutionResult runOnce() {
    return runner.run(definition, JsonNodeFactory.instance.objectNode(), "monitors-" + clock.instant().toEpochMilli());
  }
}
