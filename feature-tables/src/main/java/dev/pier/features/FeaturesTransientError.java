package dev.pier.features;

import dev.pier.statemachines.StatesError;

/**
 * A materialization task failed for a moment (DynamoDB, S3, I/O): feature-materialization's Retry backs off and tries
 * again. Named by its class, {@code dev.pier.features.FeaturesTransientError}: the {@code errorType} Lambda's Java
 * runtime reports when the feature worker throws it, and what the local runner matches.
 */
public final class FeaturesTransientError extends StatesError {
  public FeaturesTransientError(String cause, Throwable source) {
    super(cause);
    initCause(source);
  }
}
