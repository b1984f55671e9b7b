package dev.pier.training.jobs;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.logging.Logger;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;
import software.amazon.awssdk.services.sfn.model.ExecutionDoesNotExistException;

/**
 * Starts a training job in AWS as an execution of the deployed training state machine (training.asl.json), named after
 * the job with input {@code {"job_id": …}}: launching a job twice starts one execution (Step Functions refuses a second
 * of the same name, taken as started). A cancel stops the execution; a SageMaker training job it waits on is stopped
 * by Step Functions with it ({@code .sync}).
 */
public final class StepFunctionsTrainingLauncher implements TrainingLauncher {
  private static final Logger LOG = Logger.getLogger(StepFunctionsTrainingLauncher.class.getName());

  private final SfnClient sfn;
  private final String stateMachineArn;

  public StepFunctionsTrainingLauncher(SfnClient sfn, String stateMachineArn) {
    if (!stateMachineArn.contains(":stateMachine:")) {
      throw new IllegalArgumentException("not a state machine ARN: " + stateMachineArn);
    }
    this.sfn = sfn;
    this.stateMachineArn = stateMachineArn;
  }

  @Override
  public void launch(TrainingJob job) {
    start(job.id());
  }

  /** Starts the execution of job {@code id}, once. */
  void start(String id) {
    String input = JsonNodeFactory.instance.objectNode().put("job_id", id).toString();
    try {
      sfn.startExecution(b -> b.stateMachineArn(stateMachineArn).name(id).input(input));
    } catch (ExecutionAlreadyExistsException e) {
      LOG.info(() -> "training job " + id + " has an execution already");
    }
  }

  @Override
  public void stop(String id) {
    try {
      sfn.stopExecution(b -> b.executionArn(executionArn(id)).error("Pier.Cancelled")
          .cause("training job " + id + " was cancelled"));
    } catch (ExecutionDoesNotExistException e) {
      // never started, or ended: nothing runs
    }
  }

  /** {@code arn:…:stateMachine:<name>} → {@code arn:…:execution:<name>:<job id>}. */
  String executionArn(String id) {
    return stateMachineArn.replace(":stateMachine:", ":execution:") + ":" + id;
  }
}
