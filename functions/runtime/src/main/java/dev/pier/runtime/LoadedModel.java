package dev.pier.runtime;

import dev.pier.kernel.tensor.Signature;
import java.util.List;

/** A model version loaded into an engine and ready to run. Implementations are thread-safe. */
public interface LoadedModel extends AutoCloseable {

  /** What the model takes and gives, as the model itself declares it. */
  Signature signature();

  /**
   * Runs the model. Inputs have already been checked against {@link #signature()}.
   *
   * @param outputs the outputs to return, in this order; empty for all of them in signature order
   */
  List<Tensor> infer(List<Tensor> inputs, List<String> outputs);

  /** About how much memory the loaded model holds, for the cache's byte budget. */
  long sizeBytes();

  /** The engine's own model under any wrapper (such as the micro-batcher), for engine-specific capabilities. */
  default LoadedModel unwrap() {
    return this;
  }

  /** Frees the engine's resources; called once no request uses the model any more. */
  @Override
  void close();
}
