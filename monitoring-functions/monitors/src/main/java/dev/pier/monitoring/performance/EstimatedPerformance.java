package dev.pier.monitoring.performance;

import java.util.Arrays;

/**
 * Performance of a binary classifier estimated without labels, as NannyML's confidence-based performance estimation
 * (CBPE) does for its point estimates: if the model's probabilities are calibrated, a row predicted positive with
 * probability p is a true positive with probability p and a false positive with 1 − p (a row predicted negative: a
 * false negative with p, a true negative with 1 − p). Summing these gives the expected confusion matrix and its
 * metrics. ROC AUC is the area under the expected ROC curve: rows by descending probability, the expected true
 * positives above each cut the running sum of the probabilities and the expected false positives the rest (NannyML's
 * {@code estimate_roc_auc}, counts rounded to 5 decimals as there). Only as good as the calibration: compare with the
 * realized metrics once labels arrive.
 *
 * @param rows the rows it is estimated over (every captured row with a probability, labelled or not)
 * @param rocAuc NaN when every probability is 0 or every one is 1 (no expected positives or negatives)
 */
public record EstimatedPerformance(long rows, double accuracy, double precision, double recall, double f1,
    double rocAuc, String method) {

  public static EstimatedPerformance cbpe(double[] probabilities, double threshold) {
    double tp = 0;
    double fp = 0;
    double fn = 0;
    double tn = 0;
    for (double p : probabilities) {
      if (p >= threshold) {
        tp += p;
        fp += 1 - p;
      } else {
        fn += p;
        tn += 1 - p;
      }
    }
    int n = probabilities.length;
    return new EstimatedPerformance(n, n == 0 ? Double.NaN : (tp + tn) / n, tp + fp == 0 ? 0 : tp / (tp + fp),
        tp + fn == 0 ? 0 : tp / (tp + fn), 2 * tp + fp + fn == 0 ? 0 : 2 * tp / (2 * tp + fp + fn),
        rocAuc(probabilities), "cbpe");
  }

  /**
   * The area under the expected ROC curve of calibrated probabilities, by the trapezoidal rule. Rows of equal
   * probability add equal steps, so their order among themselves does not change the area.
   */
  static double rocAuc(double[] probabilities) {
    int n = probabilities.length;
    double[] sorted = probabilities.clone();
    Arrays.sort(sorted);
    double[] tps = new double[n + 1];
    double[] fps = new double[n + 1];
    double sum = 0;
    for (int k = 1; k <= n; k++) {
      sum += sorted[n - k]; // descending
      tps[k] = round5(sum);
      fps[k] = round5(k - sum);
    }
    double positives = tps[n];
    double negatives = fps[n];
    if (!(positives > 0) || !(negatives > 0)) {
      return Double.NaN;
    }
    double area = 0;
    for (int k = 1; k <= n; k++) {
      area += (fps[k] - fps[k - 1]) / negatives * (tps[k] + tps[k - 1]) / positives / 2;
    }
    return area;
  }

  /** NumPy's {@code round(x, 5)} (half to even, on the scaled value). */
  private static double round5(double x) {
    return Math.rint(x * 1e5) / 1e5;
  }
}
