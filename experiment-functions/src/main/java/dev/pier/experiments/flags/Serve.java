package dev.pier.experiments.flags;

import java.util.List;

/**
 * What a rule (or the default) serves: one {@code variant}, or a percentage {@code rollout} over variants placed by
 * the unit's hash under the flag's seed, as experiment arms are.
 */
public record Serve(String variant, List<Split> rollout) {

  /** A variant's share of a rollout. */
  public record Split(String variant, double weight) {}
}
