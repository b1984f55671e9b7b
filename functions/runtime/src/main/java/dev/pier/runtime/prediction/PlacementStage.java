package dev.pier.runtime.prediction;

import dev.pier.kernel.PierException;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.EndpointRouter;

/**
 * {@link Slot#LIMITS}: what the version's placement allows. An endpoint-placed version needs a SageMaker runtime
 * client here (503 without one) and cannot explain (explanations are computed in the serving process: 400); so does
 * an ECS-placed one where this server forwards to the ECS service.
 */
public final class PlacementStage implements Stage {
  private final EndpointRouter endpoints;

  /** @param endpoints what serves endpoint-placed versions; null when this process cannot reach endpoints */
  public PlacementStage(EndpointRouter endpoints) {
    this.endpoints = endpoints;
  }

  @Override
  public boolean apply(PredictionCall call) {
    ModelVersion version = call.version();
    if (!EndpointRouter.forwards(endpoints, version)) {
      return true;
    }
    if (endpoints == null) {
      throw new PierException(503, "version " + version.version() + " of model '" + version.model()
          + "' is placed on an endpoint, and this server has no SageMaker runtime configured");
    }
    if (call.request().explain() != null) {
      throw PierException.badRequest("explanations are computed in the serving process; version "
          + version.version() + " of model '" + version.model() + "' runs on an endpoint");
    }
    return true;
  }
}
