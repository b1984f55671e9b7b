package dev.pier.monitoring.capture;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jctools.queues.MpscArrayQueue;

/**
 * The capture sink: a bounded lock-free ring that request threads {@linkplain #offer offer} to, and one background
 * thread that drains it in batches to a writer (a {@link CaptureStore}) — when a batch is full or when the oldest
 * taken row has waited {@code flushInterval}.
 *
 * <p>An offer is what the request path pays for capture: a reservation of the request's rows against the bound (one
 * atomic add) and one reference put into a multi-producer, single-consumer array ring (JCTools' {@link
 * MpscArrayQueue}: one compare-and-set); no lock, nothing allocated, nothing shared with the writer but those two
 * words. The writer never signals back: it polls the ring, parking {@value #IDLE_PARK_MILLIS} ms when it finds it
 * empty, and lays the rows out ({@link CapturedRows#addRowsTo}) on its own thread.
 *
 * <p>Memory is bounded by {@code capacity} rows in the ring (each row refers to its request's inputs and outputs, which
 * capture keeps alive until written) plus one batch being filled and written (about {@code batchSize} rows). When the
 * ring has no room for a request's rows, or the sink is closed, they are dropped and counted, never waited for. A
 * batch whose write fails (or whose rows cannot be laid out) is dropped and counted in {@link #failedRows()}, with the
 * cause logged (the next batch is tried as usual): capture is best effort by design, so a slow or failing S3 never
 * reaches the request path.
 *
 * <p>In a Lambda function the background thread is frozen between invocations; call {@link #flush()} before the
 * invocation ends (rows queued when the environment is shut down are lost, as the budget allows).
 *
 * <p>Thread-safe.
 */
public final class CaptureBuffer implements CaptureSink, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(CaptureBuffer.class.getName());

  /** How long the writer parks when it finds the ring empty (it also looks at {@code closed} then). */
  static final long IDLE_PARK_MILLIS = 10;
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(IDLE_PARK_MILLIS);

  private final MpscArrayQueue<CapturedRows> ring;
  /** Rows reserved in the ring: offered and not yet taken by the writer (at most {@link #capacity}). */
  private final AtomicLong queuedRows = new AtomicLong();
  private final int capacity;
  private final Consumer<CaptureBatch> writer;
  private final int batchSize;
  private final long flushIntervalNanos;
  private final Thread drainer;
  private final Runnable caughtUp;
  /**
   * The ring's single consumer: held by the writer thread for each step and by {@link #flush}, never by a request
   * thread. Fair, so a flush is not starved.
   */
  private final ReentrantLock lock = new ReentrantLock(true);
  /** The batch being filled: rows taken from the ring and not yet written (guarded by {@link #lock}). */
  private CaptureBatch pending = new CaptureBatch();
  private long pendingSince;
  private final LongAdder accepted = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder written = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private volatile boolean closed;

  /**
   * @param capacity rows held at most in the ring, waiting to be taken by the writer
   * @param batchSize rows per write at most (a request's rows are never split: a batch may exceed it by one request)
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
    this(capacity, batchSize, flushInterval, writer, onWriterStart, () -> { });
  }

  /**
   * As {@link #CaptureBuffer(int, int, Duration, Consumer, Runnable)}, with {@code caughtUp} run whenever the writing
   * has caught up with the offers: at the end of {@link #flush()}, and after the background writer wrote a batch that
   * was not full (the flush interval passed before a batch filled). The serving app flushes its listeners there
   * ({@link CaptureListener#flush()}), so what they hold back is written when the load is light or a run asks, and
   * held while full batches keep coming. A failure is logged.
   */
  public CaptureBuffer(int capacity, int batchSize, Duration flushInterval, Consumer<List<CapturedPrediction>> writer,
      Runnable onWriterStart, Runnable caughtUp) {
    this(capacity, batchSize, flushInterval, (BatchWriter) batch -> writer.accept(batch.toRows()), onWriterStart,
        caughtUp);
  }

  /** Writes one columnar batch; may throw, and then the batch is counted as failed. */
  @FunctionalInterface
  public interface BatchWriter {
    void write(CaptureBatch batch);
  }

  /**
   * As {@link #CaptureBuffer(int, int, Duration, Consumer, Runnable, Runnable)}, with a writer of columnar batches
   * ({@link CaptureBatch}: the requests' tensors copied column by column): what the serving app writes, since rows as
   * maps of boxed values cost the writer most of its CPU (monitoring BENCH.md).
   */
  public static CaptureBuffer ofBatches(int capacity, int batchSize, Duration flushInterval, BatchWriter writer,
      Runnable onWriterStart, Runnable caughtUp) {
    return new CaptureBuffer(capacity, batchSize, flushInterval, writer, onWriterStart, caughtUp);
  }

  private CaptureBuffer(int capacity, int batchSize, Duration flushInterval, BatchWriter writer,
      Runnable onWriterStart, Runnable caughtUp) {
    this.caughtUp = caughtUp;
    if (capacity < 1 || batchSize < 1) {
      throw new IllegalArgumentException("capture capacity and batch size must be positive");
    }
    this.capacity = capacity;
    this.ring = new MpscArrayQueue<>(Math.max(2, capacity)); // each entry has at least one row: never fuller than rows
    this.writer = writer::write;
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
  public boolean offer(CapturedRows rows) {
    int n = rows.rowCount();
    if (n <= 0) {
      return false; // nothing to capture
    }
    if (closed) {
      dropped.add(n);
      return false;
    }
    if (queuedRows.addAndGet(n) > capacity) {
      queuedRows.addAndGet(-n);
      dropped.add(n);
      return false;
    }
    if (!ring.offer(rows)) { // not reached: the ring has a slot per reserved row
      queuedRows.addAndGet(-n);
      dropped.add(n);
      return false;
    }
    accepted.add(n);
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

  /** Rows lost because their batch's write failed, or because they could not be laid out as rows. */
  public long failedRows() {
    return failed.sum();
  }

  /** Rows waiting in the ring to be taken by the writer. */
  public int queued() {
    return (int) queuedRows.get();
  }

  /**
   * Writes everything taken so far — queued rows and the batch the background writer is filling — on the calling
   * thread, and returns when it is written (or has failed). Waits at most for the writer's current step (a write).
   */
  public void flush() {
    lock.lock();
    try {
      do {
        take();
        writePending();
      } while (!ring.isEmpty());
      runCaughtUp();
    } finally {
      lock.unlock();
    }
  }

  /** Stops taking rows, writes what is queued and stops the background thread. */
  @Override
  public void close() {
    closed = true;
    try {
      drainer.join(2_000); // it notices within one park unless a write is in flight
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
   * Takes rows into {@link #pending} until it is a full batch or its first row has waited the flush interval, then
   * writes it; parks when the ring is empty. Each step holds the lock, so a row is always either in the ring or
   * pending when {@link #flush} looks.
   */
  private void drainLoop() {
    while (!closed) {
      boolean took;
      lock.lock();
      try {
        took = take();
        if (!pending.isEmpty()
            && (pending.rows() >= batchSize || System.nanoTime() - pendingSince >= flushIntervalNanos || closed)) {
          boolean full = pending.rows() >= batchSize;
          writePending();
          if (!full) {
            runCaughtUp();
          }
        }
      } finally {
        lock.unlock();
      }
      if (!took) {
        LockSupport.parkNanos(IDLE_PARK_NANOS);
      }
      if (Thread.interrupted()) {
        break; // closing: close() writes what is left
      }
    }
  }

  /**
   * Moves entries from the ring into {@link #pending} until it holds a batch, laying out their rows; the caller holds
   * the lock. True when it took any.
   */
  private boolean take() {
    long taken = 0;
    CapturedRows next;
    while (pending.rows() < batchSize && (next = ring.relaxedPoll()) != null) {
      if (pending.isEmpty()) {
        pendingSince = System.nanoTime();
      }
      int n = next.rowCount();
      taken += n;
      try {
        next.addTo(pending); // takes its own rows back out when it throws
      } catch (RuntimeException e) {
        failed.add(n);
        LOG.log(Level.WARNING, "capture: dropped " + n + " rows that could not be laid out", e);
      }
    }
    if (taken > 0) {
      queuedRows.addAndGet(-taken);
    }
    return taken > 0;
  }

  private void runCaughtUp() {
    try {
      caughtUp.run();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "capture: writing what the listeners held back failed", e);
    }
  }

  /** Writes and empties {@link #pending}; the caller holds the lock. */
  private void writePending() {
    if (!pending.isEmpty()) {
      CaptureBatch batch = pending;
      pending = new CaptureBatch();
      writeBatch(batch);
    }
  }

  private void writeBatch(CaptureBatch batch) {
    int rows = batch.rows();
    try {
      writer.accept(batch);
      written.add(rows);
    } catch (RuntimeException e) {
      failed.add(rows);
      LOG.log(Level.WARNING, "capture: dropped a batch of " + rows + " rows", e);
    }
  }
}
