package dev.pier.experiments.assignment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Model metrics of the predictions an experiment routed, per unit, as experiment events: {@value #LATENCY_MS} (each
 * prediction's latency from arrival, in milliseconds) and {@value #ERROR_RATE} (1 for a prediction that failed with a
 * server error, 5xx). An experiment that lists them as metrics (guardrails: {@code error_rate} binary — the share of
 * units that met a server error; {@code latency_ms} continuous — each unit's summed latency) gets them per arm like
 * any event; other experiments drop them when they are written. {@link #offer} is a queue offer that never blocks (a
 * full queue drops and counts); {@link #drain} hands them out per experiment off the request path.
 *
 * <p>For a running experiment that measures monitoring feedback ({@link #keepPredictionsOf}), each routed prediction
 * also keeps its request id and a reference to its answer (not a copy); the drain, on the writer's thread, reads each
 * row's predicted value from it ({@code predictedValues}) and hands {@code [request id, unit, epochMillis, [value per
 * row]]} to the predictions sink, which the experiment joins to the labels sent for that request id. Other
 * predictions pay one set lookup on the experiment's id.
 */
public final class ArmMetrics {
  public static final String ERROR_RATE = "error_rate";
  public static final String LATENCY_MS = "latency_ms";
  public static final int DEFAULT_CAPACITY = 100_000;

  private record Observation(String experiment, String unit, String metric, double value, long epochMillis,
                             String requestId, Object answer) {}

  private final ArrayBlockingQueue<Observation> queue;
  private final AtomicLong dropped = new AtomicLong();
  private volatile Set<String> keepPredictions = Set.of();

  public ArmMetrics() {
    this(DEFAULT_CAPACITY);
  }

  public ArmMetrics(int capacity) {
    this.queue = new ArrayBlockingQueue<>(capacity);
  }

  /** The running experiments whose predictions are kept for their feedback metrics (the assigner's refresh sets it). */
  public void keepPredictionsOf(Set<String> experiments) {
    keepPredictions = Set.copyOf(experiments);
  }

  /** One routed prediction of {@code unit} in {@code experiment}: its latency, and whether it failed with a 5xx. */
  public void offer(String experiment, String unit, boolean serverError, double latencyMs, long epochMillis) {
    offer(experiment, unit, serverError, latencyMs, epochMillis, null, null);
  }

  /**
   * As {@link #offer(String, String, boolean, double, long)}, with the request id and the answer (null when it
   * failed): kept for an experiment that measures feedback, so labels sent for the request id can be joined to it.
   */
  public void offer(String experiment, String unit, boolean serverError, double latencyMs, long epochMillis,
      String requestId, Object answer) {
    if (unit == null || unit.isEmpty()) {
      return;
    }
    if (!queue.offer(new Observation(experiment, unit, LATENCY_MS, latencyMs, epochMillis, null, null))) {
      dropped.incrementAndGet();
    }
    if (serverError && !queue.offer(new Observation(experiment, unit, ERROR_RATE, 1, epochMillis, null, null))) {
      dropped.incrementAndGet();
    }
    if (answer != null && requestId != null && keepPredictions.contains(experiment)
        && !queue.offer(new Observation(experiment, unit, null, 0, epochMillis, requestId, answer))) {
      dropped.incrementAndGet();
    }
  }

  /** Observations a full queue dropped. */
  public long dropped() {
    return dropped.get();
  }

  /**
   * Hands what is queued (at most {@code max}) to {@code sink} per experiment, as event rows
   * {@code [unit, metric, value, epochMillis]}; returns how many. Kept predictions are dropped.
   */
  public int drain(BiConsumer<String, List<Object[]>> sink, int max) {
    return drain(sink, (experiment, rows) -> { }, answer -> List.of(), max);
  }

  /**
   * As {@link #drain(BiConsumer, int)}, and hands the kept predictions to {@code predictions} per experiment as rows
   * {@code [requestId, unit, epochMillis, List<Object> value per row]}, each answer read by {@code predictedValues}
   * (a number, a class name or null per row). Model metrics go first, so a failed prediction sink loses no latency.
   */
  public int drain(BiConsumer<String, List<Object[]>> sink, BiConsumer<String, List<Object[]>> predictions,
      Function<Object, List<Object>> predictedValues, int max) {
    List<Observation> taken = new ArrayList<>();
    queue.drainTo(taken, max);
    Map<String, List<Object[]>> byExperiment = new LinkedHashMap<>();
    Map<String, List<Object[]>> predicted = new LinkedHashMap<>();
    for (Observation o : taken) {
      if (o.answer() != null) {
        predicted.computeIfAbsent(o.experiment(), e -> new ArrayList<>())
            .add(new Object[] {o.requestId(), o.unit(), o.epochMillis(), predictedValues.apply(o.answer())});
      } else {
        byExperiment.computeIfAbsent(o.experiment(), e -> new ArrayList<>())
            .add(new Object[] {o.unit(), o.metric(), o.value(), o.epochMillis()});
      }
    }
    byExperiment.forEach(sink);
    predicted.forEach(predictions);
    return taken.size();
  }
}
