package dev.pier.training.jobs;

/** A training job's state, in Step Functions' execution names. */
public enum JobState {
  RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED;

  public boolean isFinal() {
    return this != RUNNING;
  }
}
