package dev.pier.monitoring.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EvidentlyDefaultsTest {
  private static List<Object> normal(long seed, int n, double shift) {
    Random random = new Random(seed);
    List<Object> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(random.nextGaussian() + shift);
    }
    return out;
  }

  private static List<Object> cycle(int n, Object... values) {
    List<Object> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(values[i % values.length]);
    }
    return out;
  }

  private static DriftMethod chosen(List<Object> ref, List<Object> cur) {
    return ColumnDriftCalculator.exact(RawColumn.of(ref), RawColumn.of(cur), DriftSpec.DEFAULT).method();
  }

  @Test
  void aReferenceOfAThousandRowsGetsKsForAManyValuedNumber() {
    assertThat(chosen(normal(1, 1000, 0), normal(2, 5000, 0))).isEqualTo(DriftMethod.KS);
  }

  @Test
  void aReferenceOfMoreThanAThousandRowsGetsNormedWassersteinForAManyValuedNumber() {
    assertThat(chosen(normal(1, 1001, 0), normal(2, 50, 0))).isEqualTo(DriftMethod.WASSERSTEIN);
  }

  @Test
  void aNumberWithFiveValuesIsTestedAsCategories() {
    assertThat(chosen(cycle(500, 1, 2, 3, 4, 5), cycle(400, 1, 2, 3, 4, 5))).isEqualTo(DriftMethod.CHI_SQUARE);
    assertThat(chosen(cycle(500, 1, 2, 3, 4, 5), cycle(400, 1, 2, 3, 4, 6))).isEqualTo(DriftMethod.KS);
    assertThat(chosen(cycle(5000, 1, 2, 3, 4, 5), cycle(400, 1, 2, 3))).isEqualTo(DriftMethod.JENSEN_SHANNON);
  }

  @Test
  void aBinaryCategoryGetsTheZTestAndMoreCategoriesChiSquared() {
    assertThat(chosen(cycle(300, "yes", "no"), cycle(300, "yes", "no"))).isEqualTo(DriftMethod.Z);
    assertThat(chosen(cycle(300, true, false), cycle(300, true))).isEqualTo(DriftMethod.Z);
    assertThat(chosen(cycle(300, "a", "b"), cycle(300, "c"))).isEqualTo(DriftMethod.CHI_SQUARE);
    assertThat(chosen(cycle(3000, "a", "b"), cycle(300, "a"))).isEqualTo(DriftMethod.JENSEN_SHANNON);
  }

  @Test
  void testsDriftBelowTheirPValueThresholdAndDistancesAtOrAboveTheirs() {
    assertThat(DriftMethod.KS.drifted(0.049, 0.05)).isTrue();
    assertThat(DriftMethod.KS.drifted(0.05, 0.05)).isFalse();
    assertThat(DriftMethod.WASSERSTEIN.drifted(0.1, 0.1)).isTrue();
    assertThat(DriftMethod.JENSEN_SHANNON.drifted(0.099, 0.1)).isFalse();
  }

  @Test
  void aShiftedColumnDriftsAndAnUnchangedOneDoesNot() {
    ColumnDrift shifted = ColumnDriftCalculator.exact(
        RawColumn.of(normal(1, 800, 0)), RawColumn.of(normal(2, 800, 0.5)), DriftSpec.DEFAULT);
    ColumnDrift same = ColumnDriftCalculator.exact(
        RawColumn.of(normal(3, 800, 0)), RawColumn.of(normal(4, 800, 0)), DriftSpec.DEFAULT);
    assertThat(shifted.drifted()).isTrue();
    assertThat(shifted.pValue()).isLessThan(1e-6);
    assertThat(same.drifted()).isFalse();
  }

  @Test
  void aColumnsMethodAndThresholdCanBeOverridden() {
    ColumnDrift d = ColumnDriftCalculator.exact(RawColumn.of(normal(1, 800, 0)), RawColumn.of(normal(2, 800, 0.05)),
        new DriftSpec(DriftMethod.PSI, 0.5));
    assertThat(d.method()).isEqualTo(DriftMethod.PSI);
    assertThat(d.threshold()).isEqualTo(0.5);
    assertThat(d.pValue()).isNaN();
    assertThat(d.drifted()).isFalse();
  }

  @Test
  void datasetDriftsWhenHalfItsColumnsDrift() {
    Map<String, List<Object>> ref = Map.of("a", normal(1, 500, 0), "b", normal(2, 500, 0),
        "c", normal(3, 500, 0), "d", normal(4, 500, 0));
    Map<String, List<Object>> twoShifted = Map.of("a", normal(5, 500, 1), "b", normal(6, 500, 1),
        "c", normal(7, 500, 0), "d", normal(8, 500, 0));
    DatasetDrift drift = DatasetDrift.exact(ref, twoShifted, Map.of(), DatasetDrift.DEFAULT_SHARE);
    assertThat(drift.columns()).hasSize(4);
    assertThat(drift.shareDrifted()).isEqualTo(0.5);
    assertThat(drift.datasetDrift()).isTrue();
    assertThat(DatasetDrift.exact(ref, twoShifted, Map.of(), 0.75).datasetDrift()).isFalse();
  }

  @Test
  void aColumnMissingFromTheCurrentDataIsSkippedWithTheReason() {
    DatasetDrift drift = DatasetDrift.exact(Map.of("a", normal(1, 100, 0), "gone", normal(2, 100, 0)),
        Map.of("a", normal(3, 100, 0)), Map.of(), 0.5);
    assertThat(drift.columns()).containsOnlyKeys("a");
    assertThat(drift.skipped()).containsEntry("gone", "the current data has no values in this column");
  }

  @Test
  void aNumericMethodOnCategoriesIsRefusedByName() {
    assertThatThrownBy(() -> ColumnDriftCalculator.exact(RawColumn.of(List.of("a", "b")),
        RawColumn.of(List.of("a")), new DriftSpec(DriftMethod.KS, null)))
        .hasMessage("ks needs a numeric column; this one has categories");
    assertThatThrownBy(() -> DriftMethod.byName("ttest")).hasMessageContaining("one of ks, chisquare, z");
  }
}
