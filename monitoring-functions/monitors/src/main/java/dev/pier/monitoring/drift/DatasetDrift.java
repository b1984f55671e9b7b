package dev.pier.monitoring.drift;

import dev.pier.monitoring.profile.DataProfile;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Drift over a set of columns: each column's {@link ColumnDrift}, the share of columns that drifted, and dataset drift
 * when that share reaches the threshold (Evidently's default 0.5). Columns that cannot be compared (no values on one
 * side, a numeric method on categories) are listed in {@code skipped} with the reason and left out of the share.
 */
public record DatasetDrift(
    Map<String, ColumnDrift> columns, Map<String, String> skipped, double shareDrifted, boolean datasetDrift) {

  /** Evidently's default share of drifted columns for dataset drift. */
  public static final double DEFAULT_SHARE = 0.5;

  /** Exact drift of every reference column from raw column values. */
  public static DatasetDrift exact(Map<String, ? extends Collection<?>> reference,
      Map<String, ? extends Collection<?>> current, Map<String, DriftSpec> specs, double share) {
    return exact(reference.keySet(), reference, current, specs, share);
  }

  /** Exact drift of the named columns from raw column values. */
  public static DatasetDrift exact(Collection<String> columnNames, Map<String, ? extends Collection<?>> reference,
      Map<String, ? extends Collection<?>> current, Map<String, DriftSpec> specs, double share) {
    return compute(List.copyOf(columnNames), specs, share, (column, spec) -> ColumnDriftCalculator.exact(
        RawColumn.of(reference.containsKey(column) ? reference.get(column) : List.of()), RawColumn.of(current.containsKey(column) ? current.get(column) : List.of()), spec));
  }

  /** Drift of every reference column from two profiles. */
  public static DatasetDrift fromProfiles(DataProfile reference, DataProfile current, Map<String, DriftSpec> specs,
      double share) {
    return fromProfiles(reference.columns().keySet(), reference, current, specs, share);
  }

  /** Drift of the named columns from two profiles. */
  public static DatasetDrift fromProfiles(Collection<String> columnNames, DataProfile reference, DataProfile current,
      Map<String, DriftSpec> specs, double share) {
    return compute(List.copyOf(columnNames), specs, share, (column, spec) -> {
      if (!reference.columns().containsKey(column)) {
        throw new IllegalArgumentException("the reference has no values in this column");
      }
      if (!current.columns().containsKey(column)) {
        throw new IllegalArgumentException("the current data has no values in this column");
      }
      return ColumnDriftCalculator.fromProfiles(reference.columns().get(column), current.columns().get(column), spec);
    });
  }

  private static DatasetDrift compute(List<String> names, Map<String, DriftSpec> specs, double share,
      BiFunction<String, DriftSpec, ColumnDrift> drift) {
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException("drift share must be in (0, 1], got " + share);
    }
    Map<String, ColumnDrift> columns = new TreeMap<>();
    Map<String, String> skipped = new TreeMap<>();
    for (String name : names) {
      try {
        columns.put(name, drift.apply(name, specs.getOrDefault(name, DriftSpec.DEFAULT)));
      } catch (IllegalArgumentException e) {
        skipped.put(name, e.getMessage());
      }
    }
    long drifted = columns.values().stream().filter(ColumnDrift::drifted).count();
    double shareDrifted = columns.isEmpty() ? 0 : (double) drifted / columns.size();
    return new DatasetDrift(columns, skipped, shareDrifted, !columns.isEmpty() && shareDrifted >= share);
  }
}
