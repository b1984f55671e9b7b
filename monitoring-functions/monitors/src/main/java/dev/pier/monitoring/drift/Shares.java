package dev.pier.monitoring.drift;

import dev.pier.monitoring.profile.ColumnProfile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.datasketches.quantilescommon.DoublesSortedView;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * The reference's and current's shares per bin, as Evidently's {@code get_binned_data} makes them for
 * Jensen-Shannon, PSI and KL: a numeric column whose reference has more than 20 distinct values gets 30 equal-width
 * bins over both samples' range (NumPy's {@code histogram_bin_edges}, last bin closed), any other column one bin per
 * distinct value.
 */
record Shares(double[] reference, double[] current) {
  static final int BINS = 30;
  static final int HISTOGRAM_ABOVE_DISTINCT = 20;

  static Shares of(RawColumn ref, RawColumn cur, ColumnType type) {
    if (type == ColumnType.NUMERIC && ref.isNumeric() && cur.isNumeric()
        && ref.frequencies().size() > HISTOGRAM_ABOVE_DISTINCT) {
      double[] a = ref.sortedNumbers();
      double[] b = cur.sortedNumbers();
      double[] edges = edges(Math.min(a[0], b[0]), Math.max(a[a.length - 1], b[b.length - 1]));
      return new Shares(histogram(a, edges), histogram(b, edges));
    }
    return ofFrequencies(ref.frequencies(), cur.frequencies());
  }

  static Shares ofFrequencies(Map<Object, Long> ref, Map<Object, Long> cur) {
    List<Object> keys = new ArrayList<>(TwoSampleTests.union(ref, cur));
    double nr = TwoSampleTests.total(ref);
    double nc = TwoSampleTests.total(cur);
    double[] r = new double[keys.size()];
    double[] c = new double[keys.size()];
    for (int k = 0; k < keys.size(); k++) {
      r[k] = ref.getOrDefault(keys.get(k), 0L) / nr;
      c[k] = cur.getOrDefault(keys.get(k), 0L) / nc;
    }
    return new Shares(r, c);
  }

  /**
   * From two profiles: 30 bins' masses from the KLL sketches (each within the sketch's rank error of the exact share
   * on either side, so within twice it), or the category frequencies.
   */
  static Shares of(ColumnProfile ref, ColumnProfile cur, ColumnType type) {
    if (type == ColumnType.NUMERIC && ref.distinctEstimate() > HISTOGRAM_ABOVE_DISTINCT) {
      double[] edges = edges(Math.min(ref.min(), cur.min()), Math.max(ref.max(), cur.max()));
      return new Shares(masses(ref, edges), masses(cur, edges));
    }
    return ofFrequencies(ref.frequencies(), cur.frequencies());
  }

  Shares smoothed() {
    return new Shares(Distances.smoothed(reference), Distances.smoothed(current));
  }

  /** NumPy's {@code histogram_bin_edges(bins=30)}: linspace over [min, max], or [x - 0.5, x + 0.5] for one value. */
  static double[] edges(double min, double max) {
    if (min == max) {
      min -= 0.5;
      max += 0.5;
    }
    double[] edges = new double[BINS + 1];
    double step = (max - min) / BINS;
    for (int i = 0; i < BINS; i++) {
      edges[i] = i * step + min;
    }
    edges[BINS] = max;
    return edges;
  }

  /** NumPy's {@code histogram(x, edges)} divided by the sample size: bins [e_i, e_i+1), the last one closed. */
  static double[] histogram(double[] sorted, double[] edges) {
    double[] shares = new double[BINS];
    for (int i = 0; i < BINS; i++) {
      int from = lowerBound(sorted, edges[i]);
      int to = i == BINS - 1 ? upperBound(sorted, edges[BINS]) : lowerBound(sorted, edges[i + 1]);
      shares[i] = (double) (to - from) / sorted.length;
    }
    return shares;
  }

  private static double[] masses(ColumnProfile profile, double[] edges) {
    DoublesSortedView view = profile.quantileView();
    double[] splits = Arrays.copyOfRange(edges, 1, BINS); // interior edges; bins are [e_i, e_i+1)
    double[] pmf = view.getPMF(splits, QuantileSearchCriteria.EXCLUSIVE);
    return Arrays.copyOf(pmf, BINS);
  }

  static int lowerBound(double[] sorted, double x) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] < x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  static int upperBound(double[] sorted, double x) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

}
