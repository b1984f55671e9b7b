package dev.pier.training.jobs;

import java.util.List;
import java.util.Map;

/**
 * Proposes a job's next trials from the finished ones: one trial of the job's params without tuning, else the
 * tuning strategy (random, grid, TPE, Hyperband) of the training library. Deterministic for a seed and history, so a
 * resumed job proposes what it would have.
 */
public interface SearchStrategy {
  /**
   * Up to {@code count} params to try next (the job's base params already merged in); fewer, or none, when the
   * search is done (a grid exhausted, early stopping of the whole search).
   */
  List<Map<String, Object>> suggest(int count, List<TrialRecord> history);

  /** Whether to stop {@code running} after the steps it reported so far (the pruner), given the other trials. */
  default boolean prune(TrialRecord running, java.util.SortedMap<Integer, Double> steps, List<TrialRecord> others) {
    return false;
  }

  /** No tuning: the job's params, once. */
  static SearchStrategy single(Map<String, Object> params) {
    return (count, history) -> history.isEmpty() && count > 0 ? List.of(params) : List.of();
  }
}
