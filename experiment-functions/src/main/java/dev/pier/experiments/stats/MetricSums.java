package dev.pier.experiments.stats;

/**
 * Sufficient statistics of one metric in one arm: the number of units, the sums of the per-unit values {@code y} and
 * of their squares, and for CUPED the sums of each unit's pre-exposure covariate {@code x}, its square and {@code x·y}.
 * Sums add and subtract, which is what makes results incremental: a refresh adds the sums of the new data instead of
 * recomputing the history.
 */
public record MetricSums(long n, double sumY, double sumY2, double sumX, double sumX2, double sumXY) {

  public static final MetricSums EMPTY = new MetricSums(0, 0, 0, 0, 0, 0);

  /** Sums without a covariate. */
  public static MetricSums of(long n, double sumY, double sumY2) {
    return new MetricSums(n, sumY, sumY2, 0, 0, 0);
  }

  /** The sums of a binary metric: {@code successes} of {@code n} units had the value 1, the rest 0. */
  public static MetricSums binary(long n, long successes) {
    return new MetricSums(n, successes, successes, 0, 0, 0);
  }

  /** The sums over the given per-unit values (tests and simulations; production adds unit by unit). */
  public static MetricSums over(double[] y) {
    double s = 0, s2 = 0;
    for (double v : y) {
      s += v;
      s2 += v * v;
    }
    return new MetricSums(y.length, s, s2, 0, 0, 0);
  }

  /** The sums over per-unit values and their covariates. */
  public static MetricSums over(double[] y, double[] x) {
    if (x.length != y.length) throw new IllegalArgumentException("y and x differ in length");
    double s = 0, s2 = 0, sx = 0, sx2 = 0, sxy = 0;
    for (int i = 0; i < y.length; i++) {
      s += y[i];
      s2 += y[i] * y[i];
      sx += x[i];
      sx2 += x[i] * x[i];
      sxy += x[i] * y[i];
    }
    return new MetricSums(y.length, s, s2, sx, sx2, sxy);
  }

  /** One unit with value {@code y} and covariate {@code x}. */
  public static MetricSums unit(double y, double x) {
    return new MetricSums(1, y, y * y, x, x * x, x * y);
  }

  public MetricSums plus(MetricSums o) {
    return new MetricSums(n + o.n, sumY + o.sumY, sumY2 + o.sumY2, sumX + o.sumX, sumX2 + o.sumX2, sumXY + o.sumXY);
  }

  public MetricSums minus(MetricSums o) {
    return new MetricSums(n - o.n, sumY - o.sumY, sumY2 - o.sumY2, sumX - o.sumX, sumX2 - o.sumX2, sumXY - o.sumXY);
  }

  public double mean() {
    return n == 0 ? 0 : sumY / n;
  }

  /** Per-unit sample variance of {@code y} (denominator {@code n - 1}). */
  public double variance() {
    return n < 2 ? 0 : Math.max(0, (sumY2 - sumY * sumY / n) / (n - 1));
  }

  public double meanX() {
    return n == 0 ? 0 : sumX / n;
  }

  /** Per-unit sample variance of the covariate. */
  public double varianceX() {
    return n < 2 ? 0 : Math.max(0, (sumX2 - sumX * sumX / n) / (n - 1));
  }

  /** Per-unit sample covariance of {@code x} and {@code y}. */
  public double covarianceXY() {
    return n < 2 ? 0 : (sumXY - sumX * sumY / n) / (n - 1);
  }

  public Estimate estimate() {
    return new Estimate(n, mean(), variance());
  }
}
