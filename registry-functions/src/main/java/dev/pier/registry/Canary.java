package dev.pier.registry;

import dev.pier.kernel.PierException;

/** A share of an alias's traffic sent to another version: {@code weight} in (0, 1). */
public record Canary(int version, double weight) {
  public Canary {
    if (version < 1) {
      throw PierException.badRequest("canary.version must be a positive integer, got " + version);
    }
    if (!(weight > 0 && weight < 1)) {
      throw PierException.badRequest("canary.weight must be between 0 and 1 (exclusive), got " + weight);
    }
  }
}
