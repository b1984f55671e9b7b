package dev.pier.api.inference;

import dev.pier.api.AuditTrail;
import dev.pier.api.PierConfig;
import dev.pier.api.platform.ThreadNice;
import dev.pier.runtime.PredictionService;
import dev.pier.api.Security;
import dev.pier.experiments.assignment.ExperimentAssigner;
import dev.pier.features.FeatureStore;
import dev.pier.monitoring.capture.CaptureSink;
import dev.pier.runtime.prediction.AuditSampleStage;
import dev.pier.runtime.prediction.AuthorizeStage;
import dev.pier.runtime.prediction.PredictionPipeline;
import dev.pier.runtime.prediction.Slot;
import jakarta.inject.Singleton;

/**
 * The server's one {@link PredictionPipeline}, shared by every way in (OIP REST on the I/O thread and on workers,
 * gRPC, {@code /predict}, {@code /predict-stream}, async and batch scoring): the runtime's stages
 * ({@link dev.pier.runtime.PredictionService#pipeline()}) plus the server's — authorization
 * ({@link Slot#ADMIT}), experiment assignment ({@link Slot#RESOLVE}, {@link ExperimentStage}), online feature lookup
 * (first in {@link Slot#FEATURES}, ahead of the version's feature pipeline: {@link FeatureLookupStage}), capture for
 * monitoring ({@link Slot#CAPTURE}, {@link CaptureStage}), worker threads scheduled below the I/O threads
 * ({@link Slot#RESOLVE}, {@link WorkerPriorityStage}), the audit sample, probe detection and metrics. A feature that joins every prediction adds its stage to its slot here, once.
 */
@Singleton
public class Predictions {
  private final PredictionPipeline pipeline;

  public Predictions(PredictionService predictions, Security security, AuditTrail audit, PredictionMetrics metrics,
      ProbeDetector probes, ExperimentAssigner experiments, FeatureStore features,
      CaptureSink captures, PierConfig config) {
    PredictionPipeline.Builder stages = predictions.pipeline();
    ThreadNice nice = ThreadNice.of(config.limits().workerNice());
    if (nice.active()) { // after the runtime's resolver: a call declined there on an I/O thread passes it on its worker
      stages.add(Slot.RESOLVE, new WorkerPriorityStage(nice));
    }
    this.pipeline = stages
        .add(Slot.ADMIT, new AuthorizeStage(security.gatekeeper()))
        .add(Slot.RESOLVE, new ExperimentStage(experiments, predictions.resolver()))
        .addFirst(Slot.FEATURES, new FeatureLookupStage(features))
        .add(Slot.CAPTURE, new CaptureStage(captures))
        .add(Slot.AUDIT, new AuditSampleStage(audit.sampler()))
        .add(Slot.PROBES, new ProbeStage(probes, metrics))
        .add(Slot.METRICS, new MetricsStage(metrics, experiments.armMetrics()))
        .build();
  }

  public PredictionPipeline pipeline() {
    return pipeline;
  }
}
