package dev.pier.api.inference;

import dev.pier.experiments.assignment.ArmMetrics;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.Slot;
import dev.pier.runtime.prediction.Stage;

/**
 * {@link Slot#METRICS}: records every call when it ends — answered or failed, at whatever stage — by model, answering
 * version, status and way in, with its latency from arrival ({@link PredictionMetrics}).
 */
final class MetricsStage implements Stage {
  private final PredictionMetrics metrics;
  private final ArmMetrics armMetrics;

  MetricsStage(PredictionMetrics metrics) {
    this(metrics, null);
  }

  /**
   * @param armMetrics where a call an experiment routed ({@code X-Pier-Experiment} set) also reports its latency and
   *     whether it failed with a 5xx, for the experiment's {@code latency_ms} and {@code error_rate} (and, for an
   *     experiment with feedback metrics, its request id and answer, to join labels to); may be null
   */
  MetricsStage(PredictionMetrics metrics, ArmMetrics armMetrics) {
    this.metrics = metrics;
    this.armMetrics = armMetrics;
  }

  @Override
  public boolean apply(PredictionCall call) {
    return true;
  }

  @Override
  public void end(PredictionCall call) {
    long nanos = System.nanoTime() - call.arrivalNanos();
    metrics.prediction(call.wayIn(), call.model(),
        call.response() != null && call.failure() == null ? call.response().modelVersion() : null, call.status(),
        nanos);
    String arm = call.experiment();
    if (arm != null && armMetrics != null) { // only calls an experiment routed: the others pay one field read
      int eq = arm.indexOf('=');
      // the request id and the answer (a reference): kept only for an experiment that measures feedback
      armMetrics.offer(eq < 0 ? arm : arm.substring(0, eq), call.unit(), call.status() >= 500, nanos / 1e6,
          System.currentTimeMillis(), call.requestId(), call.failure() == null ? call.response() : null);
    }
  }
}
