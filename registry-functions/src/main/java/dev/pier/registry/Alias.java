package dev.pier.registry;

import java.time.Instant;

/**
 * A movable name (such as {@code production}) pointing at one version of a model, optionally sending a share of
 * its traffic to a canary version.
 *
 * @param canary null when all traffic goes to {@code version}
 * @param revision how many times the alias has changed; the history holds one entry per revision
 */
public record Alias(String model, String name, int version, Canary canary, long revision, Instant updatedAt) {

  /** The target alone, for comparisons and rollbacks. */
  public Target target() {
    return new Target(version, canary);
  }

  /** Where an alias sends traffic. */
  public record Target(int version, Canary canary) {}
}
