package dev.pier.training;

/** What an XGBoost objective learns, which decides the metrics that fit it and how labels must look. */
public enum Task {
  /** {@code binary:*}: labels 0 or 1, one probability per row. */
  BINARY,
  /** {@code multi:*}: labels 0 … num_class − 1, one probability per class and row. */
  MULTICLASS,
  /** {@code rank:*}: relevance labels (0, 1, 2, …) within query groups, one score per row. */
  RANKING,
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
      return RANKING;
    }
    return REGRESSION;
  }
}
