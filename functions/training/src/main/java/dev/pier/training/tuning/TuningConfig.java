package dev.pier.training.tuning;

import dev.pier.kernel.PierException;
import java.util.List;

/**
 * How a search runs.
 *
 * @param studyName the search's name (the job's id): Hyperband's bracket hash uses it
 * @param maxTrials how many trials the search runs in all, a resumed search's earlier ones included (warm-start
 *     trials do not count)
 * @param parallel how many trials run at once (each with the trainer's threads)
 * @param patience stop starting trials once this many complete trials in a row have not improved the best (0 = never)
 * @param target stop starting trials once the best reaches this value (null = never)
 * @param warmStart finished trials of an earlier search over a compatible space: the sampler and pruner learn from
 *     those whose params lie in this space; they are not run, stored or counted
 */
public record TuningConfig(String studyName, SearchSpace space, Sampler sampler, Pruner pruner, boolean maximize,
    int maxTrials, int parallel, int patience, Double target, List<Trial> warmStart) {
  public TuningConfig {
    if (maxTrials < 1) {
      throw PierException.badRequest("tuning.max_trials must be at least 1, not " + maxTrials);
    }
    if (parallel < 1) {
      throw PierException.badRequest("tuning.parallel must be at least 1, not " + parallel);
    }
    if (patience < 0) {
      throw PierException.badRequest("tuning.early_stopping.patience must not be negative");
    }
    warmStart = warmStart == null ? List.of()
        : warmStart.stream().filter(t -> (t.state() == TrialState.COMPLETE || t.state() == TrialState.PRUNED)
            && space.admits(t.params())).toList();
  }
}
