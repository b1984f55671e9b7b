package dev.pier.runtime;

import java.util.List;

/**
 * A decoded Open Inference Protocol inference request.
 *
 * @param id the caller's request id, echoed in the response; may be null
 * @param outputs the requested output names; empty for all
 */
public record InferenceRequest(String id, List<Tensor> inputs, List<String> outputs) {
  public InferenceRequest {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }
}
