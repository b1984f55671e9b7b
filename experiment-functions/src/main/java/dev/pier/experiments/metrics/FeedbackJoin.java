package dev.pier.experiments.metrics;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Joins one experiment's ground-truth labels to the predictions it routed, by request id and row, into metric events
 * for its feedback metrics ({@link FeedbackValue}). Either side may come first: a label whose prediction has not been
 * seen waits (labels often arrive first in a fold, or days later in real life; both orders give the same events). Each
 * event is timed at its prediction and belongs to the prediction's unit, so the ledger counts it only at or after the
 * unit's first exposure, like any event. A row is joined once: a label sent again for a joined row changes nothing (a
 * correction after the join is not applied; before it, the latest label wins).
 *
 * <p>Kept in memory beside the ledger, with the predictions it has seen (one entry per routed request of an
 * experiment that measures feedback). Not thread-safe: one writer, like the ledger.
 */
public final class FeedbackJoin {

  private record Predicted(String unit, long epochMillis, List<Object> values) {}

  private final Map<String, FeedbackValue> metrics;
  private final Map<String, MetricType> types;
  private final Map<String, Predicted> predictions = new HashMap<>();
  private final Map<String, Map<Integer, Object>> waiting = new HashMap<>();
  private final Set<String> joinedRows = new HashSet<>();
  private long joined, waitingCount, unusable;

  /** @param metrics the feedback metrics, by name: how a label becomes a value, and the metric's type */
  public FeedbackJoin(Map<String, FeedbackValue> metrics, Map<String, MetricType> types) {
    this.metrics = Map.copyOf(metrics);
    this.types = Map.copyOf(types);
  }

  /** A routed prediction: {@code values} holds each row's predicted value (a number, class name or null). */
  public void predicted(String requestId, String unit, long epochMillis, List<Object> values,
      Consumer<MetricEvent> out) {
    if (predictions.putIfAbsent(requestId, new Predicted(unit, epochMillis, values)) != null) return; // a re-read
    Map<Integer, Object> labels = waiting.remove(requestId);
    if (labels == null) return;
    waitingCount -= labels.size();
    labels.forEach((row, label) -> join(requestId, row, label, out));
  }

  /** A label for {@code row} of request {@code requestId}. */
  public void labelled(String requestId, int row, Object label, Consumer<MetricEvent> out) {
    if (joinedRows.contains(requestId + "\n" + row)) return;
    if (predictions.containsKey(requestId)) {
      join(requestId, row, label, out);
      return;
    }
    if (waiting.computeIfAbsent(requestId, r -> new HashMap<>(2)).put(row, label) == null) waitingCount++;
  }

  private void join(String requestId, int row, Object label, Consumer<MetricEvent> out) {
    joinedRows.add(requestId + "\n" + row);
    joined++;
    Predicted p = predictions.get(requestId);
    Object predicted = row < p.values().size() ? p.values().get(row) : null;
    boolean usable = false;
    for (var m : metrics.entrySet()) {
      Double v = m.getValue().value(predicted, label);
      if (v == null) continue;
      usable = true;
      if (types.get(m.getKey()) == MetricType.BINARY && v == 0) continue; // binary: 1 for a unit with any non-zero
      out.accept(new MetricEvent(p.unit(), m.getKey(), v, p.epochMillis()));
    }
    if (!usable) unusable++;
  }

  /** Predictions seen, labels joined, labels waiting for their prediction, joined labels that gave no value. */
  public long[] counts() {
    return new long[] {predictions.size(), joined, waitingCount, unusable};
  }
}
