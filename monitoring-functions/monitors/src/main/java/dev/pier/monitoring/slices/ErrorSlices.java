package dev.pier.monitoring.slices;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.hipparchus.distribution.continuous.TDistribution;
import org.hipparchus.stat.interval.BinomialProportion;
import org.hipparchus.stat.interval.ConfidenceInterval;

/**
 * Error analysis: the slices of a window's labelled rows where the model does worst. A slice is one category of a
 * column, or one quartile range of a numeric column (of its values in the window; columns with at most five distinct
 * numbers are sliced by value). Classifiers are ranked by error rate with its Wilson score interval, regressors by mean
 * absolute error with its Student-t interval, both at 95% (Hipparchus). Slices of fewer than {@value #MIN_ROWS} rows
 * are left out: their rates say little. Pure; thread-safe.
 */
public final class ErrorSlices {
  static final int MIN_ROWS = 10;
  public static final int TOP = 10;
  private static final double CONFIDENCE = 0.95;
  private static final int MAX_CATEGORIES = 50;

  private ErrorSlices() {
  }

  /**
   * One slice.
   *
   * @param slice the category, or the range {@code [low, high)} ({@code [low, high]} for the last)
   * @param metric {@code error_rate} or {@code mean_absolute_error}
   */
  public record Slice(String column, String slice, long rows, String metric, double value, double low,
      double high) {
  }

  /**
   * @param columns per row, its input values by column
   * @param errors per row, 0/1 (wrong) for classifiers or the absolute residual for regressors
   * @param classification whether {@code errors} are 0/1
   */
  public static List<Slice> worst(List<Map<String, Object>> columns, double[] errors, boolean classification) {
    TreeSet<String> names = new TreeSet<>();
    columns.forEach(r -> names.addAll(r.keySet()));
    List<Slice> out = new ArrayList<>();
    for (String column : names) {
      Map<String, List<Integer>> groups = groups(column, columns);
      groups.forEach((slice, rows) -> {
        if (rows.size() >= MIN_ROWS) {
          out.add(slice(column, slice, rows, errors, classification));
        }
      });
    }
    out.sort(Comparator.comparingDouble(Slice::value).reversed().thenComparing(Comparator.comparingLong(Slice::rows)
        .reversed()).thenComparing(Slice::column).thenComparing(Slice::slice));
    return List.copyOf(out.subList(0, Math.min(TOP, out.size())));
  }

  private static Slice slice(String column, String name, List<Integer> rows, double[] errors,
      boolean classification) {
    int n = rows.size();
    double sum = 0;
    for (int r : rows) {
      sum += errors[r];
    }
    double mean = sum / n;
    if (classification) {
      ConfidenceInterval ci = BinomialProportion.getWilsonScoreInterval(n, mean, CONFIDENCE);
      return new Slice(column, name, n, "error_rate", mean, ci.getLowerBound(), ci.getUpperBound());
    }
    double ss = 0;
    for (int r : rows) {
      ss += (errors[r] - mean) * (errors[r] - mean);
    }
    double half = new TDistribution(n - 1).inverseCumulativeProbability(0.5 + CONFIDENCE / 2)
        * Math.sqrt(ss / (n - 1) / n);
    return new Slice(column, name, n, "mean_absolute_error", mean, mean - half, mean + half);
  }

  /** Row indexes per slice of one column; rows without a value in it are in no slice. */
  private static Map<String, List<Integer>> groups(String column, List<Map<String, Object>> rows) {
    List<Double> numbers = new ArrayList<>();
    boolean numeric = true;
    for (Map<String, Object> r : rows) {
      Object v = r.get(column);
      if (v instanceof Number x) {
        numbers.add(x.doubleValue());
      } else if (v != null) {
        numeric = false;
      }
    }
    Map<String, List<Integer>> out = new LinkedHashMap<>();
    double[] sorted = numbers.stream().mapToDouble(Double::doubleValue).filter(Double::isFinite).sorted().toArray();
    if (numeric && Arrays.stream(sorted).distinct().count() > 5) {
      double[] edges = new TreeSet<>(List.of(sorted[0], quantile(sorted, 0.25), quantile(sorted, 0.5),
          quantile(sorted, 0.75), sorted[sorted.length - 1])).stream().mapToDouble(Double::doubleValue).toArray();
      for (int i = 0; i < rows.size(); i++) {
        if (rows.get(i).get(column) instanceof Number x && Double.isFinite(x.doubleValue())) {
          int b = 0;
          while (b < edges.length - 2 && x.doubleValue() >= edges[b + 1]) {
            b++;
          }
          String name = String.format(Locale.ROOT, "[%.4g, %.4g%s", edges[b], edges[b + 1],
              b == edges.length - 2 ? "]" : ")");
          out.computeIfAbsent(name, k -> new ArrayList<>()).add(i);
        }
      }
      return out;
    }
    for (int i = 0; i < rows.size(); i++) {
      Object v = rows.get(i).get(column);
      if (v != null && (out.size() < MAX_CATEGORIES || out.containsKey(name(v)))) {
        out.computeIfAbsent(name(v), k -> new ArrayList<>()).add(i);
      }
    }
    return out;
  }

  private static String name(Object v) {
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Double.isFinite(n.doubleValue())) {
      return Long.toString((long) n.doubleValue());
    }
    return String.valueOf(v);
  }

  /** Linear interpolation between order statistics (NumPy's default). */
  private static double quantile(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }
}
