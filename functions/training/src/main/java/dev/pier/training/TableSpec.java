package dev.pier.training;

import dev.pier.kernel.PierException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which columns of a training table are what.
 *
 * @param label the column to learn (numbers; {@code true}/{@code false} read as 1/0)
 * @param features the feature columns in model-input order; empty means every column that is not the label, the group
 *     or the time column, in the file's order
 * @param group the column whose values keep rows together in group k-fold (any type), or null
 * @param time the column rows are ordered by (stable, ascending) before time-series splits, or null to keep the
 *     file's row order
 */
public record TableSpec(String label, List<String> features, String group, String time) {
  public TableSpec {
    if (label == null || label.isBlank()) {
      throw PierException.badRequest("the dataset needs a 'label' column");
    }
    features = features == null ? List.of() : List.copyOf(features);
    Set<String> seen = new HashSet<>();
    for (String f : features) {
      if (f == null || f.isBlank()) {
        throw PierException.badRequest("a feature name is empty");
      }
      if (!seen.add(f)) {
        throw PierException.badRequest("feature '" + f + "' is listed twice");
      }
      if (f.equals(label)) {
        throw PierException.badRequest("the label '" + label + "' is also listed as a feature");
      }
    }
  }

  /** Label and features only. */
  public static TableSpec of(String label, List<String> features) {
    return new TableSpec(label, features, null, null);
  }

  public TableSpec withGroup(String group) {
    return new TableSpec(label, features, group, time);
  }

  public TableSpec withTime(String time) {
    return new TableSpec(label, features, group, time);
  }
}
