package dev.pier.runtime;

import java.util.List;

/**
 * A decoded Open Inference Protocol inference request.
 *
 * @param id the caller's request id, echoed in the response; may be null
 * @param outputs the requested output names; empty for all
 * @param unit the unit key ({@code parameters.unit}) that makes canary assignment sticky; may be null
 * @param explain {@code shap} or {@code lime} ({@code parameters.explain}) to add explanation outputs; may be null
 * @param binaryOutputs outputs to answer in the REST binary extension ({@code "*"} for all); empty for JSON data
 */
public record InferenceRequest(String id, List<Tensor> inputs, List<String> outputs, String unit, String explain,
    java.util.Set<String> binaryOutputs) {
  public InferenceRequest {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    binaryOutputs = binaryOutputs == null ? java.util.Set.of() : java.util.Set.copyOf(binaryOutputs);
  }

  public InferenceRequest(String id, List<Tensor> inputs, List<String> outputs, String unit, String explain) {
    this(id, inputs, outputs, unit, explain, null);
  }

  public InferenceRequest(String id, List<Tensor> inputs, List<String> outputs) {
    this(id, inputs, outputs, null, null, null);
  }

  public InferenceRequest(String id, List<Tensor> inputs, List<String> outputs, String unit) {
    this(id, inputs, outputs, unit, null, null);
  }

  /** The same request with another unit key. */
  public InferenceRequest withUnit(String unitKey) {
    return new InferenceRequest(id, inputs, outputs, unitKey, explain, binaryOutputs);
  }
}
