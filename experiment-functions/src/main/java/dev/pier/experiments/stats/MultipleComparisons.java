package dev.pier.experiments.stats;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Adjusted p-values for many metrics tested at once (secondary metrics): compare each adjusted p-value with alpha.
 * Holm's step-down method controls the family-wise error rate; Benjamini–Hochberg controls the false discovery rate
 * (more power, a weaker promise). Both return the adjusted values in the order of the input.
 */
public final class MultipleComparisons {

  /** Holm (1979): {@code p'(i) = max over j ≤ i of min(1, (m - j + 1) p(j))} in ascending order of p. */
  public static double[] holm(double[] pValues) {
    int m = pValues.length;
    Integer[] order = ascending(pValues);
    double[] adjusted = new double[m];
    double running = 0;
    for (int rank = 0; rank < m; rank++) {
      int i = order[rank];
      running = Math.max(running, Math.min(1, (m - rank) * pValues[i]));
      adjusted[i] = running;
    }
    return adjusted;
  }

  /** Benjamini–Hochberg (1995): {@code p'(i) = min over j ≥ i of min(1, m p(j) / j)} in ascending order of p. */
  public static double[] benjaminiHochberg(double[] pValues) {
    int m = pValues.length;
    Integer[] order = ascending(pValues);
    double[] adjusted = new double[m];
    double running = 1;
    for (int rank = m - 1; rank >= 0; rank--) {
      int i = order[rank];
      running = Math.min(running, Math.min(1, pValues[i] * m / (rank + 1)));
      adjusted[i] = running;
    }
    return adjusted;
  }

  private static Integer[] ascending(double[] pValues) {
    for (double p : pValues) {
      if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("p-values must lie in [0, 1], got " + p);
    }
    Integer[] order = new Integer[pValues.length];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, Comparator.comparingDouble(i -> pValues[i]));
    return order;
  }

  private MultipleComparisons() {}
}
