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

  /** A column's importance, its normalized weight and whether it drifted in this run. */
  public record Column(double importance, double weight, boolean drifted) {
  }

  /** The drift weighted by {@code importance}; null when none of the drift's columns has an importance. */
  public static FeatureImportance weigh(String source, Map<String, Double> importance, DatasetDrift drift) {
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
      columns.put(e.getKey(), new Column(value, weight, e.getValue().drifted()));
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
