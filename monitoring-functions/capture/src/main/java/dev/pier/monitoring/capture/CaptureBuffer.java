package dev.pier.monitoring.capture;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The capture sink: a bounded in-memory queue that request threads {@linkplain #offer offer} to without blocking, and
 * one background thread that drains it in batches to a writer (a {@link CaptureStore}) — when a batch is full or when
 * the oldest queued row has waited {@code flushInterval}.
 *
 * <p>Memory is bounded by {@code capacity} rows (each row holds its caller's input and output maps) plus one batch
 * being written. When the queue is full, or the sink is closed, a row is dropped and counted, never waited for. A
 * batch whose write fails is dropped and counted in {@link #failedRows()} (the next batch is tried as usual): capture
 * is best effort by design, so a slow or failing S3 never reaches the request path.
 *
 * <p>In a Lambda function the background thread is frozen between invocations; call {@link #flush()} before the
 * invocation ends (rows queued when the environment is shut down are lost, as the budget allows).
 *
 * <p>Thread-safe.
 */
public final class CaptureBuffer implements CaptureSink, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(CaptureBuffer.class.getName());

  /** How often the idle writer looks at {@code closed}. */
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final BlockingQueue<CapturedPrediction> queue;
  private final Consumer<List<CapturedPrediction>> writer;
  private final int batchSize;
  private final long flushIntervalNanos;
  private final Thread drainer;
  /** Held by the writer thread for one poll and what follows, and by {@link #flush}: fair, so a flush is not starved. */
  private final ReentrantLock lock = new ReentrantLock(true);
  /** The batch being filled: rows taken from the queue and not yet written (guarded by {@link #lock}). */
  private final List<CapturedPrediction> pending = new ArrayList<>();
  private long pendingSince;
  private final LongAdder accepted = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder written = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private volatile boolean closed;

  /**
   * @param capacity rows held at most while waiting to be written
   * @param batchSize rows per write at most
   * @param flushInterval the longest a row waits before its batch is written
   * @param writer writes one batch (for S3: {@code store::write}); may throw, and then the batch is counted as failed
   */
  public CaptureBuffer(int capacity, int batchSize, Duration flushInterval, Consumer<List<CapturedPrediction>> writer) {
    this(capacity, batchSize, flushInterval, writer, () -> { });
  }

  /**
   * As {@link #CaptureBuffer(int, int, Duration, Consumer)}, with {@code onWriterStart} run first on the background
   * writer's own thread (and on no other: {@link #flush()} writes on its caller's thread) — the serving app lowers
   * that thread's scheduling priority there, so under a CPU-bound load capture yields to the request threads and
   * drops (counted) instead of slowing predictions.
   */
  public CaptureBuffer(int capacity, int batchSize, Duration flushInterval, Consumer<List<CapturedPrediction>> writer,
      Runnable onWriterStart) {
    if (capacity < 1 || batchSize < 1) {
      throw new IllegalArgumentException("capture capacity and batch size must be positive");
    }
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.writer = writer;
    this.batchSize = batchSize;
    this.flushIntervalNanos = flushInterval.toNanos();
    this.drainer = Thread.ofPlatform().daemon().name("pier-capture-writer").start(() -> {
      try {
        onWriterStart.run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "capture: the writer thread's setup failed, writing anyway: " + e);
      }
      drainLoop();
    });
  }

  @Override
  public boolean offer(CapturedPrediction row) {
    if (closed || !queue.offer(row)) {
      dropped.increment();
      return false;
    }
    accepted.increment();
    return true;
  }

  @Override
  public long dropped() {
    return dropped.sum();
  }

  /** Rows taken so far. */
  public long accepted() {
    return accepted.sum();
  }

  /** Rows written so far. */
  public long written() {
    return written.sum();
  }

  /** Rows lost because their batch's write failed. */
  public long failedRows() {
    return failed.sum();
  }

  /** Rows waiting to be written. */
  public int queued() {
    return queue.size();
  }

  /**
   * Writes everything taken so far — queued rows and the batch the background writer is filling — on the calling
   * thread, and returns when it is written (or has failed). Waits at most one writer poll (100 ms) plus the writes.
   */
  public void flush() {
    lock.lock();
    try {
      do {
        queue.drainTo(pending, batchSize - pending.size());
        writePending();
      } while (!queue.isEmpty());
    } finally {
      lock.unlock();
    }
  }

  /** Stops taking rows, writes what is queued and stops the background thread. */
  @Override
  public void close() {
    closed = true;
    try {
      drainer.join(2_000); // it notices within 100 ms unless a write is in flight
      if (drainer.isAlive()) {
        drainer.interrupt();
        drainer.join(30_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flush();
  }

  /**
   * Fills {@link #pending} until it is a full batch or its first row has waited the flush interval, then writes it.
   * Each step (one poll of at most 100 ms and what follows) holds the lock, so a row is always either queued or pending
   * when {@link #flush} looks.
   */
  private void drainLoop() {
    while (!closed) {
      lock.lock();
      try {
        CapturedPrediction next = queue.poll(POLL_NANOS, TimeUnit.NANOSECONDS);
        if (next != null) {
          if (pending.isEmpty()) {
            pendingSince = System.nanoTime();
          }
          pending.add(next);
          queue.drainTo(pending, batchSize - pending.size());
        }
        if (!pending.isEmpty()
            && (pending.size() >= batchSize || System.nanoTime() - pendingSince >= flushIntervalNanos || closed)) {
          writePending();
        }
      } catch (InterruptedException e) {
        break; // closing: close() writes what is left
      } finally {
        lock.unlock();
      }
    }
  }

  /** Writes and empties {@link #pending}; the caller holds the lock. */
  private void writePending() {
    if (!pending.isEmpty()) {
      writeBatch(new ArrayList<>(pending));
      pending.clear();
    }
  }

  private void writeBatch(List<CapturedPrediction> batch) {
    if (batch.isEmpty()) {
      return;
    }
    try {
      writer.accept(batch);
      written.add(batch.size());
    } catch (RuntimeException e) {
      failed.add(batch.size());
      LOG.log(Level.WARNING, "capture: dropped a batch of " + batch.size() + " rows: " + e.getMessage());
    }
  }
}
