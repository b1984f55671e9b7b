package dev.pier.features;

import dev.pier.statemachines.StatesError;

/**
 * A materialization task cannot succeed however often it is tried (a file that does not match the view's schema, an
 * unknown job or action): feature-materialization's Catch marks the job FAILED with this cause. Named by its class,
 * {@code dev.pier.features.FeaturesInvalidError}, as Lambda reports it.
 */
public final class FeaturesInvalidError extends StatesError {
  public FeaturesInvalidError(String cause) {
    super(cause);
  }
}
