package dev.pier.monitoring.capture;

import java.util.List;

/**
 * What a request thread hands to a {@link CaptureSink}: the captured rows of one request, as cheap to make as the
 * request path needs — typically one small object referring to the request's own inputs and outputs — and laid out
 * as {@link CapturedPrediction} rows only on the capture writer's thread ({@link #addRowsTo}).
 */
public interface CapturedRows {
  /** How many rows {@link #addRowsTo} adds (what the buffer reserves, and counts when it drops them). */
  int rowCount();

  /** Adds the rows, in order; runs on the writer's thread. May throw: the rows are then counted as failed. */
  void addRowsTo(List<CapturedPrediction> rows);

  /**
   * Adds the rows to a columnar batch; runs on the writer's thread. May throw: the rows are then counted as failed
   * (and taken back out of the batch). By default through {@link #addRowsTo}; a request's tensors are copied column by
   * column instead ({@link CapturedCall}).
   */
  default void addTo(CaptureBatch batch) {
    List<CapturedPrediction> rows = new java.util.ArrayList<>(rowCount());
    addRowsTo(rows);
    for (CapturedPrediction row : rows) {
      batch.add(row);
    }
  }
}
