package dev.pier.experiments.results;

import com.tdunning.math.stats.Centroid;
import com.tdunning.math.stats.TDigest;
import dev.pier.experiments.Arm;
import dev.pier.experiments.Metric;
import dev.pier.experiments.metrics.ExperimentLedger;
import dev.pier.experiments.metrics.PercentileSketches;
import dev.pier.experiments.results.ExperimentResults.ArmMetric;
import dev.pier.experiments.results.ExperimentResults.Comparison;
import dev.pier.experiments.results.ExperimentResults.MetricResult;
import java.util.ArrayList;
import java.util.List;
import org.hipparchus.distribution.continuous.NormalDistribution;

/**
 * A percentile metric's results: per arm the quantile of its events (from the arm's t-digest), and each treatment arm
 * against control. The interval of an arm's quantile is the distribution-free one of order statistics — the values at
 * ranks {@code q ± (z·√(q(1−q)/n) + ε)}, with {@code z} the normal quantile at {@code 1 − alpha/2} and {@code ε} the
 * digest's allowed rank error ({@link PercentileSketches#RANK_ERROR}) — read from the digest. The lift is treatment's
 * quantile minus control's; its intervals are the conservative ones from the two arms' intervals (absolute
 * {@code [lo_t − hi_c, hi_t − lo_c]}, relative {@code [lo_t / hi_c − 1, hi_t / lo_c − 1]}). A guardrail is breached when
 * the relative interval lies wholly on the harmful side and the estimated relative harm exceeds its
 * {@code maxRelativeHarm}, as for the other metrics. No p-value, chance to win or expected loss: these need a model
 * of the whole distribution, which a percentile guardrail deliberately does without. Events, not units, are the
 * observations (a unit's many predictions are not independent of each other, so with few units per arm the interval
 * is optimistic; arms compare fairly since units are randomized).
 */
final class PercentileComparison {

  /** Fewer events than this in an arm: no comparison (the order-statistic interval needs a few per tail). */
  static final long MIN_EVENTS = 20;

  static MetricResult metric(AnalysisPlan plan, ExperimentLedger ledger, Metric metric, String role) {
    List<Arm> arms = plan.arms();
    double z = new NormalDistribution(0, 1).inverseCumulativeProbability(1 - plan.alpha() / 2);
    double q = metric.quantile();
    List<ArmMetric> perArm = new ArrayList<>();
    double[][] bounds = new double[arms.size()][];
    for (int a = 0; a < arms.size(); a++) {
      TDigest digest = ledger.percentiles().total(metric.name(), ledger.arms().indexOf(arms.get(a).name()));
      long n = digest.size();
      perArm.add(new ArmMetric(arms.get(a).name(), n, n == 0 ? 0 : mean(digest), n == 0 ? null : digest.quantile(q)));
      if (n >= MIN_EVENTS) {
        double band = z * Math.sqrt(q * (1 - q) / n) + PercentileSketches.RANK_ERROR;
        bounds[a] = new double[] {digest.quantile(Math.max(0, q - band)), digest.quantile(q),
            digest.quantile(Math.min(1, q + band))};
      }
    }
    List<Comparison> comparisons = new ArrayList<>();
    for (int a = 1; a < arms.size(); a++) {
      comparisons.add(compare(arms.get(a).name(), metric, role, bounds[0], bounds[a]));
    }
    return new MetricResult(metric.name(), role, "percentile", false, perArm, comparisons);
  }

  private static Comparison compare(String arm, Metric metric, String role, double[] c, double[] t) {
    if (c == null || t == null) {
      return new Comparison(arm, null, null, null, null, null, null, null, null, false, null);
    }
    double lift = t[1] - c[1];
    List<Double> ci = List.of(t[0] - c[2], t[2] - c[0]);
    Double relative = c[1] > 0 ? t[1] / c[1] - 1 : null;
    List<Double> relativeCi = c[0] > 0 ? List.of(t[0] / c[2] - 1, t[2] / c[0] - 1) : null;
    boolean significant = ci.get(0) > 0 || ci.get(1) < 0;
    Boolean breached = null;
    if (role.equals("guardrail")) {
      boolean harmful = metric.higherIsBetter() ? ci.get(1) < 0 : ci.get(0) > 0;
      double harm = relative == null ? Double.POSITIVE_INFINITY : metric.higherIsBetter() ? -relative : relative;
      double allowed = metric.maxRelativeHarm() == null ? 0 : metric.maxRelativeHarm();
      // with a zero control quantile any harm is unbounded relative to it: breached once significant
      breached = harmful && harm > allowed;
    }
    return new Comparison(arm, lift, ci, relative, relativeCi, null, null, null, null, significant, breached);
  }

  /** The mean of the digested values (centroid means keep the sums exactly). */
  private static double mean(TDigest digest) {
    double sum = 0;
    long n = 0;
    for (Centroid c : digest.centroids()) {
      sum += c.mean() * c.count();
      n += c.count();
    }
    return n == 0 ? 0 : sum / n;
  }

  private PercentileComparison() {}
}
