package dev.pier.training.tuning;

import dev.pier.kernel.PierException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Chooses a trial's hyperparameters from the space and the finished trials so far. Deterministic: the same seed,
 * trial number and history give the same values, so a resumed search samples what the dead one would have.
 */
public sealed interface Sampler permits RandomSampler, GridSampler, TpeSampler {

  /**
   * @param history finished trials (warm-start trials first), in number order
   * @param number the new trial's number
   */
  Map<String, Object> sample(SearchSpace space, List<Trial> history, int number);

  /** How many trials this sampler can give at most (a grid's size), or {@link Integer#MAX_VALUE}. */
  default int capacity() {
    return Integer.MAX_VALUE;
  }

  /** The random stream of trial {@code number}: {@link Random}'s sequence is fixed by its specification. */
  static Random rng(long seed, int number) {
    return new Random(seed ^ (0x9E3779B97F4A7C15L * (number + 1)));
  }

  /** The sampler for {@code tuning.strategy}: random, grid, tpe (hyperband and successive_halving sample randomly). */
  static Sampler of(String strategy, SearchSpace space, boolean maximize, long seed) {
    String s = strategy == null ? "tpe" : strategy.toLowerCase(Locale.ROOT);
    return switch (s) {
      case "random", "hyperband", "successive_halving" -> new RandomSampler(seed);
      case "grid" -> new GridSampler(space, seed);
      case "tpe" -> new TpeSampler(seed, maximize);
      default -> throw PierException.badRequest("unknown tuning.strategy '" + strategy
          + "': random, grid, tpe, hyperband or successive_halving");
    };
  }
}
