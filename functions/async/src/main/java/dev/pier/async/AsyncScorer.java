package dev.pier.async;

/**
 * Runs one stored request against the version it was resolved to and returns the OIP response JSON. A
 * {@link dev.pier.kernel.PierException} with a 4xx status fails the prediction for good; anything else is retried.
 */
@FunctionalInterface
public interface AsyncScorer {
  byte[] score(String model, int version, byte[] request);
}
