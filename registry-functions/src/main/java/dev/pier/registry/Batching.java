package dev.pier.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A version's batching policy: concurrent requests are combined into one model call of at most {@code maxBatchSize}
 * rows, waiting at most {@code maxDelayMicros} for company. In-process serving's micro-batcher uses those two; Pier's
 * endpoint container ({@code gpu-endpoints/server}) uses all of them, as Triton's dynamic batcher does.
 *
 * @param preferredBatchSizes sizes a batch is cut to when more rows wait (the largest that fits); empty for none
 * @param priorityLevels priority levels of the queue (1 = none); a request's {@code parameters.priority} 1 is highest
 * @param defaultPriority the level of a request that names none
 * @param queueTimeoutMicros a request still queued after this long is refused with 429; 0 for never
 * @param maxQueueSize requests that may wait at once (beyond it: 429 at once); 0 for no bound
 * @param instances model instances (engine calls that may run at once) on an endpoint
 * @param p95TargetMillis adaptive mode's p95 latency target, or null for fixed settings
 */
public record Batching(int maxBatchSize, long maxDelayMicros, List<Integer> preferredBatchSizes, int priorityLevels,
    int defaultPriority, long queueTimeoutMicros, int maxQueueSize, int instances, Double p95TargetMillis) {
  public static final int LIMIT = 4096;
  private static final Set<String> FIELDS = Set.of("max_batch_size", "max_delay_ms", "max_queue_delay_us",
      "preferred_batch_sizes", "priority_levels", "default_priority", "queue_timeout_ms", "max_queue_size",
      "instances", "adaptive");

  public Batching {
    if (maxBatchSize < 1 || maxBatchSize > LIMIT) {
      throw PierException.badRequest("batching.max_batch_size must be between 1 and " + LIMIT + ", got " + maxBatchSize);
    }
    if (maxDelayMicros < 0 || maxDelayMicros > 1_000_000) {
      throw PierException.badRequest("batching.max_delay_ms must be between 0 and 1000, got " + maxDelayMicros / 1000.0);
    }
    preferredBatchSizes = List.copyOf(new TreeSet<>(preferredBatchSizes == null ? List.of() : preferredBatchSizes));
    for (int p : preferredBatchSizes) {
      if (p < 1 || p > maxBatchSize) {
        throw PierException.badRequest("batching.preferred_batch_sizes must lie between 1 and max_batch_size ("
            + maxBatchSize + "), got " + p);
      }
    }
    if (priorityLevels < 1 || priorityLevels > 16) {
      throw PierException.badRequest("batching.priority_levels must be between 1 and 16, got " + priorityLevels);
    }
    if (defaultPriority < 1 || defaultPriority > priorityLevels) {
      throw PierException.badRequest("batching.default_priority must be between 1 and priority_levels ("
          + priorityLevels + "), got " + defaultPriority);
    }
    if (queueTimeoutMicros < 0) {
      throw PierException.badRequest("batching.queue_timeout_ms must not be negative");
    }
    if (maxQueueSize < 0) {
      throw PierException.badRequest("batching.max_queue_size must not be negative");
    }
    if (instances < 1 || instances > 64) {
      throw PierException.badRequest("batching.instances must be between 1 and 64, got " + instances);
    }
    if (p95TargetMillis != null && !(p95TargetMillis > 0 && p95TargetMillis <= 60_000)) {
      throw PierException.badRequest("batching.adaptive.p95_target_ms must be above 0 and at most 60000, got "
          + p95TargetMillis);
    }
  }

  /** Size and delay only, everything else at its default (what in-process serving uses). */
  public Batching(int maxBatchSize, long maxDelayMicros) {
    this(maxBatchSize, maxDelayMicros, List.of(), 1, 1, 0, 0, 1, null);
  }

  /** Whether anything beyond size and delay is set. */
  public boolean extended() {
    return !preferredBatchSizes.isEmpty() || priorityLevels != 1 || defaultPriority != 1 || queueTimeoutMicros != 0
        || maxQueueSize != 0 || instances != 1 || p95TargetMillis != null;
  }

  /**
   * Parses registration metadata's {@code batching}: {@code {"max_batch_size": N, "max_delay_ms": D}} (or
   * {@code max_queue_delay_us}), optionally {@code preferred_batch_sizes}, {@code priority_levels},
   * {@code default_priority}, {@code queue_timeout_ms}, {@code max_queue_size}, {@code instances} and
   * {@code adaptive: {"p95_target_ms": T}}; null when absent. Unknown fields are refused.
   */
  public static Batching parse(JsonNode b) {
    if (b == null || b.isNull()) {
      return null;
    }
    if (!b.isObject()) {
      throw bad(" must be {\"max_batch_size\": N, \"max_delay_ms\": D}");
    }
    for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        throw PierException.badRequest("metadata.batching: unknown field '" + f + "'; allowed: " + new TreeSet<>(FIELDS));
      }
    }
    JsonNode size = b.get("max_batch_size");
    if (size == null || !size.isIntegralNumber() || !size.canConvertToInt()) {
      throw bad(".max_batch_size must be an integer");
    }
    JsonNode ms = b.get("max_delay_ms");
    JsonNode us = b.get("max_queue_delay_us");
    if (ms != null && us != null) {
      throw bad(": give max_delay_ms or max_queue_delay_us, not both");
    }
    long delayMicros;
    if (us != null) {
      if (!us.isIntegralNumber() || !us.canConvertToLong()) {
        throw bad(".max_queue_delay_us must be an integer number of microseconds");
      }
      delayMicros = us.asLong();
    } else {
      if (ms == null || !ms.isNumber()) {
        throw bad(".max_delay_ms must be a number of milliseconds");
      }
      delayMicros = Math.round(ms.asDouble() * 1000);
    }
    List<Integer> preferred = new ArrayList<>();
    JsonNode p = b.get("preferred_batch_sizes");
    if (p != null && !p.isNull()) {
      if (!p.isArray()) {
        throw bad(".preferred_batch_sizes must be an array of integers");
      }
      for (JsonNode n : p) {
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
          throw bad(".preferred_batch_sizes must be an array of integers, got " + n);
        }
        preferred.add(n.asInt());
      }
    }
    Double target = null;
    JsonNode a = b.get("adaptive");
    if (a != null && !a.isNull()) {
      if (!a.isObject() || a.size() != 1 || !a.path("p95_target_ms").isNumber()) {
        throw bad(".adaptive must be {\"p95_target_ms\": T}");
      }
      target = a.get("p95_target_ms").asDouble();
    }
    JsonNode timeout = b.get("queue_timeout_ms");
    if (timeout != null && !timeout.isNull() && !timeout.isNumber()) {
      throw bad(".queue_timeout_ms must be a number of milliseconds");
    }
    return new Batching(size.asInt(), delayMicros, preferred, integer(b, "priority_levels", 1),
        integer(b, "default_priority", 1),
        timeout == null || timeout.isNull() ? 0 : Math.round(timeout.asDouble() * 1000),
        integer(b, "max_queue_size", 0), integer(b, "instances", 1), target);
  }

  private static int integer(JsonNode b, String field, int fallback) {
    JsonNode v = b.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw bad("." + field + " must be an integer, got " + v);
    }
    return v.asInt();
  }

  private static PierException bad(String message) {
    return PierException.badRequest("metadata.batching" + message);
  }

  @Override
  public String toString() {
    return "Batching[maxBatchSize=" + maxBatchSize + ", maxDelayMicros=" + maxDelayMicros
        + (extended() ? ", preferredBatchSizes=" + preferredBatchSizes + ", priorityLevels=" + priorityLevels
            + ", defaultPriority=" + defaultPriority + ", queueTimeoutMicros=" + queueTimeoutMicros + ", maxQueueSize="
            + maxQueueSize + ", instances=" + instances + ", p95TargetMillis=" + p95TargetMillis : "") + "]";
  }
}
