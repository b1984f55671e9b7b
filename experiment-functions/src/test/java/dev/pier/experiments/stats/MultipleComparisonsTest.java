package dev.pier.experiments.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Worked by hand (and equal to R's {@code p.adjust(p, "holm")} and {@code p.adjust(p, "BH")}). */
class MultipleComparisonsTest {

  private static final double[] P = {0.01, 0.04, 0.03, 0.005};

  @Test
  void holmMultipliesTheKthSmallestByMMinusKPlusOneAndKeepsTheOrder() {
    assertThat(MultipleComparisons.holm(P)).containsExactly(new double[] {0.03, 0.06, 0.06, 0.02}, within(1e-12));
  }

  @Test
  void benjaminiHochbergScalesByMOverRankAndTakesTheRunningMinimumFromTheTop() {
    assertThat(MultipleComparisons.benjaminiHochberg(P))
        .containsExactly(new double[] {0.02, 0.04, 0.04, 0.02}, within(1e-12));
  }

  @Test
  void adjustedPValuesNeverExceedOne() {
    assertThat(MultipleComparisons.holm(new double[] {0.6, 0.7, 0.9})).containsOnly(1.0);
    assertThat(MultipleComparisons.benjaminiHochberg(new double[] {0.6, 0.7, 0.9})).containsOnly(0.9);
  }

  @Test
  void rejectsAValueThatIsNotAProbability() {
    assertThatThrownBy(() -> MultipleComparisons.holm(new double[] {0.1, 1.2}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1.2");
  }
}
