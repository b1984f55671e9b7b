package dev.pier.experiments.stats;

/**
 * The two-proportion z-test for a binary metric. The test statistic uses the pooled variance (under the null both arms
 * share one rate), the intervals use each arm's own variance: {@code p(1-p)/n}. The relative interval comes from the
 * delta method ({@link RelativeLift}).
 */
public final class TwoProportionZTest {

  private final double alpha;
  private final double z;

  /** A test at significance level {@code alpha} (two-sided intervals of coverage {@code 1 - alpha}). */
  public TwoProportionZTest(double alpha) {
    Checks.level("alpha", alpha);
    this.alpha = alpha;
    this.z = Normal.quantile(1 - alpha / 2);
  }

  public double alpha() {
    return alpha;
  }

  /** Control had {@code successesA} of {@code nA} units, treatment {@code successesB} of {@code nB}. */
  public Lift compare(long nA, long successesA, long nB, long successesB) {
    Checks.counts(nA, successesA);
    Checks.counts(nB, successesB);
    double pA = (double) successesA / nA, pB = (double) successesB / nB;
    double diff = pB - pA;
    double pooled = (double) (successesA + successesB) / (nA + nB);
    double se0 = Math.sqrt(pooled * (1 - pooled) * (1.0 / nA + 1.0 / nB));
    double pValue = se0 == 0 ? (diff == 0 ? 1 : 0) : 2 * Normal.survival(Math.abs(diff) / se0);
    double varA = pA * (1 - pA) / nA, varB = pB * (1 - pB) / nB;
    double half = z * Math.sqrt(varA + varB);
    Interval absolute = new Interval(diff - half, diff + half);
    if (pA == 0) return new Lift(diff, absolute, Double.NaN, new Interval(Double.NaN, Double.NaN), pValue);
    double relative = RelativeLift.point(pA, pB);
    double relHalf = z * Math.sqrt(RelativeLift.variance(pA, varA, pB, varB));
    return new Lift(diff, absolute, relative, new Interval(relative - relHalf, relative + relHalf), pValue);
  }
}
