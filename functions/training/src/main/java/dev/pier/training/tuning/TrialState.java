package dev.pier.training.tuning;

/** A trial's state; all but RUNNING are final, and a trial in a final state is never run again. */
public enum TrialState {
  RUNNING, COMPLETE, PRUNED, FAIL;

  public boolean finished() {
    return this != RUNNING;
  }
}
