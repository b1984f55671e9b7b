package dev.pier.experiments.assignment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AllocationTest {

  private static final int UNITS = 200_000;

  @Test
  void aUnitAlwaysGetsTheSameArm() {
    var first = new Allocation("exp-7", List.of("control", "treatment"), List.of(0.5, 0.5));
    var rebuilt = new Allocation("exp-7", List.of("control", "treatment"), List.of(0.5, 0.5));
    for (int i = 0; i < 10_000; i++) {
      String unit = "user-" + i;
      assertThat(rebuilt.arm(unit)).isEqualTo(first.arm(unit)).isEqualTo(first.arm(unit));
    }
  }

  @Test
  void splitsSequentialIdsInProportionToTheWeights() {
    var allocation = new Allocation("exp-8", List.of("a", "b", "c"), List.of(0.2, 0.3, 0.5));
    int[] counts = new int[3];
    for (int i = 0; i < UNITS; i++) counts[allocation.index("user-" + i)]++;
    // binomial sd at 200,000 units is at most ~0.0011; 0.005 is more than four of them
    assertThat(counts[0] / (double) UNITS).isBetween(0.195, 0.205);
    assertThat(counts[1] / (double) UNITS).isBetween(0.295, 0.305);
    assertThat(counts[2] / (double) UNITS).isBetween(0.495, 0.505);
  }

  @Test
  void twoExperimentsAssignIndependently() {
    var one = new Allocation("exp-a", List.of("control", "treatment"), List.of(0.5, 0.5));
    var two = new Allocation("exp-b", List.of("control", "treatment"), List.of(0.5, 0.5));
    int same = 0;
    for (int i = 0; i < UNITS; i++) if (one.index("u" + i) == two.index("u" + i)) same++;
    assertThat(same / (double) UNITS).isBetween(0.495, 0.505);
  }

  @Test
  void changingOnlyTheWeightsMovesTheFewestUnits() {
    var before = new Allocation("exp-9", List.of("control", "treatment"), List.of(0.9, 0.1));
    var after = new Allocation("exp-9", List.of("control", "treatment"), List.of(0.5, 0.5));
    for (int i = 0; i < 10_000; i++) {
      // ramping treatment up never takes a unit out of treatment
      if (before.arm("u" + i).equals("treatment")) assertThat(after.arm("u" + i)).isEqualTo("treatment");
    }
  }

  @Test
  void rejectsWeightsThatDoNotSumToOne() {
    assertThatThrownBy(() -> new Allocation("s", List.of("a", "b"), List.of(0.5, 0.6)))
        .hasMessageContaining("weights must sum to 1, got 1.1");
  }

  @Test
  void rejectsANonPositiveWeightNamingTheArm() {
    assertThatThrownBy(() -> new Allocation("s", List.of("a", "b"), List.of(1.0, 0.0)))
        .hasMessageContaining("arm 'b'");
  }
}
