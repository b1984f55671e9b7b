package dev.pier.training.tuning;

import dev.pier.training.CvResult;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One evaluation of one set of hyperparameters.
 *
 * @param number the trial's number in its search, from 0; it names the trial in the {@link TrialStore}
 * @param params the sampled values, by parameter name (the space's order)
 * @param value the objective (the cross-validated metric's mean) for COMPLETE, the last intermediate value for PRUNED,
 *     null otherwise
 * @param intermediate the metric after each step (boosting round) as reported while it ran
 * @param cv the cross-validation's details (per-fold scores, std, best round) for COMPLETE, else null
 * @param error why a FAIL trial failed, else null
 */
public record Trial(int number, TrialState state, Map<String, Object> params, Double value,
    SortedMap<Integer, Double> intermediate, CvResult cv, String error) {
  public Trial {
    params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    intermediate = Collections.unmodifiableSortedMap(new TreeMap<>(intermediate == null ? Map.of() : intermediate));
  }

  public static Trial running(int number, Map<String, Object> params) {
    return new Trial(number, TrialState.RUNNING, params, null, null, null, null);
  }

  public Trial complete(CvResult result, SortedMap<Integer, Double> steps) {
    return new Trial(number, TrialState.COMPLETE, params, result.mean(), steps, result, null);
  }

  public Trial pruned(SortedMap<Integer, Double> steps) {
    return new Trial(number, TrialState.PRUNED, params, steps.isEmpty() ? null : steps.get(steps.lastKey()), steps,
        null, null);
  }

  public Trial failed(String why, SortedMap<Integer, Double> steps) {
    return new Trial(number, TrialState.FAIL, params, null, steps, null, why);
  }

  /** The last reported step, or -1. */
  public int lastStep() {
    return intermediate.isEmpty() ? -1 : intermediate.lastKey();
  }
}
