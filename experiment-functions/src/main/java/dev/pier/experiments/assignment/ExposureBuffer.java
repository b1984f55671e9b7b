package dev.pier.experiments.assignment;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Collects first exposures from the request path and hands them to a sink in batches, off that path. A unit seen
 * recently in an experiment is not queued again (a bounded Caffeine set per experiment, 1 M units, a day each; a repeat
 * that slips through after eviction is harmless, since the ledger keeps only a unit's first exposure).
 * {@link #offer} is O(1) and never blocks; {@link #drain} is called by a scheduler (every second, say) and writes each
 * experiment's batch (the experiments service stores it as one exposures batch).
 */
public final class ExposureBuffer {

  /** Where drained exposures go: one call per experiment with its rows {@code [unit, arm, epochMillis]}. */
  public interface Sink {
    void write(String experiment, List<Object[]> rows);
  }

  // per experiment, so the request's unit string is the key as it is (no key built per request)
  private final Map<String, Cache<String, Boolean>> seen = new ConcurrentHashMap<>();
  private final Map<String, ConcurrentLinkedQueue<Object[]>> queues = new ConcurrentHashMap<>();

  void offer(String experiment, String unit, String arm, long epochMillis) {
    Cache<String, Boolean> units = seen.get(experiment);
    if (units == null) {
      units = seen.computeIfAbsent(experiment, e -> Caffeine.newBuilder().maximumSize(1_000_000)
          .expireAfterWrite(Duration.ofDays(1)).build());
    }
    if (units.getIfPresent(unit) != null) return;
    units.put(unit, Boolean.TRUE);
    queues.computeIfAbsent(experiment, e -> new ConcurrentLinkedQueue<>()).add(new Object[] {unit, arm, epochMillis});
  }

  /** Writes what has been queued, at most {@code maxPerBatch} rows per sink call. */
  public void drain(Sink sink, int maxPerBatch) {
    for (var entry : queues.entrySet()) {
      List<Object[]> batch = new ArrayList<>();
      Object[] row;
      while ((row = entry.getValue().poll()) != null) {
        batch.add(row);
        if (batch.size() == maxPerBatch) {
          sink.write(entry.getKey(), batch);
          batch = new ArrayList<>();
        }
      }
      if (!batch.isEmpty()) sink.write(entry.getKey(), batch);
    }
  }
}
