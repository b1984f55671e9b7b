package dev.pier.monitoring.capture;

import java.util.List;

/**
 * Told of the ground truth {@code POST /api/v1/feedback} accepted, after it is stored, on the request's thread (the
 * experiments service joins labels to the predictions its experiments routed with one). A listener that throws fails
 * the request, so the client sends the labels again; storing them again is idempotent.
 */
@FunctionalInterface
public interface FeedbackListener {
  /** One label: the request id Pier answered with (or an async prediction's id), the row, a number, string or boolean. */
  record Label(String requestId, int row, Object label) {}

  void received(List<Label> labels);
}
