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
 * <p><b>Confidence bands.</b> Each estimate comes with its sampling error: the standard deviation of the metric the
 * window's labels would give if the probabilities are calibrated (each row's label drawn as Bernoulli(p), rows
 * independent), which shrinks with the window's size as NannyML's sampling error does with the chunk's. NannyML takes
 * it from the reference's labels and the chunk size; Pier takes it from the window's own probabilities, so it needs
 * no labelled reference: accuracy and precision exactly ({@code sqrt(Σ p(1 − p)) / n} over all rows, resp. over the
 * rows predicted positive), recall and f1 by the delta method on the expected true positives and false negatives,
 * ROC AUC by a seeded parametric bootstrap of {@value #BOOTSTRAP} label draws. The band is the estimate ± 3 sampling
 * errors (NannyML's width), clipped to [0, 1]. Checked against a NumPy Monte Carlo of 20,000 label draws
 * ({@code make_cbpe_bands_reference.py}).
 *
 * @param rows the rows it is estimated over (every captured row with a probability, labelled or not)
 * @param rocAuc NaN when every probability is 0 or every one is 1 (no expected positives or negatives)
 * @param confidence per metric ({@code accuracy, precision, recall, f1, roc_auc}) its sampling error and band
 */
public record EstimatedPerformance(long rows, double accuracy, double precision, double recall, double f1,
    double rocAuc, String method, java.util.Map<String, Band> confidence) {

  /** How many label draws the ROC AUC's sampling error is estimated from. */
  public static final int BOOTSTRAP = 500;
  /** Bands are the estimate ± this many sampling errors (NannyML's). */
  public static final double BAND_WIDTH = 3;

  /**
   * A metric's sampling error and its confidence band {@code [lower, upper]}; NaN throughout when it is undefined
   * (no rows, or no row predicted positive for precision).
   */
  public record Band(double samplingError, double lower, double upper) {
    static Band of(double estimate, double samplingError) {
      if (!Double.isFinite(estimate) || !Double.isFinite(samplingError)) {
        return new Band(samplingError, Double.NaN, Double.NaN);
      }
      return new Band(samplingError, Math.max(0, estimate - BAND_WIDTH * samplingError),
          Math.min(1, estimate + BAND_WIDTH * samplingError));
    }
  }

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
    double accuracy = n == 0 ? Double.NaN : (tp + tn) / n;
    double precision = tp + fp == 0 ? 0 : tp / (tp + fp);
    double recall = tp + fn == 0 ? 0 : tp / (tp + fn);
    double f1 = 2 * tp + fp + fn == 0 ? 0 : 2 * tp / (2 * tp + fp + fn);
    double rocAuc = rocAuc(probabilities);
    // variances of the true positives (rows predicted positive) and false negatives (the others) under calibration
    double varTp = 0;
    double varFn = 0;
    for (double p : probabilities) {
      if (p >= threshold) {
        varTp += p * (1 - p);
      } else {
        varFn += p * (1 - p);
      }
    }
    double predictedPositive = tp + fp;
    double seAccuracy = n == 0 ? Double.NaN : Math.sqrt(varTp + varFn) / n;
    double sePrecision = predictedPositive == 0 ? Double.NaN : Math.sqrt(varTp) / predictedPositive;
    // recall = TP / (TP + FN): d/dTP = FN / (TP + FN)², d/dFN = −TP / (TP + FN)²
    double positives = tp + fn;
    double seRecall = positives == 0 ? Double.NaN
        : Math.sqrt(fn * fn * varTp + tp * tp * varFn) / (positives * positives);
    // f1 = 2 TP / (TP + n₊ + FN), n₊ the rows predicted positive: d/dTP = 2 (n₊ + FN) / D², d/dFN = −2 TP / D²
    double d = tp + predictedPositive + fn;
    double seF1 = d == 0 ? Double.NaN
        : 2 * Math.sqrt((predictedPositive + fn) * (predictedPositive + fn) * varTp + tp * tp * varFn) / (d * d);
    double seRocAuc = Double.isNaN(rocAuc) ? Double.NaN : bootstrapRocAucError(probabilities);
    java.util.Map<String, Band> confidence = new java.util.LinkedHashMap<>();
    confidence.put("accuracy", Band.of(accuracy, seAccuracy));
    confidence.put("precision", Band.of(precision, sePrecision));
    confidence.put("recall", Band.of(recall, seRecall));
    confidence.put("f1", Band.of(f1, seF1));
    confidence.put("roc_auc", Band.of(rocAuc, seRocAuc));
    return new EstimatedPerformance(n, accuracy, precision, recall, f1, rocAuc, "cbpe",
        java.util.Collections.unmodifiableMap(confidence));
  }

  /**
   * The standard deviation of the ROC AUC over {@value #BOOTSTRAP} draws of labels ~ Bernoulli(p) (a fixed seed, so a
   * window's answer is reproducible); draws with only one class are skipped. NaN when fewer than two draws count.
   */
  static double bootstrapRocAucError(double[] probabilities) {
    int n = probabilities.length;
    double[] sorted = probabilities.clone();
    Arrays.sort(sorted); // ascending: walked from the end
    java.util.SplittableRandom random = new java.util.SplittableRandom(0x5EED_CB9EL);
    double sum = 0;
    double sumSquares = 0;
    int counted = 0;
    for (int b = 0; b < BOOTSTRAP; b++) {
      double pairs = 0; // (positive, negative) pairs ordered right, ties half
      long positivesAbove = 0;
      long positives = 0;
      int i = n - 1;
      while (i >= 0) {
        int j = i;
        long groupPositives = 0;
        long groupNegatives = 0;
        while (j >= 0 && sorted[j] == sorted[i]) {
          if (random.nextDouble() < sorted[j]) {
            groupPositives++;
          } else {
            groupNegatives++;
          }
          j--;
        }
        pairs += groupNegatives * (positivesAbove + 0.5 * groupPositives);
        positivesAbove += groupPositives;
        positives += groupPositives;
        i = j;
      }
      long negatives = n - positives;
      if (positives == 0 || negatives == 0) {
        continue;
      }
      double auc = pairs / ((double) positives * negatives);
      sum += auc;
      sumSquares += auc * auc;
      counted++;
    }
    if (counted < 2) {
      return Double.NaN;
    }
    double mean = sum / counted;
    return Math.sqrt(Math.max(0, (sumSquares - counted * mean * mean) / (counted - 1)));
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
