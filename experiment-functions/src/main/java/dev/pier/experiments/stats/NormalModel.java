package dev.pier.experiments.stats;

/**
 * Bayesian analysis of a continuous metric: with GrowthBook's default (improper, flat) prior on the effect, the
 * posterior of the difference of means is {@code N(d, se²)} with {@code d = mB - mA} and
 * {@code se² = vA/nA + vB/nB}. For {@code δ ~ N(μ, σ²)}: chance to win {@code = Φ(μ/σ)}, expected loss of shipping
 * treatment {@code = E[max(-δ, 0)] = σφ(μ/σ) - μΦ(-μ/σ)} and of keeping control {@code = σφ(μ/σ) + μΦ(μ/σ)}.
 */
public final class NormalModel {

  public static final NormalModel DEFAULT = new NormalModel(0.05);

  private final double z;

  public NormalModel(double alpha) {
    Checks.level("alpha", alpha);
    this.z = Normal.quantile(1 - alpha / 2);
  }

  public Bayesian compare(Estimate a, Estimate b) {
    double mu = b.mean() - a.mean();
    double sigma = Math.sqrt(a.varianceOfMean() + b.varianceOfMean());
    if (sigma == 0) {
      double chance = mu > 0 ? 1 : mu < 0 ? 0 : 0.5;
      return new Bayesian(chance, Math.max(-mu, 0), Math.max(mu, 0), new Interval(mu, mu));
    }
    double r = mu / sigma;
    double phi = Normal.density(r);
    double lossB = sigma * phi - mu * Normal.STANDARD.cumulativeProbability(-r);
    double lossA = sigma * phi + mu * Normal.STANDARD.cumulativeProbability(r);
    return new Bayesian(Normal.STANDARD.cumulativeProbability(r), lossB, lossA,
        new Interval(mu - z * sigma, mu + z * sigma));
  }
}
