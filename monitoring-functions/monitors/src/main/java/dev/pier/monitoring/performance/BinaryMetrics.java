package dev.pier.monitoring.performance;

import java.util.Arrays;

/**
 * Binary classification metrics from labels and positive-class probabilities, equal to scikit-learn's:
 * {@code accuracy_score}, {@code precision_score}, {@code recall_score}, {@code f1_score} (0 where undefined, as
 * scikit-learn's {@code zero_division} default), {@code roc_auc_score} (NaN with one class only) and
 * {@code log_loss} (probabilities clipped to [ε, 1 - ε], ε the double's machine epsilon). A probability at or above
 * the threshold (0.5 by default) predicts the positive class.
 */
public record BinaryMetrics(
    long count, double accuracy, double precision, double recall, double f1, double rocAuc, double logLoss) {

  public static final double DEFAULT_THRESHOLD = 0.5;
  private static final double EPSILON = Math.ulp(1.0);

  /**
   * @param labels 0 or 1 per row
   * @param probabilities the positive class's probability per row, in [0, 1]
   */
  public static BinaryMetrics of(int[] labels, double[] probabilities, double threshold) {
    if (labels.length != probabilities.length) {
      throw new IllegalArgumentException(labels.length + " labels but " + probabilities.length + " predictions");
    }
    if (labels.length == 0) {
      throw new IllegalArgumentException("no labelled predictions");
    }
    long tp = 0;
    long fp = 0;
    long tn = 0;
    long fn = 0;
    double loss = 0;
    for (int i = 0; i < labels.length; i++) {
      int y = labels[i];
      double p = probabilities[i];
      if (y != 0 && y != 1) {
        throw new IllegalArgumentException("label at row " + i + " is " + y + ", not 0 or 1");
      }
      if (!(p >= 0 && p <= 1)) {
        throw new IllegalArgumentException("probability at row " + i + " is " + p + ", not in [0, 1]");
      }
      boolean positive = p >= threshold;
      if (positive) {
        if (y == 1) {
          tp++;
        } else {
          fp++;
        }
      } else if (y == 1) {
        fn++;
      } else {
        tn++;
      }
      double clipped = Math.min(Math.max(p, EPSILON), 1 - EPSILON);
      loss -= y == 1 ? Math.log(clipped) : Math.log(1 - clipped);
    }
    double precision = ratio(tp, tp + fp);
    double recall = ratio(tp, tp + fn);
    double f1 = ratio(2 * tp, 2 * tp + fp + fn);
    return new BinaryMetrics(labels.length, (double) (tp + tn) / labels.length, precision, recall, f1,
        rocAuc(labels, probabilities), loss / labels.length);
  }

  /**
   * Area under the ROC curve as the Mann-Whitney U statistic with tied scores sharing their average rank — the same
   * number as scikit-learn's trapezoidal curve.
   */
  static double rocAuc(int[] labels, double[] scores) {
    int n = labels.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
    double positiveRankSum = 0;
    long positives = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
        j++;
      }
      double averageRank = (i + j) / 2.0 + 1; // 1-based
      for (int k = i; k <= j; k++) {
        if (labels[order[k]] == 1) {
          positiveRankSum += averageRank;
          positives++;
        }
      }
      i = j + 1;
    }
    long negatives = n - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
  }

  static double ratio(long numerator, long denominator) {
    return denominator == 0 ? 0 : (double) numerator / denominator;
  }
}
