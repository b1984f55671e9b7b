package dev.pier.experiments.results;

import dev.pier.experiments.Analysis;
import dev.pier.experiments.Arm;
import dev.pier.experiments.Metric;
import dev.pier.experiments.metrics.DailySnapshot;
import dev.pier.experiments.metrics.ExperimentLedger;
import dev.pier.experiments.metrics.MetricType;
import dev.pier.experiments.metrics.Snapshot;
import dev.pier.experiments.results.ExperimentResults.ArmMetric;
import dev.pier.experiments.results.ExperimentResults.ArmUnits;
import dev.pier.experiments.results.ExperimentResults.Comparison;
import dev.pier.experiments.results.ExperimentResults.MetricResult;
import dev.pier.experiments.results.ExperimentResults.SeriesPoint;
import dev.pier.experiments.stats.Bayesian;
import dev.pier.experiments.stats.BetaBinomialModel;
import dev.pier.experiments.stats.Cuped;
import dev.pier.experiments.stats.Estimate;
import dev.pier.experiments.stats.Interval;
import dev.pier.experiments.stats.Lift;
import dev.pier.experiments.stats.MetricSums;
import dev.pier.experiments.stats.MultipleComparisons;
import dev.pier.experiments.stats.NormalModel;
import dev.pier.experiments.stats.SampleRatioMismatch;
import dev.pier.experiments.stats.SequentialTest;
import dev.pier.experiments.stats.TwoProportionZTest;
import dev.pier.experiments.stats.WelchTTest;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns an experiment's aggregates into results: per metric and treatment arm the lift and its interval from the
 * plan's analysis, p-value, chance to win and expected loss, CUPED where the units have pre-exposure data, Holm or
 * Benjamini–Hochberg across secondary metrics, guardrail breaches, SRM and the day-by-day series. Costs
 * O(arms × metrics + days): it reads sums, never events.
 *
 * <p>Methods: binary metrics without CUPED use the two-proportion z-test and the Beta-Binomial model; continuous
 * metrics, and any metric adjusted by CUPED, use Welch's t-test and the normal model. A sequential analysis replaces
 * the fixed-horizon p-value and intervals by always-valid ones; a Bayesian analysis reports the credible interval as
 * {@code ci} (the relative interval stays the delta-method one). A guardrail is breached when its harm is significant
 * (the interval lies wholly on the harmful side) and the estimated relative harm exceeds its {@code maxRelativeHarm}.
 */
public final class ResultsCalculator {

  public ExperimentResults compute(AnalysisPlan plan, ExperimentLedger ledger) {
    Snapshot now = ledger.snapshot();
    List<Arm> arms = plan.arms();
    List<ArmUnits> units = new ArrayList<>();
    long[] counts = new long[arms.size()];
    double[] weights = new double[arms.size()];
    for (int i = 0; i < arms.size(); i++) {
      counts[i] = now.units(arms.get(i).name());
      weights[i] = arms.get(i).weight();
      units.add(new ArmUnits(arms.get(i).name(), counts[i], weights[i]));
    }
    SampleRatioMismatch srm = SampleRatioMismatch.test(counts, weights);

    List<MetricResult> metrics = new ArrayList<>();
    metrics.add(metric(plan, now, plan.primary(), "primary"));
    for (Metric m : plan.secondary()) {
      metrics.add(m.percentile() ? PercentileComparison.metric(plan, ledger, m, "secondary")
          : metric(plan, now, m, "secondary"));
    }
    for (Metric m : plan.guardrails()) {
      metrics.add(m.percentile() ? PercentileComparison.metric(plan, ledger, m, "guardrail")
          : metric(plan, now, m, "guardrail"));
    }
    metrics = corrected(plan, metrics);

    List<SeriesPoint> series = new ArrayList<>();
    for (DailySnapshot day : ledger.daily()) series.add(point(plan, day));

    ExperimentLedger.Counts c = now.counts();
    return new ExperimentResults(plan.analysis().name().toLowerCase(), units,
        new ExperimentResults.Srm(srm.chiSquared(), srm.pValue(), srm.flagged()), metrics, series,
        new ExperimentResults.Events(c.countedEvents(), c.covariateEvents(), c.heldBeforeExposure(),
            c.droppedEvents(), c.multipleExposures()), holdout(plan, now));
  }

  /** The held-out units against every arm's units pooled, per metric; null when the ledger has no held-out unit. */
  private ExperimentResults.HoldoutResult holdout(AnalysisPlan plan, Snapshot s) {
    if (!s.arms().contains(dev.pier.experiments.Holdout.ARM)) return null;
    long units = s.units(dev.pier.experiments.Holdout.ARM);
    if (units == 0) return null;
    List<ExperimentResults.HoldoutMetric> out = new ArrayList<>();
    List<String> roles = new ArrayList<>();
    List<Metric> metrics = new ArrayList<>();
    metrics.add(plan.primary());
    roles.add("primary");
    for (Metric m : plan.secondary()) {
      metrics.add(m);
      roles.add("secondary");
    }
    for (Metric m : plan.guardrails()) {
      metrics.add(m);
      roles.add("guardrail");
    }
    for (int i = metrics.size() - 1; i >= 0; i--) {
      if (metrics.get(i).percentile()) { // per event, not per unit: no pooled comparison of units
        metrics.remove(i);
        roles.remove(i);
      }
    }
    for (int i = 0; i < metrics.size(); i++) {
      Metric m = metrics.get(i);
      MetricSums held = s.sums(dev.pier.experiments.Holdout.ARM, m.name());
      MetricSums pooled = MetricSums.EMPTY;
      for (Arm arm : plan.arms()) pooled = pooled.plus(s.sums(arm.name(), m.name()));
      Comparison exposed = compare(plan, m, held, pooled).comparison("all arms", m, "holdout", plan.alpha());
      out.add(new ExperimentResults.HoldoutMetric(m.name(), roles.get(i), held.n(), held.mean(), exposed));
    }
    return new ExperimentResults.HoldoutResult(units, out);
  }

  private MetricResult metric(AnalysisPlan plan, Snapshot s, Metric metric, String role) {
    List<Arm> arms = plan.arms();
    MetricSums control = s.sums(arms.get(0).name(), metric.name());
    List<ArmMetric> perArm = new ArrayList<>();
    for (Arm arm : arms) {
      MetricSums sums = s.sums(arm.name(), metric.name());
      perArm.add(new ArmMetric(arm.name(), sums.n(), sums.mean()));
    }
    List<Comparison> comparisons = new ArrayList<>();
    boolean anyCuped = false;
    for (Arm arm : arms.subList(1, arms.size())) {
      MetricSums treatment = s.sums(arm.name(), metric.name());
      Compared compared = compare(plan, metric, control, treatment);
      anyCuped |= compared.cuped;
      comparisons.add(compared.comparison(arm.name(), metric, role, plan.alpha()));
    }
    return new MetricResult(metric.name(), role, metric.type().name().toLowerCase(), anyCuped, perArm, comparisons);
  }

  /** The raw numbers of one comparison, before they are oriented by the metric's direction. */
  private record Compared(Lift lift, Interval ci, Bayesian bayes, boolean cuped) {

    Comparison comparison(String arm, Metric metric, String role, double alpha) {
      if (lift == null) return new Comparison(arm, null, null, null, null, null, null, null, null, false, null);
      double chance = metric.higherIsBetter() ? bayes.chanceToWin() : 1 - bayes.chanceToWin();
      double loss = metric.higherIsBetter() ? bayes.expectedLossTreatment() : bayes.expectedLossControl();
      boolean significant = ci.excludesZero();
      Boolean breached = null;
      if (role.equals("guardrail")) {
        Interval rel = lift.relativeInterval();
        double harm = metric.higherIsBetter() ? -lift.relative() : lift.relative();
        boolean harmful = metric.higherIsBetter() ? rel.upper() < 0 : rel.lower() > 0;
        double allowed = metric.maxRelativeHarm() == null ? 0 : metric.maxRelativeHarm();
        breached = harmful && harm > allowed;
      }
      return new Comparison(arm, finite(lift.absolute()), list(ci), finite(lift.relative()),
          list(lift.relativeInterval()), finite(lift.pValue()), null, chance, loss, significant, breached);
    }
  }

  private Compared compare(AnalysisPlan plan, Metric metric, MetricSums a, MetricSums b) {
    if (a.n() < 2 || b.n() < 2) return new Compared(null, null, null, false);
    boolean cuped = false;
    Estimate ea, eb;
    if (plan.cuped() && a.varianceX() + b.varianceX() > 0) {
      Cuped.Adjusted adjusted = Cuped.adjust(a, b);
      ea = adjusted.control();
      eb = adjusted.treatment();
      cuped = true;
    } else if (metric.type() == MetricType.BINARY) {
      ea = Estimate.binary(a.n(), Math.round(a.sumY()));
      eb = Estimate.binary(b.n(), Math.round(b.sumY()));
    } else {
      ea = a.estimate();
      eb = b.estimate();
    }
    boolean proportions = metric.type() == MetricType.BINARY && !cuped;
    Lift lift = switch (plan.analysis()) {
      case SEQUENTIAL -> new SequentialTest(plan.alpha()).compare(ea, eb);
      case FREQUENTIST, BAYESIAN -> proportions
          ? new TwoProportionZTest(plan.alpha()).compare(a.n(), Math.round(a.sumY()), b.n(), Math.round(b.sumY()))
          : new WelchTTest(plan.alpha()).compare(ea, eb);
    };
    Bayesian bayes = proportions
        ? new BetaBinomialModel(1, 1, plan.alpha()).compare(a.n(), Math.round(a.sumY()), b.n(), Math.round(b.sumY()))
        : new NormalModel(plan.alpha()).compare(ea, eb);
    Interval ci = plan.analysis() == Analysis.BAYESIAN ? bayes.credibleInterval() : lift.absoluteInterval();
    return new Compared(lift, ci, bayes, cuped);
  }

  /** Adjusts the secondary metrics' p-values together (all treatment arms), leaving primary and guardrails alone. */
  private static List<MetricResult> corrected(AnalysisPlan plan, List<MetricResult> metrics) {
    List<double[]> where = new ArrayList<>();
    List<Double> ps = new ArrayList<>();
    for (int m = 0; m < metrics.size(); m++) {
      if (!metrics.get(m).role().equals("secondary")) continue;
      List<Comparison> cs = metrics.get(m).comparisons();
      for (int c = 0; c < cs.size(); c++) {
        if (cs.get(c).pValue() != null) {
          where.add(new double[] {m, c});
          ps.add(cs.get(c).pValue());
        }
      }
    }
    if (ps.isEmpty()) return metrics;
    double[] p = ps.stream().mapToDouble(Double::doubleValue).toArray();
    double[] adjusted = switch (plan.correction()) {
      case HOLM -> MultipleComparisons.holm(p);
      case BENJAMINI_HOCHBERG -> MultipleComparisons.benjaminiHochberg(p);
      case NONE -> p;
    };
    List<MetricResult> out = new ArrayList<>(metrics);
    for (int i = 0; i < where.size(); i++) {
      int m = (int) where.get(i)[0], c = (int) where.get(i)[1];
      MetricResult r = out.get(m);
      List<Comparison> cs = new ArrayList<>(r.comparisons());
      Comparison x = cs.get(c);
      cs.set(c, new Comparison(x.arm(), x.lift(), x.ci(), x.relativeLift(), x.relativeCi(), x.pValue(), adjusted[i],
          x.chanceToWin(), x.expectedLoss(), adjusted[i] < plan.alpha(), x.breached()));
      out.set(m, new MetricResult(r.metric(), r.role(), r.type(), r.cuped(), r.arms(), cs));
    }
    return out;
  }

  private SeriesPoint point(AnalysisPlan plan, DailySnapshot day) {
    Snapshot s = day.snapshot();
    long total = 0;
    for (long u : s.units()) total += u;
    Metric primary = plan.primary();
    MetricSums a = s.sums(plan.arms().get(0).name(), primary.name());
    MetricSums b = s.sums(plan.arms().get(1).name(), primary.name());
    Compared c = compare(plan, primary, a, b);
    if (c.lift == null) return new SeriesPoint(day.date().toString(), total, null, null, null, null);
    double chance = primary.higherIsBetter() ? c.bayes.chanceToWin() : 1 - c.bayes.chanceToWin();
    return new SeriesPoint(day.date().toString(), total, finite(c.lift.relative()), list(c.lift.relativeInterval()),
        finite(c.lift.pValue()), chance);
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }

  private static List<Double> list(Interval i) {
    if (i == null || !Double.isFinite(i.lower()) || !Double.isFinite(i.upper())) return null;
    return List.of(i.lower(), i.upper());
  }
}
