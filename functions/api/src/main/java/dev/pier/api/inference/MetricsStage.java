package dev.pier.api.inference;

import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.Slot;
import dev.pier.runtime.prediction.Stage;

/**
 * {@link Slot#METRICS}: records every call when it ends — answered or failed, at whatever stage — by model, answering
 * version, status and way in, with its latency from arrival ({@link PredictionMetrics}).
 */
final class MetricsStage implements Stage {
  private final PredictionMetrics metrics;

  MetricsStage(PredictionMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public boolean apply(PredictionCall call) {
    return true;
  }

  @Override
  public void end(PredictionCall call) {
    metrics.prediction(call.wayIn(), call.model(),
        call.response() != null && call.failure() == null ? call.response().modelVersion() : null, call.status(),
        System.nanoTime() - call.arrivalNanos());
  }
}
