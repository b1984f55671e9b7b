package dev.pier.experiments.stats;

import org.hipparchus.special.Gamma;

/**
 * Sample ratio mismatch: Pearson's chi-squared goodness-of-fit test of the units each arm received against the
 * configured weights (SciPy's {@code chisquare}), flagged below GrowthBook's threshold p < 0.001. A mismatch means
 * assignment or logging is broken, so a flagged experiment's results are not to be trusted and nothing automatic may
 * act on them.
 */
public record SampleRatioMismatch(double chiSquared, double pValue, boolean flagged) {

  /** GrowthBook's threshold: flag when {@code p < 0.001}. */
  public static final double THRESHOLD = 0.001;

  /** {@code units[i]} units landed in arm {@code i} whose weight is {@code weights[i]} (weights need not sum to 1). */
  public static SampleRatioMismatch test(long[] units, double[] weights) {
    if (units.length != weights.length || units.length < 2) {
      throw new IllegalArgumentException("SRM needs one unit count per weight and at least two arms");
    }
    long total = 0;
    double weightSum = 0;
    for (int i = 0; i < units.length; i++) {
      if (units[i] < 0) throw new IllegalArgumentException("unit counts must not be negative");
      if (!(weights[i] > 0)) throw new IllegalArgumentException("weights must be positive, got " + weights[i]);
      total += units[i];
      weightSum += weights[i];
    }
    if (total == 0) return new SampleRatioMismatch(0, 1, false);
    double chi2 = 0;
    for (int i = 0; i < units.length; i++) {
      double expected = weights[i] / weightSum * total;
      double d = units[i] - expected;
      chi2 += d * d / expected;
    }
    // survival function of chi-squared with k-1 degrees of freedom: Q(k/2 - 1/2, x/2), kept precise in the far tail
    double p = Gamma.regularizedGammaQ((units.length - 1) / 2.0, chi2 / 2);
    return new SampleRatioMismatch(chi2, p, p < THRESHOLD);
  }
}
