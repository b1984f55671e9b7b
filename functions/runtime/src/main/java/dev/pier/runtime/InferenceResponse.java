package dev.pier.runtime;

import java.util.List;

/** The answer to an {@link InferenceRequest}: which version answered, and its outputs. */
public record InferenceResponse(String modelName, int modelVersion, String id, List<Tensor> outputs) {}
