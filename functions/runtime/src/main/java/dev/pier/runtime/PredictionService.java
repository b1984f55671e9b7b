package dev.pier.runtime;

import dev.pier.kernel.tensor.Signature;
import dev.pier.registry.ModelResolver;
import dev.pier.registry.ModelVersion;

/**
 * Answers inference requests: resolves the version (from memory), gets its loaded model from the cache, checks
 * the request against the signature and runs it. Thread-safe.
 */
public final class PredictionService {
  private final ModelResolver resolver;
  private final ModelCache models;

  public PredictionService(ModelResolver resolver, ModelCache models) {
    this.resolver = resolver;
    this.models = models;
  }

  /**
   * @param reference a version number, an alias, or null for alias {@code production}; an alias with a canary
   *     picks the version by the request's unit key (sticky) or at random
   */
  public InferenceResponse infer(String model, String reference, InferenceRequest request) {
    ModelVersion version = resolver.resolve(model, reference, request.unit());
    return models.withModel(version, loaded -> {
      SignatureCheck.check(loaded.signature(), request);
      return new InferenceResponse(version.model(), version.version(), request.id(),
          loaded.infer(request.inputs(), request.outputs()));
    });
  }

  public ModelVersion resolve(String model, String reference) {
    return resolver.resolve(model, reference);
  }

  /** The version's signature: as registered, or else as the loaded model declares it. */
  public Signature signature(ModelVersion version) {
    if (version.signature() != null) {
      return version.signature();
    }
    return models.withModel(version, LoadedModel::signature);
  }

  public String platform(ModelVersion version) {
    return models.engine(version.framework()).platform();
  }

  /** Loads the version if needed; true once it can serve. */
  public boolean ready(ModelVersion version) {
    return models.withModel(version, m -> Boolean.TRUE);
  }
}
