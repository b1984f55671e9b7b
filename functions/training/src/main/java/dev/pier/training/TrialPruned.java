package dev.pier.training;

/**
 * Thrown from an {@link IntermediateReporter} to stop a trial whose intermediate results a pruner judged not worth
 * finishing. Not an error: the trial ends PRUNED with its last reported value.
 */
public final class TrialPruned extends RuntimeException {
  private final int step;

  public TrialPruned(int step) {
    super("pruned at step " + step, null, false, false);
    this.step = step;
  }

  public int step() {
    return step;
  }
}
