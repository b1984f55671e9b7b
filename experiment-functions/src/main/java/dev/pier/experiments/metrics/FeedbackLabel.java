package dev.pier.experiments.metrics;

/**
 * Ground truth for one row of one prediction, as {@code POST /api/v1/feedback} takes it: the request id Pier answered
 * with (an async prediction's id), the row of a batch request, and the label (a number, string or boolean).
 */
public record FeedbackLabel(String requestId, int row, Object label) {}
