package dev.pier.runtime;

import dev.pier.kernel.tensor.Signature;
import dev.pier.registry.ModelResolver;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.explain.Explainer;
import dev.pier.runtime.prediction.ConcurrencyStage;
import dev.pier.runtime.prediction.EngineStage;
import dev.pier.runtime.prediction.ExplainStage;
import dev.pier.runtime.prediction.FeaturesStage;
import dev.pier.runtime.prediction.PlacementStage;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.PredictionPipeline;
import dev.pier.runtime.prediction.ResolveStage;
import dev.pier.runtime.prediction.ResponseCacheStage;
import dev.pier.runtime.prediction.Slot;
import dev.pier.runtime.prediction.ValidateStage;
import java.util.List;

/**
 * The model runtime's front: the runtime's stages of the prediction pipeline ({@link #pipeline()}), and what the
 * metadata routes ask of a version (resolution, signature, platform, readiness). Thread-safe.
 */
public final class PredictionService {
  private final ModelResolver resolver;
  private final ModelCache models;
  private final EndpointRouter endpoints;
  private final ConcurrencyLimits limits;
  private final ResponseCache responses = new ResponseCache();
  private final FeaturesStage features = new FeaturesStage();
  private final PredictionPipeline runtimeOnly;

  public PredictionService(ModelResolver resolver, ModelCache models) {
    this(resolver, models, null);
  }

  public PredictionService(ModelResolver resolver, ModelCache models, EndpointRouter endpoints) {
    this(resolver, models, endpoints, ConcurrencyLimits.unlimited());
  }

  /**
   * @param endpoints serves endpoint-placed versions; null when this process cannot reach endpoints
   * @param limits per-model concurrency limits (429 beyond them)
   */
  public PredictionService(ModelResolver resolver, ModelCache models, EndpointRouter endpoints,
      ConcurrencyLimits limits) {
    this.resolver = resolver;
    this.models = models;
    this.endpoints = endpoints;
    this.limits = limits;
    this.runtimeOnly = pipeline().build();
  }

  /**
   * The runtime's stages of the prediction pipeline, in their slots: per-model concurrency ({@link Slot#CAPACITY}),
   * resolution, features, validation, placement limits, response cache, engine and explanations. A server adds its
   * own (authorization, audit sample, probes, metrics) to the builder; see {@link PredictionPipeline}.
   */
  public PredictionPipeline.Builder pipeline() {
    return PredictionPipeline.builder()
        .add(Slot.CAPACITY, new ConcurrencyStage(limits))
        .add(Slot.RESOLVE, new ResolveStage(resolver))
        .add(Slot.FEATURES, features)
        .add(Slot.VALIDATE, new ValidateStage())
        .add(Slot.LIMITS, new PlacementStage(endpoints))
        .add(Slot.RESPONSE_CACHE, new ResponseCacheStage(responses))
        .add(Slot.ENGINE, new EngineStage(models, endpoints))
        .add(Slot.EXPLAIN, new ExplainStage(models));
  }

  /**
   * Answers {@code request} through the runtime's stages alone (no authorization, audit or metrics), waiting as
   * needed: for tests, benchmarks and in-process hosts; servers run their own {@link PredictionPipeline}.
   *
   * @param reference a version number, an alias, or null for alias {@code production}; an alias with a canary
   *     picks the version by the request's unit key (sticky) or at random
   */
  public InferenceResponse infer(String model, String reference, InferenceRequest request) {
    return runtimeOnly.answer(PredictionCall.of(null, model, reference, request));
  }

  /** The per-model concurrency limits every way in shares. */
  public ConcurrencyLimits limits() {
    return limits;
  }

  /** What serves endpoint-placed versions here; null when this process cannot reach endpoints. */
  public EndpointRouter endpointRouter() {
    return endpoints;
  }

  /** The version's response-cache counters, or null when it does not cache. */
  public ResponseCache.Stats cacheStats(ModelVersion version) {
    return responses.stats(version);
  }

  /** Runs a version in this process, whatever its placement: what a serving container does for an endpoint. */
  public InferenceResponse inProcess(ModelVersion version, InferenceRequest request) {
    return models.withModel(version, Budget.WAIT, loaded -> {
      SignatureCheck.check(loaded.signature(), request);
      List<Tensor> outputs = loaded.infer(request.inputs(), request.outputs());
      if (request.explain() != null) {
        outputs = new java.util.ArrayList<>(outputs);
        outputs.addAll(Explainer.explain(request.explain(), loaded, version.serving().explain(), request.inputs()));
      }
      return new InferenceResponse(version.model(), version.version(), request.id(), outputs);
    });
  }

  /**
   * Resolves the version {@code request} would run on (a canary picked by its unit) and checks the request against
   * that version's signature without running it: every mistake a 4xx now, as a synchronous request would get. What
   * an async submission does before it is accepted.
   */
  public ModelVersion check(String model, String reference, InferenceRequest request) {
    return check(resolver.resolve(model, reference, request.unit()), request);
  }

  /** {@link #check(String, String, InferenceRequest)} against a version resolved already; returns it. */
  public ModelVersion check(ModelVersion version, InferenceRequest request) {
    String model = version.model();
    if (EndpointRouter.forwards(endpoints, version) && request.explain() != null) {
      throw dev.pier.kernel.PierException.badRequest("explanations are computed in the serving process; version "
          + version.version() + " of model '" + model + "' runs on an endpoint");
    }
    Signature signature = signature(version);
    if (!signature.inputs().isEmpty()) {
      SignatureCheck.check(signature, request);
    }
    return version;
  }

  /** The serving path's view of the registry, from memory once warm (for stages that pick a version themselves). */
  public ModelResolver resolver() {
    return resolver;
  }

  public ModelVersion resolve(String model, String reference) {
    return resolver.resolve(model, reference);
  }

  /** The version's signature: as registered, or else as the loaded model declares it. */
  public Signature signature(ModelVersion version) {
    if (version.signature() != null) {
      return version.signature();
    }
    if (EndpointRouter.forwards(endpoints, version)) {
      return new Signature(java.util.List.of(), java.util.List.of());
    }
    return models.withModel(version, Budget.WAIT, LoadedModel::signature);
  }

  public String platform(ModelVersion version) {
    if (EndpointRouter.forwards(endpoints, version)) {
      return endpoints != null ? endpoints.platform(version)
          : "sagemaker_endpoint:" + EndpointRouter.endpointName(version);
    }
    return models.engine(version.framework()).platform();
  }

  /** Loads the version if needed; true once it can serve. Endpoint-placed versions are ready when routable. */
  public boolean ready(ModelVersion version) {
    if (EndpointRouter.forwards(endpoints, version)) {
      return endpoints != null;
    }
    return models.withModel(version, Budget.WAIT, m -> Boolean.TRUE);
  }
}
