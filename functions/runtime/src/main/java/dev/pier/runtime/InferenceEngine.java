package dev.pier.runtime;

import dev.pier.registry.Framework;
import java.nio.file.Path;

/** Loads artifacts of one framework into runnable models. */
public interface InferenceEngine {

  Framework framework();

  /** The name OIP's model metadata reports as {@code platform}, e.g. {@code onnxruntime_onnx}. */
  String platform();

  /**
   * Loads an artifact file. A file that is not a valid model of this framework is a 4xx naming the problem.
   */
  LoadedModel load(Path artifact);
}
