package dev.pier.experiments.stats;

/**
 * Always-valid p-values and confidence sequences, so results may be looked at every hour without inflating the false
 * positive rate: the normal-mixture sequential probability ratio test in the asymptotic form of Waudby-Smith et al.
 * (2023, "Time-uniform central limit theory and asymptotic confidence sequences", arXiv:2103.06476), as GrowthBook
 * runs it.
 *
 * <p>With {@code n = nA + nB} units in all, estimate {@code d} and its standard error {@code se}, the per-unit variance
 * is {@code s² = se²·n} and the mixing parameter {@code ρ = sqrt((-2 ln α + ln(-2 ln α + 1)) / N)} (eq. 161), where
 * the tuning constant {@code N} (default 5,000, GrowthBook's) is the total sample size at which the sequence is
 * narrowest. Then
 * <ul>
 *   <li>half-width {@code = s · sqrt(2 (nρ² + 1) ln(sqrt(nρ² + 1) / α) / (nρ)²)} (eq. 9);
 *   <li>p-value {@code = min(1, sqrt(nρ² + 1) · exp(-ρ² n d² / (2 se² (nρ² + 1))))}, the reciprocal of the mixture
 *       martingale (eq. 155), so {@code p < α} exactly when the sequence excludes zero.
 * </ul>
 * The relative lift's sequence uses the delta-method standard error in the same formulas.
 */
public final class SequentialTest {

  /** GrowthBook's default tuning constant: the sequence is tightest near 5,000 units in all. */
  public static final double DEFAULT_TUNING = 5_000;

  private final double alpha;
  private final double tuning;
  private final double rho2;

  public SequentialTest(double alpha) {
    this(alpha, DEFAULT_TUNING);
  }

  public SequentialTest(double alpha, double tuning) {
    Checks.level("alpha", alpha);
    if (!(tuning > 0)) throw new IllegalArgumentException("the tuning constant must be positive, got " + tuning);
    this.alpha = alpha;
    this.tuning = tuning;
    double logAlpha = Math.log(alpha);
    this.rho2 = (-2 * logAlpha + Math.log(-2 * logAlpha + 1)) / tuning;
  }

  public double alpha() {
    return alpha;
  }

  public double tuning() {
    return tuning;
  }

  /** The mixing parameter ρ. */
  public double rho() {
    return Math.sqrt(rho2);
  }

  /** Control {@code a} against treatment {@code b} (use {@link Estimate#binary} for binary metrics). */
  public Lift compare(Estimate a, Estimate b) {
    long n = a.n() + b.n();
    double va = a.varianceOfMean(), vb = b.varianceOfMean();
    double diff = b.mean() - a.mean();
    double se2 = va + vb;
    Interval absolute = around(diff, se2, n);
    double pValue = pValue(diff, se2, n);
    if (a.mean() == 0) return new Lift(diff, absolute, Double.NaN, new Interval(Double.NaN, Double.NaN), pValue);
    double relative = RelativeLift.point(a.mean(), b.mean());
    return new Lift(diff, absolute, relative,
        around(relative, RelativeLift.variance(a.mean(), va, b.mean(), vb), n), pValue);
  }

  /** Half-width of the confidence sequence for an estimate whose variance is {@code se2}, at {@code n} units. */
  public double halfWidth(double se2, long n) {
    double nr2 = n * rho2;
    return Math.sqrt(se2 * n) * Math.sqrt(2 * (nr2 + 1) * Math.log(Math.sqrt(nr2 + 1) / alpha) / ((double) n * n * rho2));
  }

  /** Always-valid two-sided p-value of "the difference is zero". */
  public double pValue(double estimate, double se2, long n) {
    if (se2 == 0) return estimate == 0 ? 1 : 0;
    double nr2 = n * rho2;
    double st2 = estimate * estimate * n / se2;
    // log of the mixture martingale; exp of its negative is the p-value (kept in logs: it overflows for big effects)
    double logE = rho2 * st2 / (2 * (nr2 + 1)) - 0.5 * Math.log(nr2 + 1);
    return Math.min(1, Math.exp(-logE));
  }

  private Interval around(double estimate, double se2, long n) {
    double half = halfWidth(se2, n);
    return new Interval(estimate - half, estimate + half);
  }
}
