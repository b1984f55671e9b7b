package dev.pier.experiments.stats;

/**
 * One arm's estimate of a metric's per-unit mean: {@code n} units, their {@code mean} and the per-unit sample
 * {@code variance} (denominator {@code n - 1}). The variance of the mean is {@code variance / n}.
 */
public record Estimate(long n, double mean, double variance) {

  public Estimate {
    if (n < 0) throw new IllegalArgumentException("n must not be negative, got " + n);
    if (variance < 0 && variance > -1e-12) variance = 0; // rounding in sums of squares, never a real negative
    if (variance < 0) throw new IllegalArgumentException("variance must not be negative, got " + variance);
  }

  /**
   * A binary metric's estimate: {@code successes} of {@code n} units. Its variance is the Bernoulli {@code p(1-p)}
   * (not the {@code n-1} sample variance), as the z-test and GrowthBook's proportion statistic use it.
   */
  public static Estimate binary(long n, long successes) {
    Checks.counts(n, successes);
    double p = (double) successes / n;
    return new Estimate(n, p, p * (1 - p));
  }

  /** Variance of the mean, {@code variance / n}. */
  public double varianceOfMean() {
    return variance / n;
  }
}
