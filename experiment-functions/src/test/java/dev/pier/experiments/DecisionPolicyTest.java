package dev.pier.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.experiments.Decision.Action;
import dev.pier.experiments.metrics.MetricType;
import dev.pier.experiments.results.ExperimentResults;
import dev.pier.experiments.results.ExperimentResults.ArmUnits;
import dev.pier.experiments.results.ExperimentResults.Comparison;
import dev.pier.experiments.results.ExperimentResults.MetricResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecisionPolicyTest {

  private static final Instant START = Instant.parse("2026-12-01T00:00:00Z");

  private static Experiment experiment(Analysis analysis, Auto auto) {
    var def = new ExperimentDefinition("e", null, "m", "production", "default", "user",
        List.of(new Arm("control", 1, null, 0.5), new Arm("treatment", 2, null, 0.5)),
        Metric.goal("conversion", MetricType.BINARY), List.of(), List.of(),
        new Design(0.05, 0.8, 0.05, 0.1, null, null), analysis, Correction.HOLM, true, auto);
    return new Experiment("exp-1", "s", def, ExperimentState.RUNNING, 2, START, START, null, 10_000, null);
  }

  /** Results with {@code units} per arm and one primary comparison. */
  private static ExperimentResults results(long units, double lift, double pValue, double chanceToWin) {
    var c = new Comparison("treatment", lift, List.of(lift - 0.01, lift + 0.01), lift * 10, List.of(0.0, 0.0), pValue,
        null, chanceToWin, 0.001, pValue < 0.05, null);
    return new ExperimentResults("x", List.of(new ArmUnits("control", units, 0.5), new ArmUnits("treatment", units, 0.5)),
        new ExperimentResults.Srm(0, 1, false),
        List.of(new MetricResult("conversion", "primary", "binary", false, List.of(), List.of(c))), List.of(),
        new ExperimentResults.Events(0, 0, 0, 0, 0), null);
  }

  private static final Auto PROMOTE = new Auto(true, true, 7, 0, 0.95);

  @Test
  void aFixedHorizonTestWaitsForTheDesignedSampleSizeEvenWhenSignificantEarlier() {
    var policy = new DecisionPolicy();
    Instant later = START.plus(Duration.ofDays(10));
    assertThat(policy.decide(experiment(Analysis.FREQUENTIST, PROMOTE), results(5_000, 0.02, 0.001, 0.99), later)
        .action()).isEqualTo(Action.CONTINUE);
    assertThat(policy.decide(experiment(Analysis.FREQUENTIST, PROMOTE), results(10_000, 0.02, 0.001, 0.99), later)
        .action()).isEqualTo(Action.PROMOTE);
  }

  @Test
  void aSequentialTestMayPromoteEarlyButNotBeforeTheMinimumDuration() {
    var policy = new DecisionPolicy();
    assertThat(policy.decide(experiment(Analysis.SEQUENTIAL, PROMOTE), results(2_000, 0.02, 0.001, 0.99),
        START.plus(Duration.ofDays(3))).action()).isEqualTo(Action.CONTINUE);
    assertThat(policy.decide(experiment(Analysis.SEQUENTIAL, PROMOTE), results(2_000, 0.02, 0.001, 0.99),
        START.plus(Duration.ofDays(7))).action()).isEqualTo(Action.PROMOTE);
  }

  @Test
  void aBayesianAnalysisPromotesOnChanceToWinAndStopsWhenTreatmentSurelyLoses() {
    var policy = new DecisionPolicy();
    Instant later = START.plus(Duration.ofDays(8));
    assertThat(policy.decide(experiment(Analysis.BAYESIAN, PROMOTE), results(3_000, 0.01, 0.2, 0.96), later).action())
        .isEqualTo(Action.PROMOTE);
    assertThat(policy.decide(experiment(Analysis.BAYESIAN, PROMOTE), results(3_000, 0.01, 0.2, 0.90), later).action())
        .isEqualTo(Action.CONTINUE);
    assertThat(policy.decide(experiment(Analysis.BAYESIAN, PROMOTE), results(3_000, -0.01, 0.2, 0.02), later).action())
        .isEqualTo(Action.STOP_NO_WINNER);
  }

  @Test
  void withoutPromotionOnlyGuardrailsAct() {
    Decision d = new DecisionPolicy().decide(experiment(Analysis.SEQUENTIAL, Auto.DEFAULT),
        results(20_000, 0.02, 0.0001, 0.999), START.plus(Duration.ofDays(30)));
    assertThat(d.action()).isEqualTo(Action.CONTINUE);
    assertThat(d.reason()).isEqualTo("automatic promotion is off");
  }
}
