package dev.pier.monitoring.capture;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
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
  private final Object writeLock = new Object();
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
    if (capacity < 1 || batchSize < 1) {
      throw new IllegalArgumentException("capture capacity and batch size must be positive");
    }
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.writer = writer;
    this.batchSize = batchSize;
    this.flushIntervalNanos = flushInterval.toNanos();
    this.drainer = Thread.ofPlatform().daemon().name("pier-capture-writer").start(this::drainLoop);
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

  /** Writes everything queued now, on the calling thread, and returns when it is written (or has failed). */
  public void flush() {
    List<CapturedPrediction> batch = new ArrayList<>(batchSize);
    while (queue.drainTo(batch, batchSize) > 0) {
      writeBatch(batch);
      batch = new ArrayList<>(batchSize);
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

  private void drainLoop() {
    List<CapturedPrediction> batch = new ArrayList<>(batchSize);
    while (!closed) {
      try {
        CapturedPrediction first = queue.poll(POLL_NANOS, TimeUnit.NANOSECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        long deadline = System.nanoTime() + flushIntervalNanos;
        while (batch.size() < batchSize) {
          queue.drainTo(batch, batchSize - batch.size());
          long left = deadline - System.nanoTime();
          if (batch.size() >= batchSize || left <= 0 || closed) {
            break;
          }
          CapturedPrediction next = queue.poll(Math.min(left, POLL_NANOS), TimeUnit.NANOSECONDS);
          if (next != null) {
            batch.add(next);
          }
        }
        writeBatch(batch);
        batch = new ArrayList<>(batchSize);
      } catch (InterruptedException e) {
        break; // closing: close() writes what is left
      }
    }
    if (!batch.isEmpty()) {
      writeBatch(batch);
    }
  }

  private void writeBatch(List<CapturedPrediction> batch) {
    if (batch.isEmpty()) {
      return;
    }
    synchronized (writeLock) { // flush() and the drainer never interleave halves of their batches
      try {
        writer.accept(batch);
        written.add(batch.size());
      } catch (RuntimeException e) {
        failed.add(batch.size());
        LOG.log(Level.WARNING, "capture: dropped a batch of " + batch.size() + " rows: " + e.getMessage());
      }
    }
  }
}
