package dev.pier.experiments.stats;

/**
 * CUPED variance reduction (Deng et al. 2013): each unit's metric {@code y} is adjusted by its pre-exposure value
 * {@code x} of the same metric, {@code y' = y - θ(x - x̄)}, with one {@code θ = Cov(x, y) / Var(x)} pooled within
 * arms over both arms and {@code x̄} the mean over both arms. Because exposure is random, {@code x} does not differ
 * between arms in expectation, so the lift estimate stays unbiased while its variance shrinks by the factor
 * {@code 1 - ρ²(x, y)}. Computed from {@link MetricSums} only: per arm {@code mean' = ȳ - θ(x̄_arm - x̄)} and
 * {@code Var(y') = Var(y) - 2θ Cov(x, y) + θ² Var(x)}.
 */
public final class Cuped {

  /** The adjusted estimates of control and treatment, and the θ used. */
  public record Adjusted(Estimate control, Estimate treatment, double theta) {}

  /** Adjusts both arms; without covariate variance ({@code Var(x) = 0}) it returns the plain estimates, θ = 0. */
  public static Adjusted adjust(MetricSums a, MetricSums b) {
    double sxx = a.varianceX() * (a.n() - 1) + b.varianceX() * (b.n() - 1);
    double sxy = a.covarianceXY() * (a.n() - 1) + b.covarianceXY() * (b.n() - 1);
    if (!(sxx > 0)) return new Adjusted(a.estimate(), b.estimate(), 0);
    double theta = sxy / sxx;
    double grandX = (a.sumX() + b.sumX()) / (a.n() + b.n());
    return new Adjusted(adjusted(a, theta, grandX), adjusted(b, theta, grandX), theta);
  }

  private static Estimate adjusted(MetricSums s, double theta, double grandX) {
    double mean = s.mean() - theta * (s.meanX() - grandX);
    double variance = s.variance() - 2 * theta * s.covarianceXY() + theta * theta * s.varianceX();
    return new Estimate(s.n(), mean, Math.max(0, variance));
  }

  private Cuped() {}
}
