package dev.pier.monitoring.drift;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Drift weighted by feature importance: a drifted column the model leans on matters more than one it ignores. Each
 * compared column's weight is its |importance| over the sum of those of the compared columns that have one;
 * {@code weightedDriftShare} is the sum of the drifted columns' weights (the share of the model's importance that
 * drifted, 0 to 1), and the drifted columns are listed most important first.
 *
 * @param source where the importance came from, in words
 * @param unweighted compared columns with no importance (weight 0)
 */
public record FeatureImportance(String source, Map<String, Column> columns, double weightedDriftShare,
    List<String> driftedByImportance, List<String> unweighted) {

  /**
   * A column's importance, its normalized weight and whether it drifted in this run; with importance measured the same
   * way on the reference, that importance and the change ({@code importance - referenceImportance}), else nulls.
   */
  public record Column(double importance, double weight, boolean drifted, Double referenceImportance, Double change) {
    public Column(double importance, double weight, boolean drifted) {
      this(importance, weight, drifted, null, null);
    }
  }

  /** The drift weighted by {@code importance}; null when none of the drift's columns has an importance. */
  public static FeatureImportance weigh(String source, Map<String, Double> importance, DatasetDrift drift) {
    return weigh(source, importance, Map.of(), drift);
  }

  /**
   * As {@link #weigh(String, Map, DatasetDrift)}, each column also with its importance on the reference
   * ({@code reference}, measured the same way) and the change against it.
   */
  public static FeatureImportance weigh(String source, Map<String, Double> importance, Map<String, Double> reference,
      DatasetDrift drift) {
    if (drift == null || importance.isEmpty()) {
      return null;
    }
    double total = 0;
    for (String column : drift.columns().keySet()) {
      Double value = importance.get(column);
      if (value != null && Double.isFinite(value)) {
        total += Math.abs(value);
      }
    }
    if (total == 0) {
      return null;
    }
    Map<String, Column> columns = new TreeMap<>();
    List<String> unweighted = new ArrayList<>();
    double share = 0;
    for (Map.Entry<String, ColumnDrift> e : drift.columns().entrySet()) {
      Double value = importance.get(e.getKey());
      if (value == null || !Double.isFinite(value)) {
        unweighted.add(e.getKey());
        continue;
      }
      double weight = Math.abs(value) / total;
      Double before = reference.get(e.getKey());
      boolean compared = before != null && Double.isFinite(before);
      columns.put(e.getKey(), new Column(value, weight, e.getValue().drifted(), compared ? before : null,
          compared ? value - before : null));
      if (e.getValue().drifted()) {
        share += weight;
      }
    }
    List<String> ranked = columns.entrySet().stream().filter(e -> e.getValue().drifted())
        .sorted(Comparator.comparingDouble((Map.Entry<String, Column> e) -> -e.getValue().weight())
            .thenComparing(Map.Entry::getKey))
        .map(Map.Entry::getKey).toList();
    unweighted.sort(null);
    return new FeatureImportance(source, columns, Math.min(1, share), ranked, unweighted);
  }
}
