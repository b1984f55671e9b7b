package dev.pier.monitoring.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pier.monitoring.profile.ColumnProfile;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Drift from profiles against the exact numbers on the same data. */
class SketchDriftTest {
  private static final int N = 100_000;

  private static double[] sample(long seed, int n, double shift, double scale) {
    Random random = new Random(seed);
    double[] xs = new double[n];
    for (int i = 0; i < n; i++) {
      xs[i] = Math.exp(random.nextGaussian() * 0.5) * scale + shift; // skewed, as incomes and latencies are
    }
    return xs;
  }

  private static ColumnProfile profile(double[] xs) {
    ColumnProfile p = new ColumnProfile();
    for (double x : xs) {
      p.update(x);
    }
    return p;
  }

  @Test
  void ksFromSketchesIsWithinOneHundredthAndItsStatedBoundOfTheExactStatistic() {
    double[][] shifts = {{0, 1}, {0.05, 1}, {0.2, 1.1}, {0, 1.5}};
    double[] ref = sample(1, N, 0, 1);
    ColumnProfile refProfile = profile(ref);
    double[] a = ref.clone();
    Arrays.sort(a);
    for (double[] s : shifts) {
      double[] cur = sample(2, N * 3 / 4, s[0], s[1]);
      ColumnDrift fromSketch = ColumnDriftCalculator.fromProfiles(refProfile, profile(cur),
          new DriftSpec(DriftMethod.KS, null));
      double[] b = cur.clone();
      Arrays.sort(a);
      Arrays.sort(b);
      double exact = TwoSampleTests.ksStatistic(a, b);
      assertThat(fromSketch.errorOf()).isEqualTo("statistic");
      assertThat(fromSketch.errorBound()).isGreaterThan(0).isLessThan(0.01);
      assertThat(fromSketch.statistic()).as("shift %s", Arrays.toString(s))
          .isCloseTo(exact, within(0.01))
          .isCloseTo(exact, within(fromSketch.errorBound()));
    }
  }

  @Test
  void wassersteinFromSketchesIsWithinItsStatedBoundOfTheExactDistance() {
    double[] ref = sample(3, N, 0, 1);
    double[] cur = sample(4, N, 0.1, 1);
    ColumnDrift fromSketch = ColumnDriftCalculator.fromProfiles(profile(ref), profile(cur), DriftSpec.DEFAULT);
    ColumnDrift exact = ColumnDriftCalculator.exact(RawColumn.of(ref), RawColumn.of(cur), DriftSpec.DEFAULT);
    assertThat(fromSketch.method()).isEqualTo(DriftMethod.WASSERSTEIN);
    assertThat(exact.method()).isEqualTo(DriftMethod.WASSERSTEIN);
    assertThat(fromSketch.statistic()).isCloseTo(exact.statistic(), within(fromSketch.errorBound()));
    assertThat(fromSketch.drifted()).isEqualTo(exact.drifted());
  }

  @Test
  void jensenShannonFromProfilesOfCategoriesEqualsTheExactDistance() {
    String[] values = {"a", "b", "c", "d"};
    Random random = new Random(9);
    ColumnProfile ref = new ColumnProfile();
    ColumnProfile cur = new ColumnProfile();
    java.util.List<Object> refRaw = new java.util.ArrayList<>();
    java.util.List<Object> curRaw = new java.util.ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      String r = values[Math.min(3, (int) (Math.abs(random.nextGaussian()) * 1.5))];
      String c = values[random.nextInt(4)];
      ref.update(r);
      cur.update(c);
      refRaw.add(r);
      curRaw.add(c);
    }
    ColumnDrift fromSketch = ColumnDriftCalculator.fromProfiles(ref, cur, DriftSpec.DEFAULT);
    ColumnDrift exact = ColumnDriftCalculator.exact(RawColumn.of(refRaw), RawColumn.of(curRaw), DriftSpec.DEFAULT);
    assertThat(fromSketch.method()).isEqualTo(DriftMethod.JENSEN_SHANNON);
    assertThat(fromSketch.errorBound()).isZero();
    assertThat(fromSketch.statistic()).isCloseTo(exact.statistic(), within(1e-12));
  }

  @Test
  void chiSquaredFromProfilesOfASmallReferenceEqualsTheExactTest() {
    ColumnProfile ref = new ColumnProfile();
    ColumnProfile cur = new ColumnProfile();
    java.util.List<Object> refRaw = new java.util.ArrayList<>();
    java.util.List<Object> curRaw = new java.util.ArrayList<>();
    for (int i = 0; i < 900; i++) {
      int r = i % 4;
      int c = (i * 7) % 5 == 0 ? 0 : i % 4;
      ref.update(r);
      cur.update(c);
      refRaw.add(r);
      curRaw.add(c);
    }
    ColumnDrift fromSketch = ColumnDriftCalculator.fromProfiles(ref, cur, DriftSpec.DEFAULT);
    ColumnDrift exact = ColumnDriftCalculator.exact(RawColumn.of(refRaw), RawColumn.of(curRaw), DriftSpec.DEFAULT);
    assertThat(exact.method()).isEqualTo(DriftMethod.CHI_SQUARE);
    assertThat(fromSketch.method()).isEqualTo(DriftMethod.CHI_SQUARE);
    assertThat(fromSketch.pValue()).isCloseTo(exact.pValue(), within(1e-12));
  }
}
