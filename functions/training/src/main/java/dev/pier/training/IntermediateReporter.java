package dev.pier.training;

/**
 * Receives a training's validation metric after each boosting round (step 0 = after the first tree). It may throw
 * {@link TrialPruned} to stop the training there, or any other exception to abort it (a cancelled job).
 */
@FunctionalInterface
public interface IntermediateReporter {
  IntermediateReporter NONE = (step, value) -> { };

  void report(int step, double value);
}
