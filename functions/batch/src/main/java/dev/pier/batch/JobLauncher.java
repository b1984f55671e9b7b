package dev.pier.batch;

/**
 * Starts and stops batch-scoring executions: {@link StepFunctionsLauncher} in AWS, {@link LocalBatchLauncher} (the
 * same ASL on the local runner) in local mode. Launching a job twice starts it once.
 */
public interface JobLauncher {
  void launch(BatchJob job);

  /** Whether this process can start jobs (false in AWS when no state machine is configured). */
  default boolean available() {
    return true;
  }

  /** Stops the job's execution, if it runs; the job's state is already final. */
  void stop(String id);
}
