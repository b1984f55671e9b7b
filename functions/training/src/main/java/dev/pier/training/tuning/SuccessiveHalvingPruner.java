package dev.pier.training.tuning;

import java.util.ArrayList;
import java.util.List;

/**
 * Optuna's {@code SuccessiveHalvingPruner} (asynchronous successive halving): rung {@code r} is reached at step
 * {@code minResource × reductionFactor^(minEarlyStoppingRate + r)}; a trial reaching a rung continues only if its value
 * there is within the best {@code 1 / reductionFactor} of the values every trial had at that rung (the best one while
 * fewer than {@code reductionFactor} have been there). Optuna's defaults: min_resource "auto" (0 here: the most steps a
 * complete trial reported ÷ 100, at least 1; no pruning before a trial completes), 4, 0, 0.
 *
 * <p>A trial's value at a rung is its intermediate value at the rung's step: trials report every step, so that is the
 * value Optuna records when the trial passes the rung.
 */
public record SuccessiveHalvingPruner(int minResource, int reductionFactor, int minEarlyStoppingRate,
    int bootstrapCount) implements Pruner {
  @Override
  public boolean prune(Trial trial, List<Trial> others, boolean maximize) {
    int step = trial.lastStep();
    if (step < 0) {
      return false;
    }
    long min = minResource;
    if (min <= 0) {
      int last = -1;
      for (Trial t : others) {
        if (t.state() == TrialState.COMPLETE) {
          last = Math.max(last, t.lastStep());
        }
      }
      if (last < 0) {
        return false;
      }
      min = Math.max(last / 100, 1);
    }
    double value = trial.intermediate().get(step);
    int rung = 0;
    while (promotionStep(min, rung) < step) {
      rung++;
    }
    if (promotionStep(min, rung) != step) {
      return false;
    }
    if (Double.isNaN(value)) {
      return true;
    }
    List<Double> competing = new ArrayList<>();
    for (Trial t : others) {
      Double v = t.intermediate().get(step);
      if (v != null) {
        competing.add(v);
      }
    }
    competing.add(value);
    if (competing.size() <= bootstrapCount) {
      return true;
    }
    int promotable = competing.size() / reductionFactor - 1;
    if (promotable == -1) {
      promotable = 0;
    }
    competing.sort(null);
    return maximize ? value < competing.get(competing.size() - 1 - promotable) : value > competing.get(promotable);
  }

  private long promotionStep(long min, int rung) {
    return min * (long) Math.pow(reductionFactor, minEarlyStoppingRate + rung);
  }
}
