package dev.pier.monitoring.performance;

/**
 * Performance of a binary classifier estimated without labels, as NannyML's confidence-based performance estimation
 * (CBPE) does for its point estimates: if the model's probabilities are calibrated, a row predicted positive with
 * probability p is a true positive with probability p and a false positive with 1 − p (a row predicted negative: a
 * false negative with p, a true negative with 1 − p). Summing these gives the expected confusion matrix and its
 * metrics. Only as good as the calibration: compare with the realized metrics once labels arrive.
 *
 * @param rows the rows it is estimated over (every captured row with a probability, labelled or not)
 */
public record EstimatedPerformance(long rows, double accuracy, double precision, double recall, double f1,
    String method) {

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
        tp + fn == 0 ? 0 : tp / (tp + fn), 2 * tp + fp + fn == 0 ? 0 : 2 * tp / (2 * tp + fp + fn), "cbpe");
  }
}
