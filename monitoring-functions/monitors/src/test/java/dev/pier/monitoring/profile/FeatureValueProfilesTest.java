package dev.pier.monitoring.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pier.features.FeatureProfiles;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The feature store's profiles: per-chunk profiles travel as bytes and merge into the profile of all the chunks'
 * values. Checked against an exact computation over the values: below KLL's k every value is kept, so the quantiles
 * are the nearest-rank ones (the ⌈q·n⌉-th smallest, KLL's inclusive rule); HLL's distinct count is an estimate
 * (exact only for a handful of values, as the API test's).
 */
class FeatureValueProfilesTest {
  private final FeatureValueProfiles profiles = new FeatureValueProfiles();

  @Test
  @SuppressWarnings("unchecked")
  void chunksProfilesMergeIntoTheExactStatisticsOfAllTheirValues() {
    Random random = new Random(14);
    List<Double> all = new ArrayList<>();
    List<byte[]> parts = new ArrayList<>();
    for (int chunk = 0; chunk < 3; chunk++) {
      FeatureProfiles.Profile p = profiles.newProfile();
      for (int i = 0; i < 150; i++) {
        double v = Math.round(random.nextGaussian() * 1000) / 10.0;
        all.add(v);
        p.update(v);
      }
      parts.add(p.toBytes());
    }

    Map<String, Object> s = profiles.summarize(profiles.merge(parts), 460, 10);

    List<Double> sorted = all.stream().sorted().toList();
    int n = sorted.size();
    assertThat(s.get("count")).isEqualTo(460L);
    assertThat(s.get("nulls")).isEqualTo(10L);
    assertThat((double) s.get("null_rate")).isCloseTo(10 / 460.0, within(1e-15));
    assertThat(s.get("min")).isEqualTo(sorted.get(0));
    assertThat(s.get("max")).isEqualTo(sorted.get(n - 1));
    assertThat((double) s.get("mean")).isCloseTo(all.stream().mapToDouble(Double::doubleValue).sum() / n,
        within(1e-9));
    Map<String, Double> q = (Map<String, Double>) s.get("quantiles");
    for (double x : FeatureValueProfiles.QUANTILES) {
      assertThat(q.get(Double.toString(x))).as("q" + x).isEqualTo(sorted.get((int) Math.ceil(x * n) - 1));
    }
    // an estimate: within three of HLL's relative standard errors (1.6 % at lgK 12)
    assertThat((long) s.get("distinct")).isCloseTo((long) new HashSet<>(all).size(),
        org.assertj.core.api.Assertions.withinPercentage(5));
  }

  @Test
  void textFeaturesHaveCountsAndDistinctValuesOnly() {
    FeatureProfiles.Profile p = profiles.newProfile();
    for (String city : List.of("Oslo", "Rome", "Oslo", "Lima")) {
      p.update(city);
    }

    Map<String, Object> s = profiles.summarize(profiles.merge(List.of(p.toBytes())), 5, 1);

    assertThat(s).containsEntry("distinct", 3L).containsEntry("nulls", 1L).doesNotContainKeys("mean", "quantiles");
  }
}
