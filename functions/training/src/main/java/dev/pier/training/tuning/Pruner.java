package dev.pier.training.tuning;

import dev.pier.kernel.PierException;
import java.util.List;
import java.util.Locale;

/**
 * Decides from a running trial's intermediate values (the cross-validated metric after each boosting round) whether
 * to stop it, as Optuna's pruners do. Stateless: everything it needs is in the trials it is shown.
 */
public sealed interface Pruner permits Pruner.None, MedianPruner, SuccessiveHalvingPruner, HyperbandPruner {

  /**
   * @param trial the running trial, its intermediate values so far (the last is the step just reported)
   * @param others every other trial of the search: finished ones, warm-start ones, and running ones with their values
   *     so far
   */
  boolean prune(Trial trial, List<Trial> others, boolean maximize);

  /** Never prunes. */
  record None() implements Pruner {
    @Override
    public boolean prune(Trial trial, List<Trial> others, boolean maximize) {
      return false;
    }
  }

  /**
   * The pruner for {@code tuning.pruner} ({@code none}, {@code median}, {@code successive_halving},
   * {@code hyperband}); strategies {@code hyperband} and {@code successive_halving} imply theirs.
   *
   * @param maxResource the most steps a trial reports (num_round)
   * @param studyName the search's name (Hyperband assigns trials to brackets by a hash of it and the trial number)
   */
  static Pruner of(String pruner, String strategy, int maxResource, String studyName) {
    String s = strategy == null ? "" : strategy.toLowerCase(Locale.ROOT);
    String p = pruner != null ? pruner.toLowerCase(Locale.ROOT)
        : s.equals("hyperband") || s.equals("successive_halving") ? s : "none";
    return switch (p) {
      case "none" -> new None();
      case "median" -> new MedianPruner(5, 0, 1, 1);
      case "successive_halving" -> new SuccessiveHalvingPruner(0, 4, 0, 0);
      case "hyperband" -> HyperbandPruner.of(1, maxResource, 3, studyName);
      default -> throw PierException.badRequest("unknown tuning.pruner '" + pruner
          + "': none, median, successive_halving or hyperband");
    };
  }
}
