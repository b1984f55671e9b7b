package dev.pier.runtime;

import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.engine.Framework;
import java.nio.file.Path;

/**
 * Loads artifacts of one framework into runnable models. Engines live in their own modules (ONNX Runtime here in
 * pier-runtime; XGBoost, TorchScript and TensorFlow in pier-engine-*) and are found with {@link java.util.ServiceLoader}
 * through their {@link Provider}, so that a build carries only the engines it lists as dependencies.
 */
public interface InferenceEngine {

  Framework framework();

  /** The name OIP's model metadata reports as {@code platform}, e.g. {@code onnxruntime_onnx}. */
  String platform();

  /**
   * Loads an artifact file. A file that is not a valid model of this framework is a 400 naming the problem.
   *
   * @param declared the signature the registration declared, or null when it declared none. Engines that read the
   *     signature from the model (ONNX, XGBoost, SavedModel) ignore it; engines whose models carry none
   *     (TorchScript) use it as the model's signature and refuse a null one with a 400 saying that
   *     {@code metadata.signature} is required.
   */
  LoadedModel load(Path artifact, Signature declared);

  /**
   * Prepares an artifact for {@link #load}: engines whose models are directories (TensorFlow SavedModels, ONNX graphs
   * with external data) unpack archives here (see {@link ModelArchive}), others use the file as it is. The model
   * cache sizes its memory check from {@link ModelArchive.Staged#bytes()}, the size the engine will read, and
   * {@link #load} accepts the staged path as well as the artifact itself.
   */
  default ModelArchive.Staged stage(Path artifact) {
    try {
      return new ModelArchive.Staged(artifact, java.nio.file.Files.size(artifact), false);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * About how much memory loading {@code stagedBytes} of artifact takes at its peak (weights plus the engine's own
   * buffers); the model cache refuses a load the machine cannot hold with a 503 naming both figures.
   */
  default long peakLoadBytes(long stagedBytes) {
    return 2 * stagedBytes;
  }

  /**
   * About how much memory a loaded model of {@code artifactBytes} holds (weights plus the engine's own buffers,
   * roughly twice the artifact, at least 1 MiB): what engines report as {@link LoadedModel#sizeBytes()}.
   */
  static long residentBytes(long artifactBytes) {
    return Math.max(artifactBytes * 2, 1 << 20);
  }

  /**
   * The 400 for an artifact the engine cannot load: {@code artifact is not a loadable <kind>: <engine's message>},
   * the engine's message with server paths removed ({@link EngineMessage}).
   */
  static PierException notLoadable(String kind, Throwable cause) {
    return PierException.badRequest("artifact is not a loadable " + kind + ": "
        + EngineMessage.of(cause));
  }

  /** Loads an artifact that carries its own signature; see {@link #load(Path, Signature)}. */
  default LoadedModel load(Path artifact) {
    return load(artifact, null);
  }

  /**
   * Makes an engine; listed in {@code META-INF/services/dev.pier.runtime.InferenceEngine$Provider} of each engine
   * module. Engines extend {@link EngineProvider} rather than implement this. {@link #create} must be cheap: native libraries are loaded on an engine's first {@link #load}, so a
   * process that never serves a framework never pays for it.
   */
  interface Provider {
    Framework framework();

    InferenceEngine create(EngineSettings settings);
  }
}
