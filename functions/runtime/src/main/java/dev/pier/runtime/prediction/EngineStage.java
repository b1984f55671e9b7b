package dev.pier.runtime.prediction;

import dev.pier.security.privacy.MarkedValues;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.Budget;
import dev.pier.runtime.EndpointRouter;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.ModelCache;
import dev.pier.runtime.SignatureCheck;
import java.util.List;

/**
 * {@link Slot#ENGINE}: runs the model — in this process (the model cache loads it once, however many calls ask) or on
 * its endpoint — with the version's PII-marked input values masked in every log line meanwhile. A call answered from
 * the response cache passes. Without a budget to block, declines anything that could block or take long: an endpoint,
 * micro-batching, a model not loaded yet or one whose recent calls averaged over the budget's mean.
 */
public final class EngineStage implements Stage {
  private final ModelCache models;
  private final EndpointRouter endpoints;

  public EngineStage(ModelCache models, EndpointRouter endpoints) {
    this.models = models;
    this.endpoints = endpoints;
  }

  @Override
  public boolean apply(PredictionCall call) {
    if (call.response() != null) {
      return true;
    }
    ModelVersion version = call.version();
    Budget budget = call.budget();
    boolean forwarded = EndpointRouter.forwards(endpoints, version);
    if (!budget.mayBlock() && (forwarded || version.serving().batching() != null)) {
      return false;
    }
    List<String> marked = call.markedValues();
    InferenceResponse response = marked.isEmpty() ? run(call, version, budget, forwarded)
        : MarkedValues.during(marked, () -> run(call, version, budget, forwarded));
    if (response == null) {
      return false;
    }
    call.response(response);
    return true;
  }

  private InferenceResponse run(PredictionCall call, ModelVersion version, Budget budget, boolean forwarded) {
    return forwarded ? endpoints.infer(version, call.request())
        : models.withModel(version, budget, call, EngineStage::answer);
  }

  /** Non-capturing, so the hot path allocates no function per call. */
  private static InferenceResponse answer(LoadedModel loaded, PredictionCall call) {
    ModelVersion version = call.version();
    InferenceRequest request = call.request();
    if (version.signature() == null) {
      SignatureCheck.check(loaded.signature(), request);
    }
    return new InferenceResponse(version.model(), version.version(), request.id(),
        loaded.infer(request.inputs(), request.outputs()));
  }
}
