package dev.pier.experiments.stats;

/**
 * Units per arm a two-arm, equal-split, two-sided test needs to detect a relative lift of {@code mde} with probability
 * {@code power} at level {@code alpha} (the closed forms of Fleiss et al., "Statistical Methods for Rates and
 * Proportions", for binary metrics, and the normal approximation for continuous ones).
 */
public final class SampleSize {

  /**
   * Binary metric with baseline rate {@code p1} and {@code p2 = p1 (1 + mde)}:
   * {@code n = (z_{1-α/2} sqrt(2 p̄ (1 - p̄)) + z_{power} sqrt(p1 (1 - p1) + p2 (1 - p2)))² / (p2 - p1)²},
   * {@code p̄ = (p1 + p2) / 2}, rounded up.
   */
  public static long binary(double alpha, double power, double mde, double baseline) {
    check(alpha, power, mde);
    Checks.level("baseline", baseline);
    double p1 = baseline, p2 = baseline * (1 + mde);
    if (!(p2 > 0 && p2 < 1)) throw new IllegalArgumentException("baseline * (1 + mde) must lie in (0, 1), got " + p2);
    double pBar = (p1 + p2) / 2;
    double za = Normal.quantile(1 - alpha / 2), zb = Normal.quantile(power);
    double root = za * Math.sqrt(2 * pBar * (1 - pBar)) + zb * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
    return (long) Math.ceil(root * root / ((p2 - p1) * (p2 - p1)));
  }

  /**
   * Continuous metric with baseline mean {@code mean} and per-unit standard deviation {@code sd}:
   * {@code n = 2 (z_{1-α/2} + z_{power})² sd² / (mde · mean)²}, rounded up.
   */
  public static long continuous(double alpha, double power, double mde, double mean, double sd) {
    check(alpha, power, mde);
    if (mean == 0) throw new IllegalArgumentException("a relative mde needs a non-zero baseline mean");
    if (!(sd > 0)) throw new IllegalArgumentException("the baseline standard deviation must be positive, got " + sd);
    double za = Normal.quantile(1 - alpha / 2), zb = Normal.quantile(power);
    double delta = mde * mean;
    return (long) Math.ceil(2 * (za + zb) * (za + zb) * sd * sd / (delta * delta));
  }

  private static void check(double alpha, double power, double mde) {
    Checks.level("alpha", alpha);
    Checks.level("power", power);
    if (!(mde != 0 && Double.isFinite(mde))) throw new IllegalArgumentException("mde must be non-zero, got " + mde);
  }

  private SampleSize() {}
}
