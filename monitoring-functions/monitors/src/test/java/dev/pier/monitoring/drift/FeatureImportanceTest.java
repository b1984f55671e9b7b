package dev.pier.monitoring.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Drift weighted by the version's feature importance. */
class FeatureImportanceTest {
  private static ColumnDrift drift(boolean drifted) {
    return new ColumnDrift(DriftMethod.KS, 0.3, drifted ? 0.001 : 0.5, 0.05, drifted, 0, null);
  }

  private static final DatasetDrift DRIFT = new DatasetDrift(Map.of("age", drift(true), "income", drift(false),
      "plan", drift(true), "zip", drift(true)), Map.of(), 0.75, true);

  @Test
  void theWeightedShareIsTheShareOfImportanceThatDriftedAndDriftedColumnsAreRankedByIt() {
    FeatureImportance f = FeatureImportance.weigh("test", Map.of("age", 0.1, "income", 0.6, "plan", -0.3,
        "other", 5.0), DRIFT);
    assertThat(f.columns()).containsOnlyKeys("age", "income", "plan");
    assertThat(f.columns().get("income").weight()).isCloseTo(0.6, within(1e-12));
    assertThat(f.columns().get("plan").weight()).as("the size of an importance counts, not its sign")
        .isCloseTo(0.3, within(1e-12));
    assertThat(f.weightedDriftShare()).as("age and plan drifted: 0.1 + 0.3 of 1.0").isCloseTo(0.4, within(1e-12));
    assertThat(f.driftedByImportance()).containsExactly("plan", "age");
    assertThat(f.unweighted()).containsExactly("zip");
  }

  @Test
  void withoutAnImportanceForAnyComparedColumnThereIsNoWeighting() {
    assertThat(FeatureImportance.weigh("test", Map.of(), DRIFT)).isNull();
    assertThat(FeatureImportance.weigh("test", Map.of("other", 1.0), DRIFT)).isNull();
  }
}
