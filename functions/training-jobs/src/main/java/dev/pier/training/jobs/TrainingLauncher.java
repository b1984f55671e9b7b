package dev.pier.training.jobs;

/**
 * Starts and stops training executions: {@link LocalTrainingLauncher} (training.asl.json on the local runner, behind a
 * queue) in local mode; in AWS, Step Functions. Launching a job twice starts it once.
 */
public interface TrainingLauncher {
  void launch(TrainingJob job);

  /** Stops the job's execution, if it runs; the job's state is already final. */
  void stop(String id);
}
