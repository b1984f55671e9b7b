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

  /**
   * The job as its execution stands: where the engine can end a job without the job recording it (an EMR Serverless
   * run that fails before its driver starts), that end is recorded first. {@code job} unchanged by default.
   */
  default BatchJob refresh(BatchJob job) {
    return job;
  }

  /** Stops the job's execution, if it runs; the job's state is already final. */
  void stop(String id);
}
