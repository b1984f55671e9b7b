package dev.pier.monitoring.drift;

import dev.pier.monitoring.profile.ColumnProfile;
import org.apache.datasketches.quantilescommon.DoublesSortedView;
import org.apache.datasketches.quantilescommon.DoublesSortedViewIterator;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * One column's drift, either exactly from its values ({@link #exact}: p-values equal SciPy's) or from two
 * {@link ColumnProfile}s ({@link #fromProfiles}: any number of rows, in time proportional to the sketches' size, with
 * the error bound in the result).
 */
public final class ColumnDriftCalculator {
  private ColumnDriftCalculator() {
  }

  /** Drift of {@code cur} against {@code ref}; IllegalArgumentException when either has no values. */
  public static ColumnDrift exact(RawColumn ref, RawColumn cur, DriftSpec spec) {
    requireValues(ref.size(), cur.size());
    ColumnType type = ref.isNumeric() && cur.isNumeric() ? ColumnType.NUMERIC : ColumnType.CATEGORICAL;
    long distinct = TwoSampleTests.union(ref.frequencies(), cur.frequencies()).size();
    DriftMethod method = spec.methodOr(DriftMethod.evidentlyDefault(ref.size(), type, distinct));
    double threshold = spec.thresholdFor(method);
    requireNumeric(method, type);
    return switch (method) {
      case KS -> {
        TwoSampleTests.Result r = TwoSampleTests.ks(ref.sortedNumbers(), cur.sortedNumbers());
        yield ColumnDrift.exact(method, r.statistic(), r.pValue(), threshold);
      }
      case CHI_SQUARE -> test(method, TwoSampleTests.chiSquare(ref.frequencies(), cur.frequencies()), threshold);
      case Z -> test(method, TwoSampleTests.z(ref.frequencies(), cur.frequencies()), threshold);
      case WASSERSTEIN -> {
        double[] a = ref.sortedNumbers();
        double norm = Math.max(populationStd(a), Distances.MIN_NORM);
        yield distance(method, Distances.wasserstein(a, cur.sortedNumbers()) / norm, threshold);
      }
      case JENSEN_SHANNON -> {
        Shares s = Shares.of(ref, cur, type);
        yield distance(method, Distances.jensenShannon(s.reference(), s.current()), threshold);
      }
      case PSI -> {
        Shares s = Shares.of(ref, cur, type).smoothed();
        yield distance(method, Distances.psi(s.reference(), s.current()), threshold);
      }
      case KL -> {
        Shares s = Shares.of(ref, cur, type).smoothed();
        yield distance(method, Distances.kl(s.reference(), s.current()), threshold);
      }
    };
  }

  /**
   * Drift from profiles. Method choice as {@link #exact}, with the reference's row count and the distinct count from
   * the profiles' HLL sketches (exact at the small counts that decide between methods).
   */
  public static ColumnDrift fromProfiles(ColumnProfile ref, ColumnProfile cur, DriftSpec spec) {
    requireValues(ref.count() - ref.nonFinite(), cur.count() - cur.nonFinite());
    ColumnType type = ref.kind() == ColumnProfile.Kind.NUMERIC && cur.kind() == ColumnProfile.Kind.NUMERIC
        ? ColumnType.NUMERIC : ColumnType.CATEGORICAL;
    long distinct = Math.round(ref.distinctEstimateWith(cur));
    DriftMethod method = spec.methodOr(DriftMethod.evidentlyDefault(ref.count() - ref.nonFinite(), type, distinct));
    double threshold = spec.thresholdFor(method);
    requireNumeric(method, type);
    double rankError = ref.rankError() + cur.rankError();
    return switch (method) {
      case KS -> {
        double d = sketchKs(ref.quantileView(), cur.quantileView());
        double p = TwoSampleTests.ksPValue(d, ref.numericCount(), cur.numericCount());
        yield ColumnDrift.exact(method, d, p, threshold).withError(rankError, "statistic");
      }
      case CHI_SQUARE -> test(method, TwoSampleTests.chiSquare(ref.frequencies(), cur.frequencies()), threshold)
          .withError(Math.max(ref.frequencyError(), cur.frequencyError()), "category_count");
      case Z -> test(method, TwoSampleTests.z(ref.frequencies(), cur.frequencies()), threshold)
          .withError(Math.max(ref.frequencyError(), cur.frequencyError()), "category_count");
      case WASSERSTEIN -> {
        double norm = Math.max(ref.std(), Distances.MIN_NORM);
        double w = sketchWasserstein(ref.quantileView(), cur.quantileView()) / norm;
        double range = Math.max(ref.max(), cur.max()) - Math.min(ref.min(), cur.min());
        yield distance(method, w, threshold).withError(rankError * range / norm, "statistic");
      }
      case JENSEN_SHANNON -> {
        Shares s = Shares.of(ref, cur, type);
        yield distance(method, Distances.jensenShannon(s.reference(), s.current()), threshold)
            .withError(shareError(ref, cur, type), "bin_share");
      }
      case PSI -> {
        Shares s = Shares.of(ref, cur, type).smoothed();
        yield distance(method, Distances.psi(s.reference(), s.current()), threshold)
            .withError(shareError(ref, cur, type), "bin_share");
      }
      case KL -> {
        Shares s = Shares.of(ref, cur, type).smoothed();
        yield distance(method, Distances.kl(s.reference(), s.current()), threshold)
            .withError(shareError(ref, cur, type), "bin_share");
      }
    };
  }

  /** KS's D between two sketches: the largest CDF gap at any retained value of either (both CDFs inclusive). */
  static double sketchKs(DoublesSortedView a, DoublesSortedView b) {
    double d = 0;
    for (DoublesSortedView view : new DoublesSortedView[] {a, b}) {
      DoublesSortedViewIterator it = view.iterator();
      while (it.next()) {
        double x = it.getQuantile();
        d = Math.max(d, Math.abs(a.getRank(x, QuantileSearchCriteria.INCLUSIVE)
            - b.getRank(x, QuantileSearchCriteria.INCLUSIVE)));
      }
    }
    return d;
  }

  /** ∫ |F_a - F_b| with both CDFs as the sketches' step functions over their retained values. */
  static double sketchWasserstein(DoublesSortedView a, DoublesSortedView b) {
    double[] xs = mergedValues(a.getQuantiles(), b.getQuantiles());
    double total = 0;
    for (int i = 0; i + 1 < xs.length; i++) {
      double gap = Math.abs(a.getRank(xs[i], QuantileSearchCriteria.INCLUSIVE)
          - b.getRank(xs[i], QuantileSearchCriteria.INCLUSIVE));
      total += gap * (xs[i + 1] - xs[i]);
    }
    return total;
  }

  private static double[] mergedValues(double[] a, double[] b) {
    double[] out = new double[a.length + b.length];
    int i = 0;
    int j = 0;
    int k = 0;
    while (i < a.length || j < b.length) {
      double x = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
      if (k == 0 || out[k - 1] != x) {
        out[k++] = x;
      }
    }
    return java.util.Arrays.copyOf(out, k);
  }

  private static double shareError(ColumnProfile ref, ColumnProfile cur, ColumnType type) {
    if (type == ColumnType.NUMERIC && ref.distinctEstimate() > Shares.HISTOGRAM_ABOVE_DISTINCT) {
      return 2 * Math.max(ref.rankError(), cur.rankError());
    }
    return Math.max((double) ref.frequencyError() / Math.max(1, ref.count()),
        (double) cur.frequencyError() / Math.max(1, cur.count()));
  }

  private static ColumnDrift test(DriftMethod method, TwoSampleTests.Result r, double threshold) {
    return ColumnDrift.exact(method, r.statistic(), r.pValue(), threshold);
  }

  private static ColumnDrift distance(DriftMethod method, double value, double threshold) {
    return ColumnDrift.exact(method, value, Double.NaN, threshold);
  }

  private static double populationStd(double[] xs) {
    double mean = 0;
    for (double x : xs) {
      mean += x;
    }
    mean /= xs.length;
    double ss = 0;
    for (double x : xs) {
      ss += (x - mean) * (x - mean);
    }
    return Math.sqrt(ss / xs.length);
  }

  private static void requireValues(long ref, long cur) {
    if (ref == 0) {
      throw new IllegalArgumentException("the reference has no values in this column");
    }
    if (cur == 0) {
      throw new IllegalArgumentException("the current data has no values in this column");
    }
  }

  private static void requireNumeric(DriftMethod method, ColumnType type) {
    if (type != ColumnType.NUMERIC && (method == DriftMethod.KS || method == DriftMethod.WASSERSTEIN)) {
      throw new IllegalArgumentException(method.wireName() + " needs a numeric column; this one has categories");
    }
  }

}
