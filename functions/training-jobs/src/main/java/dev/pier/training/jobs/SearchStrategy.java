package dev.pier.training.jobs;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Proposes a job's next trials from the finished ones: one trial of the job's params without tuning, else the
 * tuning strategy (random, grid, TPE, Hyperband) of the training library. It learns incrementally: the worker hands it
 * each finished trial once, in number order ({@link #observe}), between batches, so a step never re-reads the trials
 * it has seen. Deterministic for a seed and history, so a resumed job (whose strategy is rebuilt from the stored
 * trials) proposes what it would have.
 */
public interface SearchStrategy {
  /** Learns from a finished trial; called once per trial, in number order, while no trial of the job runs. */
  default void observe(TrialRecord finished) {}

  /**
   * Up to {@code count} params to try next, numbered from {@code next} (the job's base params already merged in);
   * fewer, or none, when the search is done (a grid exhausted, early stopping of the whole search).
   */
  List<Map<String, Object>> suggest(int count, int next);

  /** Whether to stop {@code running} after the steps it reported so far (the pruner), given the observed trials. */
  default boolean prune(TrialRecord running, SortedMap<Integer, Double> steps) {
    return false;
  }

  /** Whether {@link #prune} may ever stop a trial (the search has a pruner): SageMaker trials are then watched. */
  default boolean prunes() {
    return false;
  }

  /** No tuning: the job's params, once. */
  static SearchStrategy single(Map<String, Object> params) {
    return (count, next) -> next == 0 && count > 0 ? List.of(params) : List.of();
  }
}
