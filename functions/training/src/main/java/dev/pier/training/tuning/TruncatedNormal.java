package dev.pier.training.tuning;

import org.hipparchus.special.Erf;

/**
 * The standard normal's log-CDF, the log of its mass on an interval, and the truncated normal's quantile and log
 * density, computed in log space as Optuna's {@code _truncnorm} (after SciPy) does so that far tails neither
 * underflow nor cancel.
 */
final class TruncatedNormal {
  private static final double LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
  private static final double SQRT2 = Math.sqrt(2);

  private TruncatedNormal() {}

  static double ndtr(double a) {
    double x = a / SQRT2;
    if (x < -1 / SQRT2) {
      return 0.5 * Erf.erfc(-x);
    }
    if (x < 1 / SQRT2) {
      return 0.5 + 0.5 * Erf.erf(x);
    }
    return 1.0 - 0.5 * Erf.erfc(x);
  }

  /** log Φ(a), with the asymptotic series below −20. */
  static double logNdtr(double a) {
    if (a > 6) {
      return -ndtr(-a);
    }
    if (a > -20) {
      return Math.log(ndtr(a));
    }
    double logLhs = -0.5 * a * a - Math.log(-a) - LOG_SQRT_2PI;
    double last = 0;
    double rhs = 1;
    double numerator = 1;
    double denomFactor = 1;
    double denomCons = 1 / (a * a);
    int sign = 1;
    int i = 0;
    while (Math.abs(last - rhs) > Math.ulp(1.0)) {
      i++;
      last = rhs;
      sign = -sign;
      denomFactor *= denomCons;
      numerator *= 2 * i - 1;
      rhs += sign * numerator * denomFactor;
    }
    return logLhs + Math.log(rhs);
  }

  private static double logDiff(double logP, double logQ) {
    return logP + Math.log1p(-Math.exp(logQ - logP));
  }

  /** log (Φ(b) − Φ(a)). */
  static double logGaussMass(double a, double b) {
    if (b <= 0) {
      return logDiff(logNdtr(b), logNdtr(a));
    }
    if (a > 0) {
      return logDiff(logNdtr(-a), logNdtr(-b));
    }
    return Math.log1p(-ndtr(a) - ndtr(-b));
  }

  /** Φ⁻¹(exp(y)) by bisection on [−100, 100] (Optuna's {@code _ndtri_exp}). */
  static double ndtriExp(double y) {
    double a = -100;
    double b = 100;
    if (logNdtr(a) > y) {
      double t = a;
      a = b;
      b = t;
    }
    double m = 0;
    for (int i = 0; i < 100; i++) {
      m = (a + b) / 2;
      if (logNdtr(m) < y) {
        a = m;
      } else {
        b = m;
      }
    }
    return m;
  }

  private static double logSum(double p, double q) {
    double max = Math.max(p, q);
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    return max + Math.log(Math.exp(p - max) + Math.exp(q - max));
  }

  /** The quantile {@code q} of the standard normal truncated to [a, b]. */
  static double ppf(double q, double a, double b) {
    if (a == b) {
      return Double.NaN;
    }
    if (q == 0) {
      return a;
    }
    if (q == 1) {
      return b;
    }
    if (a < 0) {
      return ndtriExp(logSum(logNdtr(a), Math.log(q) + logGaussMass(a, b)));
    }
    return -ndtriExp(logSum(logNdtr(-b), Math.log1p(-q) + logGaussMass(a, b)));
  }

  /**
   * Optuna's {@code _truncnorm.logpdf} of N(mu, sigma²) truncated to [low, high] at {@code x}: the standardized
   * density, without the {@code −log σ} of a scaled one (so wide kernels weigh more than a true density would give
   * them; Optuna's TPE is tuned with it so, and so it is kept).
   */
  static double logPdf(double x, double mu, double sigma, double low, double high) {
    if (x < low || x > high) {
      return Double.NEGATIVE_INFINITY;
    }
    double z = (x - mu) / sigma;
    return -z * z / 2 - LOG_SQRT_2PI - logGaussMass((low - mu) / sigma, (high - mu) / sigma);
  }
}
