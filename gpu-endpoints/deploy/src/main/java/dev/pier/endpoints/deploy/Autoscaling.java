package dev.pier.endpoints.deploy;

import dev.pier.kernel.PierException;

/**
 * Target tracking of an endpoint's instance count (Application Auto Scaling on the variant's
 * {@code sagemaker:variant:DesiredInstanceCount}).
 *
 * @param minInstances never fewer (the version's {@code placement.instance_count}); 0 only for an inference
 *     component (a scale-to-zero endpoint: copies, not instances, are what is scaled), see the README
 * @param maxInstances never more
 * @param metric what is tracked
 * @param target the value kept: invocations per instance per minute, GPU utilisation in percent, or concurrent
 *     requests per model container
 * @param scaleOutCooldownSeconds wait after a scale-out before the next
 * @param scaleInCooldownSeconds wait after a scale-in before the next
 */
public record Autoscaling(int minInstances, int maxInstances, Metric metric, double target,
    int scaleOutCooldownSeconds, int scaleInCooldownSeconds) {

  public enum Metric {
    /** SageMaker's predefined {@code SageMakerVariantInvocationsPerInstance} (per minute). */
    INVOCATIONS_PER_INSTANCE,
    /** The endpoint's {@code GPUUtilization} in {@code /aws/sagemaker/Endpoints} (average over instances). */
    GPU_UTILIZATION,
    /**
     * SageMaker's predefined {@code SageMakerVariantConcurrentRequestsPerModelHighResolution}: requests in flight per
     * model container (queued ones included), emitted every 10 s instead of every minute, so scale-out reacts sooner.
     */
    CONCURRENT_REQUESTS_PER_MODEL
  }

  public Autoscaling {
    if (minInstances < 0) {
      throw PierException.badRequest("autoscaling: the minimum must not be negative, got " + minInstances);
    }
    if (maxInstances < Math.max(1, minInstances)) {
      throw PierException.badRequest("autoscaling: max instances " + maxInstances + " below min " + minInstances);
    }
    if (metric == null || !(target > 0) || metric == Metric.GPU_UTILIZATION && target > 100) {
      throw PierException.badRequest("autoscaling: target must be positive (at most 100 for gpu utilisation), got "
          + target);
    }
    if (scaleOutCooldownSeconds < 0 || scaleInCooldownSeconds < 0) {
      throw PierException.badRequest("autoscaling: cooldowns must not be negative");
    }
  }

  /** The same settings with the version's own minimum (its {@code placement.instance_count}). */
  public Autoscaling withMin(int min) {
    return new Autoscaling(min, Math.max(Math.max(1, min), maxInstances), metric, target, scaleOutCooldownSeconds,
        scaleInCooldownSeconds);
  }
}
