package dev.pier.batch;

/** Starts and stops batch-scoring executions: Step Functions in AWS, {@link LocalBatchLauncher} in local mode. */
public interface JobLauncher {
  void launch(BatchJob job);

  /** Whether this process can start jobs (false in AWS until the API starts Step Functions executions). */
  default boolean available() {
    return true;
  }

  /** Stops the job's execution, if it runs; the job's state is already final. */
  void stop(String id);
}
