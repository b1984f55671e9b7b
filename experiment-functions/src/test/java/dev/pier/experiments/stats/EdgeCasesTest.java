package dev.pier.experiments.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class EdgeCasesTest {

  @Test
  void aZeroControlRateHasAnAbsoluteButNoRelativeLift() {
    Lift lift = new TwoProportionZTest(0.05).compare(100, 0, 100, 5);
    assertThat(lift.absolute()).isCloseTo(0.05, within(1e-12));
    assertThat(lift.relative()).isNaN();
  }

  @Test
  void identicalArmsWithoutVarianceHaveAPValueOfOne() {
    assertThat(new TwoProportionZTest(0.05).compare(100, 0, 100, 0).pValue()).isEqualTo(1.0);
    assertThat(new WelchTTest(0.05).compare(new Estimate(10, 3, 0), new Estimate(10, 3, 0)).pValue()).isEqualTo(1.0);
  }

  @Test
  void theSequentialIntervalIsWiderThanTheFixedHorizonOneAndExcludesZeroExactlyWhenPIsBelowAlpha() {
    Estimate a = Estimate.binary(20_000, 2_000), b = Estimate.binary(20_000, 2_150);
    Lift fixed = new TwoProportionZTest(0.05).compare(20_000, 2_000, 20_000, 2_150);
    Lift sequential = new SequentialTest(0.05).compare(a, b);
    assertThat(sequential.absoluteInterval().width()).isGreaterThan(fixed.absoluteInterval().width());
    assertThat(sequential.absoluteInterval().excludesZero()).isEqualTo(sequential.pValue() < 0.05);
  }

  @Test
  void aHugeEffectGivesASequentialPValueOfZeroNotAnOverflow() {
    Lift lift = new SequentialTest(0.05).compare(Estimate.binary(1_000_000, 100_000),
        Estimate.binary(1_000_000, 200_000));
    assertThat(lift.pValue()).isEqualTo(0.0);
  }

  @Test
  void chanceToWinIsOneHalfForIdenticalArmsAndExpectedLossesAgree() {
    Bayesian r = BetaBinomialModel.DEFAULT.compare(1000, 100, 1000, 100);
    assertThat(r.chanceToWin()).isCloseTo(0.5, within(1e-9));
    assertThat(r.expectedLossTreatment()).isCloseTo(r.expectedLossControl(), within(1e-12));
  }

  @Test
  void cupedWithoutACovariateLeavesTheEstimatesAlone() {
    MetricSums a = MetricSums.over(new double[] {1, 2, 3, 4}), b = MetricSums.over(new double[] {2, 3, 4, 5});
    Cuped.Adjusted adjusted = Cuped.adjust(a, b);
    assertThat(adjusted.theta()).isZero();
    assertThat(adjusted.treatment()).isEqualTo(b.estimate());
  }

  @Test
  void sumsAddAndSubtractSoARefreshCanAddOnlyTheNewData() {
    MetricSums first = MetricSums.over(new double[] {1, 2, 3}, new double[] {0, 1, 1});
    MetricSums later = MetricSums.over(new double[] {4, 5}, new double[] {2, 2});
    MetricSums all = MetricSums.over(new double[] {1, 2, 3, 4, 5}, new double[] {0, 1, 1, 2, 2});
    assertThat(first.plus(later)).isEqualTo(all);
    assertThat(all.minus(later)).isEqualTo(first);
  }

  @Test
  void srmNeedsAPositiveWeightPerArm() {
    assertThatThrownBy(() -> SampleRatioMismatch.test(new long[] {10, 10}, new double[] {1, 0}))
        .hasMessageContaining("weights must be positive");
  }

  @Test
  void sampleSizeRejectsAnEffectThatPushesTheRatePastOne() {
    assertThatThrownBy(() -> SampleSize.binary(0.05, 0.8, 1.5, 0.5)).hasMessageContaining("baseline * (1 + mde)");
  }
}
