package dev.pier.monitoring.drift;

/** Distances between two samples or two share vectors, each as SciPy (and Evidently on top of it) computes it. */
final class Distances {
  /** Evidently's smoothing of empty shares for PSI and KL. */
  static final double SMOOTHED_SHARE = 0.0001;
  /** Evidently's floor under the reference's standard deviation when norming the Wasserstein distance. */
  static final double MIN_NORM = 0.001;

  private Distances() {
  }

  /** SciPy's {@code wasserstein_distance(u, v)}: ∫ |F_u - F_v| over the merged sorted values. */
  static double wasserstein(double[] sortedU, double[] sortedV) {
    int n = sortedU.length;
    int m = sortedV.length;
    int i = 0;
    int j = 0;
    double total = 0;
    double previous = Math.min(sortedU[0], sortedV[0]);
    while (i < n || j < m) {
      double x = j >= m || (i < n && sortedU[i] <= sortedV[j]) ? sortedU[i] : sortedV[j];
      total += Math.abs((double) i / n - (double) j / m) * (x - previous);
      previous = x;
      while (i < n && sortedU[i] <= x) {
        i++;
      }
      while (j < m && sortedV[j] <= x) {
        j++;
      }
    }
    return total;
  }

  /** SciPy's {@code jensenshannon(p, q)} (natural log): the square root of the Jensen-Shannon divergence. */
  static double jensenShannon(double[] p, double[] q) {
    double sp = sum(p);
    double sq = sum(q);
    double js = 0;
    for (int k = 0; k < p.length; k++) {
      double a = p[k] / sp;
      double b = q[k] / sq;
      double mid = (a + b) / 2;
      js += relativeEntropy(a, mid) + relativeEntropy(b, mid);
    }
    return Math.sqrt(Math.max(0, js / 2));
  }

  /** Evidently's PSI: Σ (r - c) ln(r / c) over smoothed shares. */
  static double psi(double[] r, double[] c) {
    double psi = 0;
    for (int k = 0; k < r.length; k++) {
      psi += (r[k] - c[k]) * Math.log(r[k] / c[k]);
    }
    return psi;
  }

  /** SciPy's {@code entropy(r, c)}: KL divergence of the normalised smoothed shares. */
  static double kl(double[] r, double[] c) {
    double sr = sum(r);
    double sc = sum(c);
    double kl = 0;
    for (int k = 0; k < r.length; k++) {
      kl += relativeEntropy(r[k] / sr, c[k] / sc);
    }
    return kl;
  }

  /** Zero shares replaced by {@link #SMOOTHED_SHARE}, on a copy. */
  static double[] smoothed(double[] shares) {
    double[] out = shares.clone();
    for (int k = 0; k < out.length; k++) {
      if (out[k] == 0) {
        out[k] = SMOOTHED_SHARE;
      }
    }
    return out;
  }

  /** SciPy's {@code rel_entr}. */
  private static double relativeEntropy(double x, double y) {
    if (x == 0 && y >= 0) {
      return 0;
    }
    if (x > 0 && y > 0) {
      return x * Math.log(x / y);
    }
    return Double.POSITIVE_INFINITY;
  }

  private static double sum(double[] xs) {
    double s = 0;
    for (double x : xs) {
      s += x;
    }
    return s;
  }
}
