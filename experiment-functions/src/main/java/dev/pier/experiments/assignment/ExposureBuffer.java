package dev.pier.experiments.assignment;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Collects first exposures from the request path and hands them to a sink in batches, off that path. A unit seen
 * recently in an experiment is not queued again (a bounded Caffeine set per experiment, 1 M units, a day each; a repeat
 * that slips through after eviction is harmless, since the ledger keeps only a unit's first exposure).
 * {@link #offer} is O(1) and never blocks; {@link #drain} is called by a scheduler (every second, say) and writes each
 * experiment's batch (the experiments service stores it as one exposures batch). At most {@code capacity} exposures
 * wait to be written: beyond that an exposure is dropped and counted ({@link #dropped()}), and its unit is forgotten,
 * so the unit's next request offers it again — a full buffer delays a first exposure, it never blocks a prediction.
 */
public final class ExposureBuffer {
  /** The default bound: 100,000 queued exposures (three small objects each, a few MiB) between drains. */
  public static final int DEFAULT_CAPACITY = 100_000;

  private final int capacity;
  private final AtomicInteger queued = new AtomicInteger();
  private final LongAdder dropped = new LongAdder();

  public ExposureBuffer() {
    this(DEFAULT_CAPACITY);
  }

  /** @param capacity exposures waiting to be written at most */
  public ExposureBuffer(int capacity) {
    if (capacity < 1) throw new IllegalArgumentException("capacity must be positive, got " + capacity);
    this.capacity = capacity;
  }

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
    if (queued.incrementAndGet() > capacity) {
      queued.decrementAndGet();
      dropped.increment();
      return; // not marked as seen: the unit's next request offers its exposure again
    }
    units.put(unit, Boolean.TRUE);
    queues.computeIfAbsent(experiment, e -> new ConcurrentLinkedQueue<>()).add(new Object[] {unit, arm, epochMillis});
  }

  /** Exposures dropped because the buffer was full. */
  public long dropped() {
    return dropped.sum();
  }

  /** Exposures waiting to be written. */
  public int queued() {
    return queued.get();
  }

  /** Writes what has been queued, at most {@code maxPerBatch} rows per sink call. */
  public void drain(Sink sink, int maxPerBatch) {
    for (var entry : queues.entrySet()) {
      List<Object[]> batch = new ArrayList<>();
      Object[] row;
      while ((row = entry.getValue().poll()) != null) {
        queued.decrementAndGet();
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
