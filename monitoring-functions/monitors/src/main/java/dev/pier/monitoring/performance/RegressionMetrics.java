package dev.pier.monitoring.performance;

/**
 * Regression metrics equal to scikit-learn's: {@code mean_absolute_error}, the square root of
 * {@code mean_squared_error}, {@code mean_absolute_percentage_error} (as a fraction; a true value of 0 is divided by
 * machine epsilon instead, as scikit-learn does) and {@code r2_score} (1 for a perfect fit of constant labels, 0 for
 * an imperfect one).
 */
public record RegressionMetrics(long count, double mae, double rmse, double mape, double r2) {
  private static final double EPSILON = Math.ulp(1.0);

  public static RegressionMetrics of(double[] labels, double[] predictions) {
    if (labels.length != predictions.length) {
      throw new IllegalArgumentException(labels.length + " labels but " + predictions.length + " predictions");
    }
    int n = labels.length;
    if (n == 0) {
      throw new IllegalArgumentException("no labelled predictions");
    }
    double mean = 0;
    for (double y : labels) {
      mean += y;
    }
    mean /= n;
    double absolute = 0;
    double squared = 0;
    double percentage = 0;
    double total = 0;
    for (int i = 0; i < n; i++) {
      double error = labels[i] - predictions[i];
      absolute += Math.abs(error);
      squared += error * error;
      percentage += Math.abs(error) / Math.max(Math.abs(labels[i]), EPSILON);
      total += (labels[i] - mean) * (labels[i] - mean);
    }
    double r2 = total == 0 ? (squared == 0 ? 1 : 0) : 1 - squared / total;
    return new RegressionMetrics(n, absolute / n, Math.sqrt(squared / n), percentage / n, r2);
  }
}
