package dev.pier.monitoring;

import java.util.Optional;

/** Ground truth that has arrived for captured predictions, by request id and row ({@code POST /api/v1/feedback}). */
public interface LabelSource {
  LabelSource NONE = (requestId, row) -> Optional.empty();

  /** The label given for that row of that request, if any has arrived: a number, string or boolean. */
  Optional<Object> label(String requestId, int row);
}
