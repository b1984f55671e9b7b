package dev.pier.batch;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.logging.Logger;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;
import software.amazon.awssdk.services.sfn.model.ExecutionDoesNotExistException;

/**
 * AWS mode's launcher: one execution of the batch-scoring state machine per job, named after the job. Step Functions
 * keeps execution names unique per state machine (for 90 days after an execution closes), so launching a job twice —
 * a retried API call, an upload event delivered twice — starts it once.
 */
public final class StepFunctionsLauncher implements JobLauncher {
  private static final Logger LOG = Logger.getLogger(StepFunctionsLauncher.class.getName());

  private final SfnClient sfn;
  private final String stateMachineArn;

  public StepFunctionsLauncher(SfnClient sfn, String stateMachineArn) {
    if (!stateMachineArn.contains(":stateMachine:")) {
      throw new IllegalArgumentException("not a state machine ARN: " + stateMachineArn);
    }
    this.sfn = sfn;
    this.stateMachineArn = stateMachineArn;
  }

  @Override
  public void launch(BatchJob job) {
    String input = JsonNodeFactory.instance.objectNode().put("job_id", job.id()).toString();
    try {
      sfn.startExecution(b -> b.stateMachineArn(stateMachineArn).name(job.id()).input(input));
    } catch (ExecutionAlreadyExistsException e) {
      LOG.info(() -> "batch job " + job.id() + " has an execution already");
    }
  }

  @Override
  public void stop(String id) {
    try {
      sfn.stopExecution(b -> b.executionArn(executionArn(id)).error("Pier.Cancelled").cause("batch job " + id
          + " was cancelled"));
    } catch (ExecutionDoesNotExistException e) {
      // never started, or ended: nothing runs
    }
  }

  /** {@code arn:…:stateMachine:<name>} → {@code arn:…:execution:<name>:<job id>}. */
  String executionArn(String id) {
    return stateMachineArn.replace(":stateMachine:", ":execution:") + ":" + id;
  }
}
