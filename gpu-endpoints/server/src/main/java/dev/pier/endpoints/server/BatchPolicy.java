package dev.pier.endpoints.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The dynamic batcher's settings for one model, read from the version's {@code batching} metadata — the registry's
 * {@code {"max_batch_size": N, "max_delay_ms": D}} extended with Triton's dynamic-batcher knobs.
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
  public static final int LIMIT = 4096;
  private static final Set<String> FIELDS = Set.of("max_batch_size", "max_delay_ms", "max_queue_delay_us",
      "preferred_batch_sizes", "priority_levels", "default_priority", "queue_timeout_ms", "max_queue_size",
      "instances", "adaptive");

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

  /** Parses {@code metadata.batching}; null or absent is {@link #none()}. Unknown fields are refused. */
  public static BatchPolicy parse(JsonNode b) {
    if (b == null || b.isNull()) {
      return none();
    }
    if (!b.isObject()) {
      throw bad("must be an object such as {\"max_batch_size\": 32, \"max_queue_delay_us\": 2000}");
    }
    for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        throw bad("unknown field '" + f + "'; allowed: " + new TreeSet<>(FIELDS));
      }
    }
    int max = integer(b, "max_batch_size", -1);
    if (max == -1) {
      throw bad("max_batch_size is required");
    }
    if (b.has("max_delay_ms") && b.has("max_queue_delay_us")) {
      throw bad("give max_delay_ms or max_queue_delay_us, not both");
    }
    long delayMicros;
    if (b.has("max_delay_ms")) {
      JsonNode d = b.get("max_delay_ms");
      if (!d.isNumber()) {
        throw bad("max_delay_ms must be a number of milliseconds");
      }
      delayMicros = Math.round(d.asDouble() * 1000);
    } else {
      delayMicros = longValue(b, "max_queue_delay_us", 0);
    }
    List<Integer> preferred = new ArrayList<>();
    JsonNode p = b.get("preferred_batch_sizes");
    if (p != null && !p.isNull()) {
      if (!p.isArray()) {
        throw bad("preferred_batch_sizes must be an array of integers");
      }
      for (JsonNode n : p) {
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
          throw bad("preferred_batch_sizes must be an array of integers, got " + n);
        }
        preferred.add(n.asInt());
      }
    }
    int levels = integer(b, "priority_levels", 1);
    Double target = null;
    JsonNode a = b.get("adaptive");
    if (a != null && !a.isNull()) {
      if (!a.isObject() || a.size() != 1 || !a.path("p95_target_ms").isNumber()) {
        throw bad("adaptive must be {\"p95_target_ms\": T}");
      }
      target = a.get("p95_target_ms").asDouble();
    }
    JsonNode timeout = b.get("queue_timeout_ms");
    if (timeout != null && !timeout.isNull() && !timeout.isNumber()) {
      throw bad("queue_timeout_ms must be a number of milliseconds");
    }
    return new BatchPolicy(max, preferred, delayMicros, levels, integer(b, "default_priority", 1),
        timeout == null || timeout.isNull() ? 0 : Math.round(timeout.asDouble() * 1000),
        integer(b, "max_queue_size", 0), integer(b, "instances", 1), target);
  }

  private static int integer(JsonNode b, String field, int fallback) {
    JsonNode v = b.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw bad(field + " must be an integer, got " + v);
    }
    return v.asInt();
  }

  private static long longValue(JsonNode b, String field, long fallback) {
    JsonNode v = b.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw bad(field + " must be an integer, got " + v);
    }
    return v.asLong();
  }

  private static PierException bad(String message) {
    return PierException.badRequest("metadata.batching." + message);
  }
}
