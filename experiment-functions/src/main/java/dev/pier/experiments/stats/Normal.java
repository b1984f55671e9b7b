package dev.pier.experiments.stats;

import org.hipparchus.distribution.continuous.NormalDistribution;

/** The standard normal distribution (Hipparchus), shared: it is immutable and its methods are thread-safe. */
final class Normal {

  static final NormalDistribution STANDARD = new NormalDistribution(0, 1);

  /** {@code P(Z > z)}, computed as {@code Φ(-z)} so tiny tail probabilities keep their digits. */
  static double survival(double z) {
    return STANDARD.cumulativeProbability(-z);
  }

  static double quantile(double p) {
    return STANDARD.inverseCumulativeProbability(p);
  }

  static double density(double z) {
    return STANDARD.density(z);
  }

  private Normal() {}
}
