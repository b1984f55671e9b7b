package dev.pier.runtime.prediction;

import dev.pier.security.audit.PredictionSampler;
import dev.pier.runtime.InferenceResponse;

/**
 * {@link Slot#AUDIT}: the audit trail's sample of answered predictions ({@code pier.audit.prediction-sample-rate}):
 * who asked, which version answered, the input's SHA-256 (and the PII-masked input with raw-input capture on). The
 * draw is made once per call; a drawn call without a budget to block declines, so the entry, which may be written to
 * S3, is written on a worker. Runs after the concurrency permit is released.
 */
public final class AuditSampleStage implements Stage {
  private final PredictionSampler sampler;

  public AuditSampleStage(PredictionSampler sampler) {
    this.sampler = sampler;
  }

  @Override
  public boolean apply(PredictionCall call) {
    if (!call.auditDrawn()) {
      call.audited(sampler.draw());
    }
    if (!call.audited()) {
      return true;
    }
    if (!call.budget().mayBlock()) {
      return false;
    }
    InferenceResponse r = call.response();
    String subject = call.subject() != null ? call.subject() : call.unit();
    sampler.record(new PredictionSampler.Prediction(call.principal() == null ? "system" : call.principal(),
        call.requestId(), subject, r.modelName(), r.modelVersion(), call.auditInput(), call::inputJson, call.pii()));
    return true;
  }
}
