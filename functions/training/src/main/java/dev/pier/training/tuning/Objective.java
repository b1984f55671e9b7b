package dev.pier.training.tuning;

import dev.pier.training.CvResult;
import dev.pier.training.IntermediateReporter;
import java.util.Map;

/**
 * What a trial evaluates: one set of hyperparameters to a cross-validated score, reporting the metric after each
 * step. Throwing {@link dev.pier.training.TrialPruned} (from the reporter) ends the trial PRUNED; any other exception
 * ends it FAIL with the exception's message, and the search goes on.
 */
@FunctionalInterface
public interface Objective {
  CvResult evaluate(Map<String, Object> params, IntermediateReporter reporter);
}
