package dev.pier.experiments.stats;

import java.util.SplittableRandom;
import org.hipparchus.distribution.discrete.BinomialDistribution;

/**
 * Simulated experiments on a binary metric, the evidence that the tests keep their promises: false positive rates of
 * A/A experiments (one look at the end, a naive z-test at every daily look, the sequential test at every daily look)
 * and the power of the fixed-horizon test at a designed sample size. Deterministic for a given seed
 * ({@link SplittableRandom}'s SplitMix64 is specified, so the same seed gives the same answer on every JDK).
 * The unit tests run a small simulation; {@code ./pier bench experiments} runs the 10,000-experiment ones.
 */
public final class Simulation {

  /** What fraction of A/A experiments each procedure declared significant. */
  public record FalsePositives(int experiments, int looks, double fixedHorizon, double naivePeeking,
                               double sequentialPeeking) {}

  private Simulation() {}

  /**
   * {@code experiments} A/A experiments of {@code days} days, each day adding {@code unitsPerArmPerDay} units per arm
   * whose conversion rate is {@code rate} in both arms.
   */
  public static FalsePositives aa(long seed, int experiments, int days, int unitsPerArmPerDay, double rate,
                                  double alpha) {
    var rng = new SplittableRandom(seed);
    var z = new TwoProportionZTest(alpha);
    var sequential = new SequentialTest(alpha);
    int fixed = 0, naive = 0, seq = 0;
    for (int e = 0; e < experiments; e++) {
      long n = 0, xa = 0, xb = 0;
      boolean naiveHit = false, seqHit = false;
      Lift last = null;
      for (int d = 0; d < days; d++) {
        n += unitsPerArmPerDay;
        xa += binomial(rng, unitsPerArmPerDay, rate);
        xb += binomial(rng, unitsPerArmPerDay, rate);
        last = z.compare(n, xa, n, xb);
        naiveHit |= last.pValue() < alpha;
        seqHit |= sequential.compare(Estimate.binary(n, xa), Estimate.binary(n, xb)).pValue() < alpha;
      }
      if (last.pValue() < alpha) fixed++;
      if (naiveHit) naive++;
      if (seqHit) seq++;
    }
    return new FalsePositives(experiments, days, (double) fixed / experiments, (double) naive / experiments,
        (double) seq / experiments);
  }

  /**
   * Fraction of {@code experiments} A/B experiments with {@code nPerArm} units per arm, control rate
   * {@code baseline} and treatment rate {@code baseline (1 + relativeLift)}, that the fixed-horizon z-test detects.
   */
  public static double power(long seed, int experiments, long nPerArm, double baseline, double relativeLift,
                             double alpha) {
    var rng = new SplittableRandom(seed);
    var z = new TwoProportionZTest(alpha);
    double treated = baseline * (1 + relativeLift);
    int detected = 0;
    for (int e = 0; e < experiments; e++) {
      long xa = binomial(rng, nPerArm, baseline), xb = binomial(rng, nPerArm, treated);
      Lift lift = z.compare(nPerArm, xa, nPerArm, xb);
      if (lift.pValue() < alpha && Math.signum(lift.absolute()) == Math.signum(relativeLift)) detected++;
    }
    return (double) detected / experiments;
  }

  /** A Binomial(n, p) draw: Bernoulli trials for small n, Hipparchus' inverse CDF for large n. */
  static long binomial(SplittableRandom rng, long n, double p) {
    if (n <= 2_000) {
      long x = 0;
      for (long i = 0; i < n; i++) if (rng.nextDouble() < p) x++;
      return x;
    }
    if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("n too large: " + n);
    return new BinomialDistribution((int) n, p).inverseCumulativeProbability(rng.nextDouble());
  }
}
