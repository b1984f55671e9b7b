package dev.pier.registry.api;

/**
 * Lets another part of the server hold an alias move until its target is ready: the endpoint deployer
 * ({@code gpu-endpoints/deploy}) holds moves to endpoint-placed versions until their SageMaker endpoint is InService,
 * then moves the alias itself. The registry works without one (the Lambda zip has none).
 */
public interface AliasGate {
  /**
   * Null to move {@code alias} to version {@code version} of {@code model} now; else the body of a 202 Accepted saying
   * what will move it (and where to watch it). Throws a {@code PierException} (4xx) to refuse the move. A gate that is
   * switched off answers null without reading anything.
   */
  Object hold(String model, int version, String alias, String actor);
}
