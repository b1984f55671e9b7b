package dev.pier.training;

import dev.pier.kernel.PierException;
import java.util.List;

/**
 * A training table in memory, by column: the features as 32-bit floats (XGBoost's type; NaN is a missing value), the
 * label, and optionally each row's group. Rows are numbered from 0 in the table's order (the file's, or the time
 * column's where the spec names one). Immutable once built: the arrays it hands out are its own and must not be
 * written to.
 */
public final class TrainingTable {
  private final String label;
  private final List<String> features;
  private final float[][] columns;
  private final float[] labels;
  private final int[] groups;
  private final int groupCount;
  private final List<List<String>> categories;

  /**
   * @param columns {@code columns[f][row]}, one array per feature, all as long as {@code labels}
   * @param groups each row's group as an index into the sorted distinct group values, or null
   */
  public TrainingTable(String label, List<String> features, float[][] columns, float[] labels, int[] groups) {
    this(label, features, columns, labels, groups, null);
  }

  /**
   * @param categories per feature, null for a numeric one, else its categories in code order: that column holds
   *     each row's category code (0 … size − 1, NaN for a missing one), which XGBoost splits on as categories
   */
  public TrainingTable(String label, List<String> features, float[][] columns, float[] labels, int[] groups,
      List<List<String>> categories) {
    if (categories != null && categories.size() != features.size()) {
      throw new IllegalArgumentException(categories.size() + " category lists for " + features.size() + " features");
    }
    if (features.size() != columns.length) {
      throw new IllegalArgumentException(features.size() + " feature names for " + columns.length + " columns");
    }
    for (float[] c : columns) {
      if (c.length != labels.length) {
        throw new IllegalArgumentException("a column of " + c.length + " rows beside " + labels.length + " labels");
      }
    }
    if (groups != null && groups.length != labels.length) {
      throw new IllegalArgumentException(groups.length + " groups for " + labels.length + " rows");
    }
    if (labels.length == 0) {
      throw PierException.badRequest("the training table has no rows");
    }
    if (features.isEmpty()) {
      throw PierException.badRequest("the training table has no feature columns");
    }
    for (int r = 0; r < labels.length; r++) {
      if (Float.isNaN(labels[r])) {
        throw PierException.badRequest("label '" + label + "' is missing in row " + (r + 1));
      }
    }
    this.label = label;
    this.features = List.copyOf(features);
    this.columns = columns;
    this.labels = labels;
    this.groups = groups;
    int max = -1;
    if (groups != null) {
      for (int g : groups) {
        max = Math.max(max, g);
      }
    }
    this.groupCount = max + 1;
    this.categories = categories == null ? null
        : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(categories));
  }

  /** Feature {@code f}'s categories in code order, or null for a numeric feature. */
  public List<String> categories(int f) {
    return categories == null ? null : categories.get(f);
  }

  /** Whether any feature is categorical. */
  public boolean hasCategories() {
    return categories != null && categories.stream().anyMatch(java.util.Objects::nonNull);
  }

  /** XGBoost's feature types: {@code c} for a categorical feature, {@code q} for a numeric one. */
  public String[] featureTypes() {
    String[] types = new String[columns.length];
    for (int f = 0; f < types.length; f++) {
      types[f] = categories(f) == null ? "q" : "c";
    }
    return types;
  }

  public String label() {
    return label;
  }

  /** Feature names in model-input order. */
  public List<String> features() {
    return features;
  }

  public int rows() {
    return labels.length;
  }

  public int featureCount() {
    return columns.length;
  }

  /** Feature {@code f}'s values by row. */
  public float[] column(int f) {
    return columns[f];
  }

  /** The labels by row. */
  public float[] labels() {
    return labels;
  }

  /** Each row's group (an index into the sorted distinct values of the group column), or null without one. */
  public int[] groups() {
    return groups;
  }

  /** How many distinct groups there are (0 without a group column). */
  public int groupCount() {
    return groupCount;
  }

  /** The given rows' features, row after row (the layout XGBoost's dense DMatrix takes). */
  public float[] rowMajor(int[] rows) {
    int width = columns.length;
    float[] out = new float[rows.length * width];
    for (int f = 0; f < width; f++) {
      float[] c = columns[f];
      for (int i = 0; i < rows.length; i++) {
        out[i * width + f] = c[rows[i]];
      }
    }
    return out;
  }

  /** The given rows' labels. */
  public float[] labels(int[] rows) {
    float[] out = new float[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = labels[rows[i]];
    }
    return out;
  }

  /** The given rows' groups, or null without a group column. */
  public int[] groups(int[] rows) {
    if (groups == null) {
      return null;
    }
    int[] out = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = groups[rows[i]];
    }
    return out;
  }

  /** Every row number, 0 … rows − 1. */
  public int[] allRows() {
    int[] all = new int[rows()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    return all;
  }
}
