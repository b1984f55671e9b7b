package dev.pier.runtime.explain;

import dev.pier.runtime.Tensor;

/**
 * Implemented by loaded models whose engine computes exact feature attributions itself (XGBoost's TreeSHAP through
 * {@code predictContrib}), which then take the place of the model-agnostic KernelSHAP.
 */
public interface NativeAttributions {

  /**
   * Exact SHAP values of each row of the (single, tabular) input, in the model's margin space.
   *
   * @return values {@code [rows, columns, features]} and base values {@code [rows, columns]}; for each row and
   *     column the values plus the base equal the margin
   */
  Attributions shap(Tensor input);

  /** Attributions of {@code output}: per row and output column, one value per feature, and a base value. */
  record Attributions(String output, int rows, int columns, int features, float[] values, float[] base) {}
}
