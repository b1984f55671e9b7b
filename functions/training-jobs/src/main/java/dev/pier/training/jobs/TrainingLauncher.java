package dev.pier.training.jobs;

/**
 * Starts and stops training executions: {@link LocalTrainingLauncher} (training.asl.json on the local runner, behind a
 * queue) in local mode; in AWS, Step Functions. Launching a job twice starts it once.
 */
public interface TrainingLauncher {
  void launch(TrainingJob job);

  /** Stops the job's execution, if it runs; the job's state is already final. */
  void stop(String id);

  /** Where the job waits in its project's queue; empty when it is not queued (or this launcher keeps no queue). */
  default java.util.Optional<TrainingQueue.Place> place(String id) {
    return java.util.Optional.empty();
  }
}
