package dev.pier.experiments.assignment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Model metrics of the predictions an experiment routed, per unit, as experiment events: {@value #LATENCY_MS} (each
 * prediction's latency from arrival, in milliseconds) and {@value #ERROR_RATE} (1 for a prediction that failed with a
 * server error, 5xx). An experiment that lists them as metrics (guardrails: {@code error_rate} binary — the share of
 * units that met a server error; {@code latency_ms} continuous — each unit's summed latency) gets them per arm like
 * any event; other experiments drop them when they are written. {@link #offer} is a queue offer that never blocks (a
 * full queue drops and counts); {@link #drain} hands them out per experiment off the request path.
 */
public final class ArmMetrics {
  public static final String ERROR_RATE = "error_rate";
  public static final String LATENCY_MS = "latency_ms";
  public static final int DEFAULT_CAPACITY = 100_000;

  private record Observation(String experiment, String unit, String metric, double value, long epochMillis) {}

  private final ArrayBlockingQueue<Observation> queue;
  private final AtomicLong dropped = new AtomicLong();

  public ArmMetrics() {
    this(DEFAULT_CAPACITY);
  }

  public ArmMetrics(int capacity) {
    this.queue = new ArrayBlockingQueue<>(capacity);
  }

  /** One routed prediction of {@code unit} in {@code experiment}: its latency, and whether it failed with a 5xx. */
  public void offer(String experiment, String unit, boolean serverError, double latencyMs, long epochMillis) {
    if (unit == null || unit.isEmpty()) {
      return;
    }
    if (!queue.offer(new Observation(experiment, unit, LATENCY_MS, latencyMs, epochMillis))) {
      dropped.incrementAndGet();
    }
    if (serverError && !queue.offer(new Observation(experiment, unit, ERROR_RATE, 1, epochMillis))) {
      dropped.incrementAndGet();
    }
  }

  /** Observations a full queue dropped. */
  public long dropped() {
    return dropped.get();
  }

  /**
   * Hands what is queued (at most {@code max}) to {@code sink} per experiment, as event rows
   * {@code [unit, metric, value, epochMillis]}; returns how many.
   */
  public int drain(BiConsumer<String, List<Object[]>> sink, int max) {
    List<Observation> taken = new ArrayList<>();
    queue.drainTo(taken, max);
    Map<String, List<Object[]>> byExperiment = new LinkedHashMap<>();
    for (Observation o : taken) {
      byExperiment.computeIfAbsent(o.experiment(), e -> new ArrayList<>())
          .add(new Object[] {o.unit(), o.metric(), o.value(), o.epochMillis()});
    }
    byExperiment.forEach(sink);
    return taken.size();
  }
}
