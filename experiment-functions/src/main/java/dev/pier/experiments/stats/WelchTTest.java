package dev.pier.experiments.stats;

import org.hipparchus.distribution.continuous.TDistribution;

/**
 * Welch's unequal-variances t-test for a continuous metric, with the Welch–Satterthwaite degrees of freedom; matches
 * SciPy's {@code ttest_ind(a, b, equal_var=False)}. The relative interval (delta method) uses the same t quantile.
 */
public final class WelchTTest {

  private final double alpha;

  public WelchTTest(double alpha) {
    Checks.level("alpha", alpha);
    this.alpha = alpha;
  }

  public double alpha() {
    return alpha;
  }

  /** Control {@code a} against treatment {@code b}; each needs at least two units. */
  public Lift compare(Estimate a, Estimate b) {
    if (a.n() < 2 || b.n() < 2) throw new IllegalArgumentException("Welch's t-test needs at least two units per arm");
    double va = a.varianceOfMean(), vb = b.varianceOfMean();
    double se2 = va + vb;
    double diff = b.mean() - a.mean();
    if (se2 == 0) {
      Interval point = new Interval(diff, diff);
      return new Lift(diff, point, a.mean() == 0 ? Double.NaN : diff / a.mean(), point, diff == 0 ? 1 : 0);
    }
    double df = se2 * se2 / (va * va / (a.n() - 1) + vb * vb / (b.n() - 1));
    TDistribution t = new TDistribution(df);
    double stat = diff / Math.sqrt(se2);
    double pValue = 2 * t.cumulativeProbability(-Math.abs(stat));
    double q = t.inverseCumulativeProbability(1 - alpha / 2);
    double half = q * Math.sqrt(se2);
    Interval absolute = new Interval(diff - half, diff + half);
    if (a.mean() == 0) return new Lift(diff, absolute, Double.NaN, new Interval(Double.NaN, Double.NaN), pValue);
    double relative = RelativeLift.point(a.mean(), b.mean());
    double relHalf = q * Math.sqrt(RelativeLift.variance(a.mean(), va, b.mean(), vb));
    return new Lift(diff, absolute, relative, new Interval(relative - relHalf, relative + relHalf), pValue);
  }
}
