package dev.pier.monitoring;

import java.util.List;
import java.util.Map;

/**
 * Feature importance from the model itself: the mean |SHAP| per captured input column over some captured rows,
 * computed by the explain path ({@code parameters.explain: "shap"}: XGBoost's TreeSHAP, else KernelSHAP against the
 * version's background rows). Used by runs when the version logs no {@code importance.<column>} metrics.
 */
@FunctionalInterface
public interface ShapImportance {

  /**
   * Column ({@code <input>[i]}) to mean |SHAP| over {@code rows} (captured inputs by column) and the explained
   * output's columns. Empty when the version's input is not one {@code [rows, features]} tensor whose columns the
   * captures hold; a {@link dev.pier.kernel.PierException} (4xx) when the explain path refuses the version (e.g. no
   * background rows), naming why.
   */
  Map<String, Double> meanAbsShap(String model, int version, List<Map<String, Object>> rows);

  /** Where the model cannot be called: no importance from SHAP. */
  ShapImportance NONE = (model, version, rows) -> Map.of();
}
