package dev.pier.features;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.function.Consumer;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;

/**
 * Starts a materialization job as an execution of the deployed {@code feature-materialization} state machine, named
 * after the job with input {@code {"job_id": …}}: starting the same job twice starts one execution (Step Functions
 * refuses a second one of the same name and input, which is taken as done).
 */
public final class StepFunctionsLauncher implements Consumer<String> {
  private final SfnClient sfn;
  private final String stateMachineArn;

  public StepFunctionsLauncher(SfnClient sfn, String stateMachineArn) {
    this.sfn = sfn;
    this.stateMachineArn = stateMachineArn;
  }

  @Override
  public void accept(String jobId) {
    try {
      sfn.startExecution(b -> b.stateMachineArn(stateMachineArn).name(jobId)
          .input(JsonNodeFactory.instance.objectNode().put("job_id", jobId).toString()));
    } catch (ExecutionAlreadyExistsException e) {
      // already started
    }
  }
}
