package dev.pier.training.tuning;

import java.util.List;

/**
 * Optuna's {@code MedianPruner}: once {@code nStartupTrials} trials are complete, a trial is pruned at a step (past
 * {@code nWarmupSteps}, every {@code intervalSteps}) when its best value so far is worse than the median of the
 * complete trials' values at that step (given at least {@code nMinTrials} of them reported it). Optuna's defaults:
 * 5, 0, 1, 1.
 */
public record MedianPruner(int nStartupTrials, int nWarmupSteps, int intervalSteps, int nMinTrials)
    implements Pruner {
  @Override
  public boolean prune(Trial trial, List<Trial> others, boolean maximize) {
    List<Trial> completed = others.stream().filter(t -> t.state() == TrialState.COMPLETE).toList();
    if (completed.isEmpty() || completed.size() < nStartupTrials) {
      return false;
    }
    int step = trial.lastStep();
    if (step < 0 || step < nWarmupSteps) {
      return false;
    }
    int nearestLower = (step - nWarmupSteps) / intervalSteps * intervalSteps + nWarmupSteps;
    int secondLast = -1;
    for (int s : trial.intermediate().keySet()) {
      if (s > secondLast && s != step) {
        secondLast = s;
      }
    }
    if (secondLast >= nearestLower) {
      return false;
    }
    double best = Double.NaN;
    for (double v : trial.intermediate().values()) {
      if (!Double.isNaN(v) && (Double.isNaN(best) || (maximize ? v > best : v < best))) {
        best = v;
      }
    }
    if (Double.isNaN(best)) {
      return true;
    }
    double[] atStep = completed.stream().map(t -> t.intermediate().get(step))
        .filter(v -> v != null && !Double.isNaN(v)).mapToDouble(Double::doubleValue).sorted().toArray();
    if (atStep.length < nMinTrials || atStep.length == 0) {
      return false;
    }
    double median = percentile(atStep, 50);
    return maximize ? best < median : best > median;
  }

  /** numpy's default (linear) percentile of sorted values. */
  static double percentile(double[] sorted, double p) {
    double rank = p / 100 * (sorted.length - 1);
    int lo = (int) Math.floor(rank);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
  }
}
