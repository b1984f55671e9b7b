package dev.pier.runtime;

import dev.pier.kernel.tensor.Signature;
import dev.pier.registry.ModelResolver;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.explain.Explainer;
import java.util.List;

/**
 * Answers inference requests: resolves the version (from memory), gets its loaded model from the cache, checks
 * the request against the signature and runs it. Thread-safe.
 */
public final class PredictionService {
  private final ModelResolver resolver;
  private final ModelCache models;
  private final EndpointRouter endpoints;
  private final ConcurrencyLimits limits;
  private final ResponseCache responses = new ResponseCache();

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
  }

  /**
   * @param reference a version number, an alias, or null for alias {@code production}; an alias with a canary
   *     picks the version by the request's unit key (sticky) or at random
   */
  public InferenceResponse infer(String model, String reference, InferenceRequest request) {
    return infer(resolver.resolve(model, reference, request.unit()), request);
  }

  /** Serves {@code request} with a version resolved already (see {@link #resolve(String, String, String)}). */
  public InferenceResponse infer(ModelVersion version, InferenceRequest request) {
    return infer(version, request, null);
  }

  /**
   * Holds a share of {@code model}'s capacity for a request that arrived at {@code arrivalNanos}, for a front door
   * that admits a request before it parses it (parsing a large body costs more than running it): 429 when none
   * frees up within the queue wait counted from arrival. Pass the permit to {@link #infer(ModelVersion,
   * InferenceRequest, ConcurrencyLimits.Permit)} and close it when the answer is written.
   */
  public ConcurrencyLimits.Permit admit(String model, long arrivalNanos) {
    return limits.admit(model, arrivalNanos);
  }

  /**
   * @param admitted a permit from {@link #admit} for {@code version.model()}, or null to take one here (waiting at
   *     most the queue wait)
   */
  public InferenceResponse infer(ModelVersion version, InferenceRequest request, ConcurrencyLimits.Permit admitted) {
    java.util.function.Supplier<InferenceResponse> run = admitted != null ? () -> route(version, request) : () -> {
      try (ConcurrencyLimits.Permit permit = limits.acquire(version.model())) {
        return route(version, request);
      }
    };
    // explanations are per request: never cached
    return request.explain() != null ? run.get() : responses.get(version, request, run);
  }

  /**
   * Serves {@code request} on the calling thread only if nothing on the way can block or take long: the version
   * resolves from cache, runs in this process without micro-batching, is loaded, has a free concurrency permit and
   * its recent calls averaged at most {@code maxMeanNanos}; the request asks for no explanation. Otherwise returns
   * null having done nothing, and the caller takes {@link #infer} on a thread that may block. Lets the HTTP I/O
   * thread answer small models without a hand-off to a worker (two thread switches per request).
   */
  public InferenceResponse inferNow(String model, String reference, InferenceRequest request, long maxMeanNanos) {
    ModelVersion version = resolver.resolveCached(model, reference, request.unit());
    return version == null ? null : inferNow(version, request, maxMeanNanos);
  }

  /** {@link #inferNow(String, String, InferenceRequest, long)} with a version resolved already. */
  public InferenceResponse inferNow(ModelVersion version, InferenceRequest request, long maxMeanNanos) {
    if (request.explain() != null || version.onEndpoint() || version.serving().batching() != null) {
      return null;
    }
    // with a response cache, a declined computation would count as a miss: look before asking it
    if (version.serving().responseCache() != null && !models.loadedAndFast(version, maxMeanNanos)) {
      return null;
    }
    ConcurrencyLimits.Permit permit = limits.tryAcquire(version.model());
    if (permit == null) {
      return null;
    }
    try (permit) {
      return responses.get(version, request, () -> models.ifLoaded(version, maxMeanNanos,
          loaded -> answer(version, loaded, request)));
    }
  }

  /**
   * The version that serves a request: a version number, an alias, or null for alias {@code production}; an alias
   * with a canary picks by {@code unit} (sticky) or at random. May read the registry.
   */
  public ModelVersion resolve(String model, String reference, String unit) {
    return resolver.resolve(model, reference, unit);
  }

  /** {@link #resolve(String, String, String)} from cache only: null (having done no I/O) when it is not cached. */
  public ModelVersion resolveCached(String model, String reference, String unit) {
    return resolver.resolveCached(model, reference, unit);
  }

  /** What serves endpoint-placed versions here; null when this process cannot reach endpoints. */
  public EndpointRouter endpointRouter() {
    return endpoints;
  }

  /** The version's response-cache counters, or null when it does not cache. */
  public ResponseCache.Stats cacheStats(ModelVersion version) {
    return responses.stats(version);
  }

  private InferenceResponse route(ModelVersion version, InferenceRequest request) {
    String model = version.model();
    if (version.onEndpoint()) {
      if (endpoints == null) {
        throw new dev.pier.kernel.PierException(503, "version " + version.version() + " of model '" + model
            + "' is placed on an endpoint, and this server has no SageMaker runtime configured");
      }
      if (version.signature() != null) {
        SignatureCheck.check(version.signature(), request);
      }
      if (request.explain() != null) {
        throw dev.pier.kernel.PierException.badRequest("explanations are computed in the serving process; version "
            + version.version() + " of model '" + model + "' runs on an endpoint");
      }
      return endpoints.infer(version, request);
    }
    return inProcess(version, request);
  }

  /** Runs a version in this process, whatever its placement: what a serving container does for an endpoint. */
  public InferenceResponse inProcess(ModelVersion version, InferenceRequest request) {
    return models.withModel(version, loaded -> answer(version, loaded, request));
  }

  private static InferenceResponse answer(ModelVersion version, LoadedModel loaded, InferenceRequest request) {
    SignatureCheck.check(loaded.signature(), request);
    List<Tensor> outputs = loaded.infer(request.inputs(), request.outputs());
    if (request.explain() != null) {
      outputs = new java.util.ArrayList<>(outputs);
      outputs.addAll(Explainer.explain(request.explain(), loaded, version.serving().explain(), request.inputs()));
    }
    return new InferenceResponse(version.model(), version.version(), request.id(), outputs);
  }

  /**
   * Resolves the version {@code request} would run on (a canary picked by its unit) and checks the request against
   * that version's signature without running it: every mistake a 4xx now, as a synchronous request would get. What
   * an async submission does before it is accepted.
   */
  public ModelVersion check(String model, String reference, InferenceRequest request) {
    ModelVersion version = resolver.resolve(model, reference, request.unit());
    if (version.onEndpoint() && request.explain() != null) {
      throw dev.pier.kernel.PierException.badRequest("explanations are computed in the serving process; version "
          + version.version() + " of model '" + model + "' runs on an endpoint");
    }
    Signature signature = signature(version);
    if (!signature.inputs().isEmpty()) {
      SignatureCheck.check(signature, request);
    }
    return version;
  }

  public ModelVersion resolve(String model, String reference) {
    return resolver.resolve(model, reference);
  }

  /** The version's signature: as registered, or else as the loaded model declares it. */
  public Signature signature(ModelVersion version) {
    if (version.signature() != null) {
      return version.signature();
    }
    if (version.onEndpoint()) {
      return new Signature(java.util.List.of(), java.util.List.of());
    }
    return models.withModel(version, LoadedModel::signature);
  }

  public String platform(ModelVersion version) {
    if (version.onEndpoint()) {
      return "sagemaker_endpoint:" + EndpointRouter.endpointName(version);
    }
    return models.engine(version.framework()).platform();
  }

  /** Loads the version if needed; true once it can serve. Endpoint-placed versions are ready when routable. */
  public boolean ready(ModelVersion version) {
    if (version.onEndpoint()) {
      return endpoints != null;
    }
    return models.withModel(version, m -> Boolean.TRUE);
  }
}
