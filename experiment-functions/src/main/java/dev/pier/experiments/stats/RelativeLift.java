package dev.pier.experiments.stats;

/**
 * The delta method for the relative lift {@code (mB - mA) / mA} of two independent means: its variance is
 * {@code Var(mB)/mA² + Var(mA)·mB²/mA⁴} (the first-order Taylor expansion of the ratio, as in GrowthBook's gbstats).
 */
final class RelativeLift {

  static double point(double meanA, double meanB) {
    return (meanB - meanA) / meanA;
  }

  /** Variance of the relative lift, given the variances of the two means. */
  static double variance(double meanA, double varianceOfMeanA, double meanB, double varianceOfMeanB) {
    double a2 = meanA * meanA;
    return varianceOfMeanB / a2 + varianceOfMeanA * meanB * meanB / (a2 * a2);
  }

  private RelativeLift() {}
}
