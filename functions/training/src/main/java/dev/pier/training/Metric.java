package dev.pier.training;

import dev.pier.kernel.PierException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The metrics a job is judged by, with scikit-learn's definitions (the tests compare with its values): computed from
 * the labels and the model's predicted probabilities (binary: P(y = 1) per row; multiclass: one probability per class,
 * row after row) or values (regression). Thresholded metrics predict 1 where P(y = 1) &gt; 0.5, the argmax class for
 * multiclass.
 */
public enum Metric {
  /** Area under the ROC curve (ties get half credit: the Mann–Whitney statistic). */
  AUC("auc", true, Task.BINARY),
  /** Average precision, scikit-learn's {@code average_precision_score} (not XGBoost's interpolated {@code aucpr}). */
  AUCPR("aucpr", true, Task.BINARY),
  /** Mean negative log-likelihood, probabilities clipped to [1e-15, 1 − 1e-15]. */
  LOGLOSS("logloss", false, Task.BINARY),
  ACCURACY("accuracy", true, null),
  /** 1 − accuracy, binary (XGBoost's {@code error}). */
  ERROR("error", false, Task.BINARY),
  F1("f1", true, Task.BINARY),
  PRECISION("precision", true, Task.BINARY),
  RECALL("recall", true, Task.BINARY),
  /** Multiclass log loss: clipped, rows renormalized, as scikit-learn 1.2's {@code log_loss}. */
  MLOGLOSS("mlogloss", false, Task.MULTICLASS),
  /** 1 − accuracy, multiclass. */
  MERROR("merror", false, Task.MULTICLASS),
  RMSE("rmse", false, Task.REGRESSION),
  MAE("mae", false, Task.REGRESSION),
  R2("r2", true, Task.REGRESSION),
  /**
   * Normalized discounted cumulative gain over each query's rows, averaged over queries, as scikit-learn's
   * {@code ndcg_score}: linear gain (the relevance label), discount 1 / log2(rank + 1), tied scores sharing their
   * positions' discounts, a query without a relevant row scoring 0. {@code @k} counts the top k positions only.
   */
  NDCG("ndcg", true, Task.RANKING, 0),
  NDCG_1("ndcg@1", true, Task.RANKING, 1),
  NDCG_3("ndcg@3", true, Task.RANKING, 3),
  NDCG_5("ndcg@5", true, Task.RANKING, 5),
  NDCG_10("ndcg@10", true, Task.RANKING, 10);

  private static final double EPS = 1e-15;
  private final String id;
  private final boolean greaterIsBetter;
  private final Task task;
  private final int cutoff;

  Metric(String id, boolean greaterIsBetter, Task task) {
    this(id, greaterIsBetter, task, 0);
  }

  Metric(String id, boolean greaterIsBetter, Task task, int cutoff) {
    this.id = id;
    this.greaterIsBetter = greaterIsBetter;
    this.task = task;
    this.cutoff = cutoff;
  }

  /** Whether the metric scores rows within query groups ({@link #score(double[], double[], int, int[])}). */
  public boolean needsGroups() {
    return task == Task.RANKING;
  }

  /** The name jobs use ({@code "auc"}, {@code "rmse"}, …). */
  public String id() {
    return id;
  }

  public boolean greaterIsBetter() {
    return greaterIsBetter;
  }

  /** A metric by its name; an unknown one is a 400 listing the known. */
  public static Metric of(String name) {
    String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
    for (Metric m : values()) {
      if (m.id.equals(n)) {
        return m;
      }
    }
    throw PierException.badRequest("unknown metric '" + name + "': "
        + Arrays.stream(values()).map(Metric::id).collect(Collectors.joining(", ")));
  }

  /** Refuses (400) a metric that does not fit what the objective predicts (AUC of a regression, …). */
  public void requireFits(Task t, String objective) {
    boolean fits = task == null ? t != Task.REGRESSION && t != Task.RANKING : task == t;
    if (!fits) {
      throw PierException.badRequest("metric '" + id + "' does not fit objective '" + objective + "'");
    }
  }

  /**
   * The metric of predictions {@code p} ({@code columns} values per row, row after row) against {@code y}; NaN where
   * it is undefined (AUC of a fold holding one class).
   */
  public double score(double[] y, double[] p, int columns) {
    int n = y.length;
    return switch (this) {
      case NDCG, NDCG_1, NDCG_3, NDCG_5, NDCG_10 ->
          throw new IllegalArgumentException("metric '" + id + "' scores within query groups");
      case AUC -> auc(y, p);
      case AUCPR -> averagePrecision(y, p);
      case LOGLOSS -> {
        double sum = 0;
        for (int i = 0; i < n; i++) {
          double q = Math.min(Math.max(p[i], EPS), 1 - EPS);
          sum -= y[i] == 1 ? Math.log(q) : Math.log(1 - q);
        }
        yield sum / n;
      }
      case ACCURACY -> 1 - errorRate(y, p, columns);
      case ERROR, MERROR -> errorRate(y, p, columns);
      case F1, PRECISION, RECALL -> {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < n; i++) {
          boolean predicted = p[i] > 0.5;
          boolean actual = y[i] == 1;
          tp += predicted && actual ? 1 : 0;
          fp += predicted && !actual ? 1 : 0;
          fn += !predicted && actual ? 1 : 0;
        }
        double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
        double recall = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
        yield this == PRECISION ? precision : this == RECALL ? recall
            : 2 * tp + fp + fn == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn);
      }
      case MLOGLOSS -> {
        double sum = 0;
        for (int i = 0; i < n; i++) {
          double rowSum = 0;
          for (int c = 0; c < columns; c++) {
            rowSum += Math.min(Math.max(p[i * columns + c], EPS), 1 - EPS);
          }
          double q = Math.min(Math.max(p[i * columns + (int) y[i]], EPS), 1 - EPS) / rowSum;
          sum -= Math.log(q);
        }
        yield sum / n;
      }
      case RMSE, MAE -> {
        double sum = 0;
        for (int i = 0; i < n; i++) {
          double d = p[i] - y[i];
          sum += this == RMSE ? d * d : Math.abs(d);
        }
        yield this == RMSE ? Math.sqrt(sum / n) : sum / n;
      }
      case R2 -> {
        double mean = 0;
        for (double v : y) {
          mean += v;
        }
        mean /= n;
        double res = 0;
        double tot = 0;
        for (int i = 0; i < n; i++) {
          res += (y[i] - p[i]) * (y[i] - p[i]);
          tot += (y[i] - mean) * (y[i] - mean);
        }
        yield tot == 0 ? Double.NaN : 1 - res / tot;
      }
    };
  }

  /** As {@link #score(double[], double[], int)}; ranking metrics need {@code groups}, each row's query. */
  public double score(double[] y, double[] p, int columns, int[] groups) {
    if (!needsGroups()) {
      return score(y, p, columns);
    }
    if (groups == null) {
      throw new IllegalArgumentException("metric '" + id + "' needs each row's query group");
    }
    return Ndcg.mean(y, p, groups, cutoff);
  }

  private static double errorRate(double[] y, double[] p, int columns) {
    long wrong = 0;
    for (int i = 0; i < y.length; i++) {
      double predicted;
      if (columns == 1) {
        predicted = p[i] > 0.5 ? 1 : 0;
      } else {
        int best = 0;
        for (int c = 1; c < columns; c++) {
          if (p[i * columns + c] > p[i * columns + best]) {
            best = c;
          }
        }
        predicted = best;
      }
      wrong += predicted == y[i] ? 0 : 1;
    }
    return (double) wrong / y.length;
  }

  /** Rows by descending score. */
  private static Integer[] byScoreDescending(double[] p) {
    Integer[] order = new Integer[p.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
    return order;
  }

  private static double auc(double[] y, double[] p) {
    Integer[] order = byScoreDescending(p);
    double positives = 0;
    double negatives = 0;
    for (double v : y) {
      if (v == 1) {
        positives++;
      } else {
        negatives++;
      }
    }
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    // Walk the distinct thresholds: each negative scores the positives ranked above it, half the tied ones.
    double area = 0;
    double posAbove = 0;
    int i = 0;
    while (i < order.length) {
      int j = i;
      double tiedPos = 0;
      double tiedNeg = 0;
      while (j < order.length && p[order[j]] == p[order[i]]) {
        if (y[order[j]] == 1) {
          tiedPos++;
        } else {
          tiedNeg++;
        }
        j++;
      }
      area += tiedNeg * (posAbove + tiedPos / 2);
      posAbove += tiedPos;
      i = j;
    }
    return area / (positives * negatives);
  }

  private static double averagePrecision(double[] y, double[] p) {
    Integer[] order = byScoreDescending(p);
    double positives = 0;
    for (double v : y) {
      positives += v == 1 ? 1 : 0;
    }
    if (positives == 0) {
      return Double.NaN;
    }
    double ap = 0;
    double tp = 0;
    double fp = 0;
    double lastRecall = 0;
    int i = 0;
    while (i < order.length) {
      int j = i;
      while (j < order.length && p[order[j]] == p[order[i]]) {
        if (y[order[j]] == 1) {
          tp++;
        } else {
          fp++;
        }
        j++;
      }
      double recall = tp / positives;
      ap += (recall - lastRecall) * (tp / (tp + fp));
      lastRecall = recall;
      i = j;
    }
    return ap;
  }
}
