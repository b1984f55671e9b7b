package dev.pier.monitoring;

import java.util.List;
import java.util.Map;

/**
 * A version's own predictions on reference rows, for prediction drift when the reference has no output columns: each
 * row with the version's output columns added ({@code <output>[i]}, or {@code <output>} for a 1-D output), as captures
 * name them.
 */
@FunctionalInterface
public interface ReferencePredictions {

  /**
   * The rows, each complete one with the version's outputs added; rows the version cannot take (a missing or
   * non-numeric input column) unchanged. The same rows, unchanged, when the version's input is not one
   * {@code [rows, features]} tensor of the rows' columns.
   */
  List<Map<String, Object>> withPredictions(String model, int version, List<Map<String, Object>> rows);

  /** Where the model cannot be called: the reference stays as given. */
  ReferencePredictions NONE = (model, version, rows) -> rows;
}
