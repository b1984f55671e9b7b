package dev.pier.experiments.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pier.experiments.Analysis;
import dev.pier.experiments.Arm;
import dev.pier.experiments.Correction;
import dev.pier.experiments.Holdout;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.experiments.Metric;
import dev.pier.experiments.metrics.ExperimentLedger;
import dev.pier.experiments.metrics.Exposure;
import dev.pier.experiments.metrics.MetricEvent;
import dev.pier.experiments.metrics.MetricType;
import dev.pier.experiments.results.ExperimentResults.Comparison;
import dev.pier.experiments.results.ExperimentResults.MetricResult;
import dev.pier.experiments.stats.Lift;
import dev.pier.experiments.stats.MultipleComparisons;
import dev.pier.experiments.stats.TwoProportionZTest;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ResultsCalculatorTest {

  private static final long T0 = Instant.parse("2026-12-01T00:00:00Z").toEpochMilli();
  private static final long DAY = 86_400_000L;
  private static final List<Arm> ARMS = List.of(new Arm("control", 1, null, 0.5), new Arm("treatment", 2, null, 0.5));
  private static final Metric CONVERSION = Metric.goal("conversion", MetricType.BINARY);
  private static final Metric REVENUE = Metric.goal("revenue", MetricType.CONTINUOUS);
  private static final Metric CLICKS = Metric.goal("clicks", MetricType.CONTINUOUS);
  private static final Metric ERRORS = new Metric("error_rate", MetricType.BINARY, false, 0.05);

  private static AnalysisPlan plan(Analysis analysis, boolean cuped) {
    return new AnalysisPlan(ARMS, CONVERSION, List.of(REVENUE, CLICKS), List.of(ERRORS), analysis, 0.05,
        Correction.HOLM, cuped);
  }

  /**
   * 4,000 units over 4 days: conversion 10% vs 12%, revenue with a pre-exposure history (so CUPED has a covariate),
   * error rate 2% vs {@code treatmentErrors}; {@code treatmentShare} of the units go to treatment.
   */
  private static ExperimentLedger ledger(double treatmentErrors, double treatmentShare) {
    Map<String, MetricType> types = new LinkedHashMap<>();
    for (Metric m : List.of(CONVERSION, REVENUE, CLICKS, ERRORS)) types.put(m.name(), m.type());
    var ledger = new ExperimentLedger(List.of("control", "treatment"), types, ExperimentLedger.DEFAULT_LOOKBACK);
    var rng = new SplittableRandom(7);
    for (int i = 0; i < 4_000; i++) {
      String unit = "u" + i;
      boolean treated = rng.nextDouble() < treatmentShare;
      long exposed = T0 + (i % 4) * DAY + rng.nextLong(DAY);
      ledger.expose(new Exposure(unit, treated ? "treatment" : "control", exposed));
      if (rng.nextDouble() < (treated ? 0.12 : 0.10)) ledger.record(new MetricEvent(unit, "conversion", 1, exposed + 1));
      double habit = 20 + 10 * rng.nextGaussian();
      ledger.record(new MetricEvent(unit, "revenue", habit, exposed - 3 * DAY));
      ledger.record(new MetricEvent(unit, "revenue", habit + (treated ? 0.6 : 0) + 3 * rng.nextGaussian(),
          exposed + 1000));
      ledger.record(new MetricEvent(unit, "clicks", rng.nextInt(5), exposed + 10));
      if (rng.nextDouble() < (treated ? treatmentErrors : 0.02)) {
        ledger.record(new MetricEvent(unit, "error_rate", 1, exposed + 5));
      }
    }
    return ledger;
  }

  private static MetricResult metric(ExperimentResults r, String name) {
    return r.metrics().stream().filter(m -> m.metric().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void thePrimaryBinaryMetricIsTheTwoProportionZTestOnTheArmsCounts() {
    ExperimentResults r = new ResultsCalculator().compute(plan(Analysis.FREQUENTIST, true), ledger(0.02, 0.5));
    MetricResult conversion = metric(r, "conversion");
    var control = conversion.arms().get(0);
    var treatment = conversion.arms().get(1);
    Lift expected = new TwoProportionZTest(0.05).compare(control.n(), Math.round(control.mean() * control.n()),
        treatment.n(), Math.round(treatment.mean() * treatment.n()));
    Comparison c = conversion.comparisons().get(0);
    assertThat(conversion.cuped()).isFalse();
    assertThat(c.pValue()).isCloseTo(expected.pValue(), within(1e-12));
    assertThat(c.ci()).containsExactly(expected.absoluteInterval().lower(), expected.absoluteInterval().upper());
    assertThat(r.arms().get(0).units() + r.arms().get(1).units()).isEqualTo(4_000);
  }

  @Test
  void cupedNarrowsTheRevenueIntervalWhenUnitsHaveAHistory() {
    var ledger = ledger(0.02, 0.5);
    Comparison with = metric(new ResultsCalculator().compute(plan(Analysis.FREQUENTIST, true), ledger), "revenue")
        .comparisons().get(0);
    MetricResult withoutResult = metric(new ResultsCalculator().compute(plan(Analysis.FREQUENTIST, false), ledger),
        "revenue");
    Comparison without = withoutResult.comparisons().get(0);
    assertThat(withoutResult.cuped()).isFalse();
    assertThat(with.ci().get(1) - with.ci().get(0)).isLessThan((without.ci().get(1) - without.ci().get(0)) / 2);
    assertThat(with.significant()).isTrue();
  }

  @Test
  void secondaryMetricsCarryHolmAdjustedPValues() {
    ExperimentResults r = new ResultsCalculator().compute(plan(Analysis.FREQUENTIST, true), ledger(0.02, 0.5));
    Comparison revenue = metric(r, "revenue").comparisons().get(0);
    Comparison clicks = metric(r, "clicks").comparisons().get(0);
    double[] holm = MultipleComparisons.holm(new double[] {revenue.pValue(), clicks.pValue()});
    assertThat(revenue.adjustedPValue()).isEqualTo(holm[0]);
    assertThat(clicks.adjustedPValue()).isEqualTo(holm[1]);
    assertThat(metric(r, "conversion").comparisons().get(0).adjustedPValue()).isNull();
  }

  @Test
  void aGuardrailIsBreachedWhenTreatmentIsSignificantlyWorseBeyondItsAllowance() {
    Comparison breached = metric(new ResultsCalculator().compute(plan(Analysis.SEQUENTIAL, true), ledger(0.06, 0.5)),
        "error_rate").comparisons().get(0);
    Comparison fine = metric(new ResultsCalculator().compute(plan(Analysis.SEQUENTIAL, true), ledger(0.02, 0.5)),
        "error_rate").comparisons().get(0);
    assertThat(breached.breached()).isTrue();
    assertThat(breached.chanceToWin()).isLessThan(0.01); // lower is better: treatment is losing
    assertThat(fine.breached()).isFalse();
  }

  @Test
  void anUnevenSplitIsFlaggedAsASampleRatioMismatch() {
    assertThat(new ResultsCalculator().compute(plan(Analysis.FREQUENTIST, true), ledger(0.02, 0.56)).srm().flagged())
        .isTrue();
    assertThat(new ResultsCalculator().compute(plan(Analysis.FREQUENTIST, true), ledger(0.02, 0.5)).srm().flagged())
        .isFalse();
  }

  @Test
  void theSequentialIntervalIsWiderThanTheFixedHorizonOne() {
    var ledger = ledger(0.02, 0.5);
    Comparison fixed = metric(new ResultsCalculator().compute(plan(Analysis.FREQUENTIST, true), ledger),
        "conversion").comparisons().get(0);
    Comparison sequential = metric(new ResultsCalculator().compute(plan(Analysis.SEQUENTIAL, true), ledger),
        "conversion").comparisons().get(0);
    assertThat(sequential.ci().get(1) - sequential.ci().get(0)).isGreaterThan(fixed.ci().get(1) - fixed.ci().get(0));
  }

  @Test
  void theSeriesHasOnePointPerDayEndingAtTheCurrentEstimate() {
    ExperimentResults r = new ResultsCalculator().compute(plan(Analysis.FREQUENTIST, true), ledger(0.02, 0.5));
    assertThat(r.series()).extracting(ExperimentResults.SeriesPoint::date)
        .containsExactly("2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04");
    var last = r.series().get(r.series().size() - 1);
    assertThat(last.units()).isEqualTo(4_000);
    assertThat(last.relativeLift()).isEqualTo(metric(r, "conversion").comparisons().get(0).relativeLift());
  }

  @Test
  void heldOutUnitsAreReportedAgainstEveryArmPooledAsSciPySays() throws Exception {
    JsonNode ref;
    try (var in = ResultsCalculatorTest.class.getResourceAsStream("/stats/reference.json")) {
      ref = new ObjectMapper().readTree(in).get("holdout");
    }
    var ledger = new ExperimentLedger(List.of("control", "treatment", Holdout.ARM),
        Map.of("conversion", MetricType.BINARY), ExperimentLedger.DEFAULT_LOOKBACK);
    java.util.function.BiConsumer<String, long[]> fill = (arm, nx) -> {
      for (int i = 0; i < nx[0]; i++) {
        String unit = arm + "-" + i;
        ledger.expose(new Exposure(unit, arm, T0));
        if (i < nx[1]) ledger.record(new MetricEvent(unit, "conversion", 1, T0 + 1));
      }
    };
    fill.accept(Holdout.ARM, new long[] {ref.get("n_holdout").asLong(), ref.get("x_holdout").asLong()});
    for (JsonNode a : ref.get("arms")) fill.accept(a.get("arm").asText(), new long[] {a.get("n").asLong(),
        a.get("x").asLong()});
    var plan = new AnalysisPlan(ARMS, CONVERSION, List.of(), List.of(), Analysis.FREQUENTIST, 0.05, Correction.HOLM,
        false);
    ExperimentResults r = new ResultsCalculator().compute(plan, ledger);

    assertThat(r.arms()).extracting(ExperimentResults.ArmUnits::units).containsExactly(2_000L, 2_000L);
    assertThat(r.srm().flagged()).isFalse(); // the holdout is not an arm: no sample ratio mismatch from it
    assertThat(r.holdout().units()).isEqualTo(600);
    var held = r.holdout().metrics().get(0);
    assertThat(held.mean()).isCloseTo(48 / 600.0, within(1e-12));
    Comparison exposed = held.exposed();
    assertThat(exposed.arm()).isEqualTo("all arms");
    assertThat(exposed.pValue()).isCloseTo(ref.get("p_value").asDouble(), within(1e-6));
    assertThat(exposed.lift()).isCloseTo(ref.get("lift").asDouble(), within(1e-6));
    assertThat(exposed.ci().get(0)).isCloseTo(ref.get("ci").get(0).asDouble(), within(1e-6));
    assertThat(exposed.ci().get(1)).isCloseTo(ref.get("ci").get(1).asDouble(), within(1e-6));
    assertThat(exposed.relativeLift()).isCloseTo(ref.get("relative").asDouble(), within(1e-6));
    assertThat(exposed.breached()).isNull();
  }

  @Test
  void withoutHeldOutUnitsThereIsNoHoldoutSection() {
    assertThat(new ResultsCalculator().compute(plan(Analysis.FREQUENTIST, true), ledger(0.02, 0.5)).holdout())
        .isNull();
  }
}
