package dev.pier.api.inference;

import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.Slot;
import dev.pier.runtime.prediction.Stage;

/**
 * {@link Slot#PROBES}: offers each answered call's inputs to the {@link ProbeDetector}, counting suspected
 * model-extraction probes (Prometheus, and EMF in Lambda); never refuses a request for it.
 */
final class ProbeStage implements Stage {
  private final ProbeDetector probes;
  private final PredictionMetrics metrics;

  ProbeStage(ProbeDetector probes, PredictionMetrics metrics) {
    this.probes = probes;
    this.metrics = metrics;
  }

  @Override
  public boolean apply(PredictionCall call) {
    InferenceResponse r = call.response();
    String principal = call.principal() == null ? "system" : call.principal();
    if (probes.observe(principal, r.modelName(), call.request().inputs())) {
      metrics.suspectedProbe(r.modelName());
    }
    return true;
  }
}
