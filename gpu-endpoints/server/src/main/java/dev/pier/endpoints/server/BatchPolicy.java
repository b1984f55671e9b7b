package dev.pier.endpoints.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.registry.Batching;
import java.util.List;
import java.util.TreeSet;

/**
 * The dynamic batcher's settings for one model: the version's {@code batching} metadata ({@link Batching}, the
 * registry's {@code {"max_batch_size": N, "max_delay_ms": D}} with Triton's dynamic-batcher knobs), or none.
 *
 * @param maxBatchSize rows in one engine call at most; a request with more rows is refused (400)
 * @param preferredBatchSizes sizes the batcher cuts a batch to when more rows wait (the largest that fits); empty
 *     for "as many as wait, up to {@code maxBatchSize}"
 * @param maxQueueDelayMicros how long the oldest waiting request may wait for company
 * @param priorityLevels how many priority levels (1 = none); a request's {@code parameters.priority} 1 is the highest
 * @param defaultPriority the level of a request that names none
 * @param queueTimeoutMicros a request still queued after this long is refused with 429; 0 for never
 * @param maxQueueSize requests that may wait at once; beyond it a request is refused with 429 at once; 0 for no bound
 * @param instances model instances (engine calls that may run at once)
 * @param p95TargetMillis with a value, adaptive mode: the batcher tunes its delay and instance count online to keep
 *     the p95 of request latency under it at the highest throughput (delay capped at {@code maxQueueDelayMicros},
 *     instances at {@code instances}); null for fixed settings
 */
public record BatchPolicy(int maxBatchSize, List<Integer> preferredBatchSizes, long maxQueueDelayMicros,
    int priorityLevels, int defaultPriority, long queueTimeoutMicros, int maxQueueSize, int instances,
    Double p95TargetMillis) {
  public static final int LIMIT = Batching.LIMIT;

  public BatchPolicy {
    if (maxBatchSize < 1 || maxBatchSize > LIMIT) {
      throw bad("max_batch_size must be between 1 and " + LIMIT + ", got " + maxBatchSize);
    }
    preferredBatchSizes = List.copyOf(new TreeSet<>(preferredBatchSizes));
    for (int p : preferredBatchSizes) {
      if (p < 1 || p > maxBatchSize) {
        throw bad("preferred_batch_sizes must lie between 1 and max_batch_size (" + maxBatchSize + "), got " + p);
      }
    }
    if (maxQueueDelayMicros < 0 || maxQueueDelayMicros > 1_000_000) {
      throw bad("max_queue_delay_us must be between 0 and 1000000, got " + maxQueueDelayMicros);
    }
    if (priorityLevels < 1 || priorityLevels > 16) {
      throw bad("priority_levels must be between 1 and 16, got " + priorityLevels);
    }
    if (defaultPriority < 1 || defaultPriority > priorityLevels) {
      throw bad("default_priority must be between 1 and priority_levels (" + priorityLevels + "), got "
          + defaultPriority);
    }
    if (queueTimeoutMicros < 0) {
      throw bad("queue_timeout_ms must not be negative");
    }
    if (maxQueueSize < 0) {
      throw bad("max_queue_size must not be negative");
    }
    if (instances < 1 || instances > 64) {
      throw bad("instances must be between 1 and 64, got " + instances);
    }
    if (p95TargetMillis != null && !(p95TargetMillis > 0 && p95TargetMillis <= 60_000)) {
      throw bad("adaptive.p95_target_ms must be above 0 and at most 60000, got " + p95TargetMillis);
    }
  }

  /** No batching: every request is one engine call, one instance. */
  public static BatchPolicy none() {
    return new BatchPolicy(1, List.of(), 0, 1, 1, 0, 0, 1, null);
  }

  public boolean batches() {
    return maxBatchSize > 1;
  }

  public boolean adaptive() {
    return p95TargetMillis != null;
  }

  /**
   * Parses {@code metadata.batching} exactly as registration does ({@link Batching#parse}); null or absent is
   * {@link #none()}.
   */
  public static BatchPolicy parse(JsonNode b) {
    return of(Batching.parse(b));
  }

  /** The registry's batching of a version; null is {@link #none()}. */
  public static BatchPolicy of(Batching b) {
    return b == null ? none() : new BatchPolicy(b.maxBatchSize(), b.preferredBatchSizes(), b.maxDelayMicros(),
        b.priorityLevels(), b.defaultPriority(), b.queueTimeoutMicros(), b.maxQueueSize(), b.instances(),
        b.p95TargetMillis());
  }

  private static PierException bad(String message) {
    return PierException.badRequest("metadata.batching." + message);
  }
}
