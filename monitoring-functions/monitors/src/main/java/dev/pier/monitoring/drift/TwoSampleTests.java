package dev.pier.monitoring.drift;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hipparchus.distribution.continuous.ChiSquaredDistribution;
import org.hipparchus.distribution.continuous.NormalDistribution;
import org.hipparchus.stat.inference.ChiSquareTest;
import org.hipparchus.stat.inference.KolmogorovSmirnovTest;

/** The two-sample tests behind Evidently's defaults, with Hipparchus's distributions; each matches SciPy's answer. */
final class TwoSampleTests {
  /** SciPy's {@code ks_2samp(method="auto")} computes exact p-values while both samples have at most this many values. */
  static final int KS_EXACT_MAX = 10_000;

  private static final KolmogorovSmirnovTest KS = new KolmogorovSmirnovTest();
  private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(0, 1);

  private TwoSampleTests() {
  }

  record Result(double statistic, double pValue) {
  }

  /** KS's D on exact values (ties handled as SciPy does) and its two-sided p-value. */
  static Result ks(double[] sortedRef, double[] sortedCur) {
    double d = ksStatistic(sortedRef, sortedCur);
    return new Result(d, ksPValue(d, sortedRef.length, sortedCur.length));
  }

  /**
   * The two-sided p-value P(D ≥ d) as SciPy's {@code ks_2samp} gives it: exact for samples of at most 10,000 values,
   * else the one-sample Kolmogorov distribution at n = round(nm / (n + m)).
   */
  static double ksPValue(double d, long n, long m) {
    if (d <= 0) {
      return 1.0;
    }
    if (Math.max(n, m) <= KS_EXACT_MAX) {
      return clamp(KS.exactP(d, (int) n, (int) m, false));
    }
    double en = (double) n * m / (n + m);
    if (en > 100_000) {
      // the Kolmogorov limit; at this size it agrees with the finite-n distribution to well below 1e-4
      return clamp(KS.approximateP(d, (int) Math.min(n, Integer.MAX_VALUE), (int) Math.min(m, Integer.MAX_VALUE)));
    }
    return clamp(1 - KS.cdf(d, (int) Math.round(en)));
  }

  /** sup |F_ref(x) - F_cur(x)| over all x, both CDFs taken after all values equal to x. */
  static double ksStatistic(double[] a, double[] b) {
    int i = 0;
    int j = 0;
    double d = 0;
    while (i < a.length && j < b.length) {
      double x = Math.min(a[i], b[j]);
      while (i < a.length && a[i] <= x) {
        i++;
      }
      while (j < b.length && b[j] <= x) {
        j++;
      }
      d = Math.max(d, Math.abs((double) i / a.length - (double) j / b.length));
    }
    return d;
  }

  /**
   * Chi-squared test of homogeneity on the 2 × k table of the samples' category counts, as SciPy's
   * {@code chi2_contingency}: with Yates' continuity correction when the table has one degree of freedom.
   */
  static Result chiSquare(Map<Object, Long> ref, Map<Object, Long> cur) {
    List<Object> keys = List.copyOf(union(ref, cur));
    if (keys.size() < 2) {
      return new Result(0, 1);
    }
    long[][] table = new long[2][keys.size()];
    for (int k = 0; k < keys.size(); k++) {
      table[0][k] = ref.getOrDefault(keys.get(k), 0L);
      table[1][k] = cur.getOrDefault(keys.get(k), 0L);
    }
    if (keys.size() > 2) {
      ChiSquareTest test = new ChiSquareTest();
      return new Result(test.chiSquare(table), test.chiSquareTest(table));
    }
    // 2 x 2: Yates, as SciPy applies it (each |observed - expected| reduced by at most 0.5)
    double total = table[0][0] + table[0][1] + table[1][0] + table[1][1];
    double stat = 0;
    for (int r = 0; r < 2; r++) {
      for (int c = 0; c < 2; c++) {
        double expected = (double) (table[r][0] + table[r][1]) * (table[0][c] + table[1][c]) / total;
        double diff = table[r][c] - expected;
        double corrected = Math.signum(diff) * Math.max(0, Math.abs(diff) - 0.5);
        stat += corrected * corrected / expected;
      }
    }
    return new Result(stat, clamp(1 - new ChiSquaredDistribution(1).cumulativeProbability(stat)));
  }

  /**
   * Evidently's two-proportion z-test: the share of values other than the first category (in string order) in each
   * sample, pooled standard error, two-sided. One and the same single value in both samples: p = 1.
   */
  static Result z(Map<Object, Long> ref, Map<Object, Long> cur) {
    Set<Object> keys = union(ref, cur);
    if (keys.size() < 2) {
      return new Result(0, 1);
    }
    Object target = keys.stream().min((x, y) -> String.valueOf(x).compareTo(String.valueOf(y))).orElseThrow();
    double n1 = total(ref);
    double n2 = total(cur);
    double p1 = (n1 - ref.getOrDefault(target, 0L)) / n1;
    double p2 = (n2 - cur.getOrDefault(target, 0L)) / n2;
    double pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
    double z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
    return new Result(z, clamp(2 * (1 - STANDARD_NORMAL.cumulativeProbability(Math.abs(z)))));
  }

  static Set<Object> union(Map<Object, Long> a, Map<Object, Long> b) {
    Set<Object> keys = new LinkedHashSet<>(a.keySet());
    keys.addAll(b.keySet());
    return keys;
  }

  static long total(Map<Object, Long> counts) {
    long t = 0;
    for (long c : counts.values()) {
      t += c;
    }
    return t;
  }

  private static double clamp(double p) {
    return Math.max(0, Math.min(1, p));
  }
}
