package dev.pier.experiments.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Small, seeded simulations (each well under a second): deterministic, so they cannot flake; the tolerances are
 * still wide enough (about three binomial standard errors at 2,000 experiments) that another seed would pass too.
 * The 10,000-experiment versions run in {@code ./pier bench experiments}.
 */
class SimulatedExperimentsTest {

  private static final Simulation.FalsePositives AA = Simulation.aa(16, 2_000, 14, 150, 0.1, 0.05);

  @Test
  void aFixedHorizonZTestOnAaExperimentsRejectsAboutFivePercent() {
    assertThat(AA.fixedHorizon()).isBetween(0.035, 0.065);
  }

  @Test
  void lookingEveryDayWithANaiveZTestRejectsFarMoreThanFivePercent() {
    assertThat(AA.naivePeeking()).isGreaterThan(0.10);
  }

  @Test
  void lookingEveryDayWithTheSequentialTestStaysAtOrBelowFivePercent() {
    assertThat(AA.sequentialPeeking()).isLessThanOrEqualTo(0.05);
  }

  @Test
  void theDesignedSampleSizeDetectsTheMinimumEffectAboutEightyPercentOfTheTime() {
    long n = SampleSize.binary(0.05, 0.8, 0.05, 0.1);
    double power = Simulation.power(17, 1_000, n, 0.1, 0.05, 0.05);
    assertThat(power).isBetween(0.76, 0.84);
  }
}
