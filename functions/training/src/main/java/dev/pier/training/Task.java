package dev.pier.training;

import dev.pier.kernel.PierException;

/** What an XGBoost objective learns, which decides the metrics that fit it and how labels must look. */
public enum Task {
  /** {@code binary:*}: labels 0 or 1, one probability per row. */
  BINARY,
  /** {@code multi:*}: labels 0 … num_class − 1, one probability per class and row. */
  MULTICLASS,
  /** Everything else ({@code reg:*}, {@code count:*}, {@code survival:*}, …): one value per row. */
  REGRESSION;

  public static Task of(String objective) {
    if (objective.startsWith("binary:")) {
      return BINARY;
    }
    if (objective.startsWith("multi:")) {
      return MULTICLASS;
    }
    if (objective.startsWith("rank:")) {
      throw PierException.badRequest("objective '" + objective + "' needs query groups, which training jobs do not "
          + "take yet");
    }
    return REGRESSION;
  }
}
