package dev.pier.experiments.assignment;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
 *
 * <p>A batch leaves the buffer only when its write succeeded. Each batch gets an id when it is cut from the queue; a
 * write that throws keeps the batch, which the next drain writes again first, with the same id and rows (the sink
 * stores a batch id once, so a write that did succeed but answered with an error is not counted twice). Batches that
 * wait for a retry count against {@code capacity}, so a writer that keeps failing fills the buffer and then new
 * exposures are dropped and counted as above; nothing already accepted is lost while the process lives.
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

  /**
   * Where drained exposures go: one call per batch with its rows {@code [unit, arm, epochMillis]}. A retried batch
   * comes with the same {@code batchId}: the sink must store one id once. Throwing keeps the batch for the next drain.
   */
  public interface Sink {
    void write(String experiment, String batchId, List<Object[]> rows);
  }

  /** A batch cut from an experiment's queue, written (or retried) as one. */
  private record Batch(String id, List<Object[]> rows) {}

  // per experiment, so the request's unit string is the key as it is (no key built per request)
  private final Map<String, Cache<String, Boolean>> seen = new ConcurrentHashMap<>();
  private final Map<String, ConcurrentLinkedQueue<Object[]>> queues = new ConcurrentHashMap<>();
  // only drain (synchronized) touches these: batches cut and not yet written, per experiment, oldest first
  private final Map<String, Deque<Batch>> unwritten = new HashMap<>();
  private final LongAdder failedWrites = new LongAdder();

  /** Queues the unit's exposure unless it was queued recently (O(1), never blocks; dropped and counted when full). */
  public void offer(String experiment, String unit, String arm, long epochMillis) {
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

  /** Writes that threw (each kept its batch for the next drain). */
  public long failedWrites() {
    return failedWrites.sum();
  }

  /** Batches cut from the queues and not yet written (after a failed write). */
  public synchronized int unwrittenBatches() {
    int n = 0;
    for (Deque<Batch> d : unwritten.values()) n += d.size();
    return n;
  }

  /**
   * Writes what has been queued, at most {@code maxPerBatch} rows per sink call, oldest batch first. An experiment
   * whose write throws keeps that batch and the ones after it for the next drain (same ids); the others go on.
   * Returns the first failure of this drain, or null when every write succeeded (the caller logs it).
   */
  public synchronized RuntimeException drain(Sink sink, int maxPerBatch) {
    if (maxPerBatch < 1) throw new IllegalArgumentException("maxPerBatch must be positive, got " + maxPerBatch);
    for (var entry : queues.entrySet()) {
      Deque<Batch> pending = unwritten.computeIfAbsent(entry.getKey(), e -> new ArrayDeque<>());
      List<Object[]> rows = new ArrayList<>();
      Object[] row;
      while ((row = entry.getValue().poll()) != null) {
        rows.add(row);
        if (rows.size() == maxPerBatch) {
          pending.add(new Batch(UUID.randomUUID().toString(), rows));
          rows = new ArrayList<>();
        }
      }
      if (!rows.isEmpty()) pending.add(new Batch(UUID.randomUUID().toString(), rows));
    }
    RuntimeException first = null;
    for (var entry : unwritten.entrySet()) {
      Deque<Batch> pending = entry.getValue();
      Batch b;
      while ((b = pending.peek()) != null) {
        try {
          sink.write(entry.getKey(), b.id(), b.rows());
        } catch (RuntimeException x) {
          failedWrites.increment();
          if (first == null) first = x;
          break; // kept, with the ones after it: retried first by the next drain
        }
        pending.poll();
        queued.addAndGet(-b.rows().size());
      }
    }
    return first;
  }
}
