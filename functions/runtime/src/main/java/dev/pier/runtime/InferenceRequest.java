package dev.pier.runtime;

import java.util.List;

/**
 * A decoded Open Inference Protocol inference request.
 *
 * @param id the caller's request id, echoed in the response; may be null
 * @param outputs the requested output names; empty for all
 * @param unit the unit key ({@code parameters.unit}) that makes canary assignment sticky; may be null
 * @param explain {@code shap} or {@code lime} ({@code parameters.explain}) to add explanation outputs; may be null
 */
public record InferenceRequest(String id, List<Tensor> inputs, List<String> outputs, String unit, String explain) {
  public InferenceRequest {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  public InferenceRequest(String id, List<Tensor> inputs, List<String> outputs) {
    this(id, inputs, outputs, null, null);
  }

  public InferenceRequest(String id, List<Tensor> inputs, List<String> outputs, String unit) {
    this(id, inputs, outputs, unit, null);
  }

  /** The same request with another unit key. */
  public InferenceRequest withUnit(String unitKey) {
    return new InferenceRequest(id, inputs, outputs, unitKey, explain);
  }
}
