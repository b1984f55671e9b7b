package dev.pier.runtime;

import dev.pier.kernel.PierException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Per-model concurrency limits: at most {@code maxConcurrent} predictions of one model run at once in this
 * process, and a request that cannot start within {@code maxWait} is refused with 429 rather than queued — so a
 * burst never builds a queue that grows without bound, and one hot model cannot take every worker thread.
 * The REST front end adds {@code Retry-After}; gRPC answers RESOURCE_EXHAUSTED.
 */
public final class ConcurrencyLimits {
  private final int maxConcurrent;
  private final long maxWaitNanos;
  private final ConcurrentHashMap<String, ModelPermits> permits = new ConcurrentHashMap<>();

  public ConcurrencyLimits(int maxConcurrent, Duration maxWait) {
    if (maxConcurrent < 1) {
      throw new IllegalArgumentException("maxConcurrent must be at least 1");
    }
    this.maxConcurrent = maxConcurrent;
    this.maxWaitNanos = maxWait.toNanos();
  }

  /** Predictions of one model that may run at once. */
  public int maxConcurrent() {
    return maxConcurrent;
  }

  /** No limit: every request runs at once. */
  public static ConcurrencyLimits unlimited() {
    return new ConcurrencyLimits(Integer.MAX_VALUE, Duration.ZERO);
  }

  /** A running prediction's hold on its model's capacity; close it when done. */
  public interface Permit extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Takes a permit for a request that arrived at {@code arrivalNanos} ({@link System#nanoTime()}): at once if one
   * is free; else, when the budget may block, waiting until {@code maxWait} after its arrival — so the time a request
   * already spent queued for a worker thread counts against its wait, and under overload a request that waited its
   * share is refused at once with 429 instead of queueing a second time behind the permits. Without blocking, null
   * when none is free at once (the caller resumes on a thread that may wait).
   */
  public Permit admit(String model, long arrivalNanos, Budget budget) {
    if (maxConcurrent == Integer.MAX_VALUE) {
      return NONE;
    }
    ModelPermits s = semaphore(model);
    boolean acquired = s.tryAcquire();
    if (!acquired) {
      if (!budget.mayBlock()) {
        return null;
      }
      long waitNanos = maxWaitNanos - (System.nanoTime() - arrivalNanos);
      try {
        acquired = waitNanos > 0 && s.tryAcquire(waitNanos, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw PierException.unavailable("interrupted while waiting for capacity", e);
      }
    }
    if (!acquired) {
      throw new PierException(429, "model '" + model + "' is at its limit of " + maxConcurrent
          + " concurrent predictions on this server; retry shortly");
    }
    return s;
  }

  /** Permits of {@code model} held now (for tests and diagnostics). */
  public int inUse(String model) {
    Semaphore s = permits.get(model);
    return s == null || maxConcurrent == Integer.MAX_VALUE ? 0 : maxConcurrent - s.availablePermits();
  }

  /** Models tracked now (for tests). */
  int tracked() {
    return permits.size();
  }

  /**
   * The model's permits. Names are admitted before they are resolved, so a caller sending made-up names would grow
   * the map without end: at {@link #SWEEP_AT} names, the idle ones (no permit held) are dropped first; a dropped model
   * gets fresh permits when it is next asked for. A request that looked a model up just before its entry was dropped
   * still holds a working semaphore, so the model may briefly admit up to twice its limit — only once that many names
   * have been seen.
   */
  private ModelPermits semaphore(String model) {
    ModelPermits s = permits.get(model); // a plain read first: computeIfAbsent may lock the bin even on a hit
    if (s != null) {
      return s;
    }
    if (permits.size() >= SWEEP_AT) {
      permits.values().removeIf(p -> p.availablePermits() == maxConcurrent);
    }
    return permits.computeIfAbsent(model, m -> new ModelPermits(maxConcurrent));
  }

  /** How many models' permits are kept before idle ones are dropped. */
  static final int SWEEP_AT = 10_000;

  /**
   * A model's permits, and the one {@link Permit} that gives one back: a permit is a count, not an object, so no
   * call allocates one (the REST hot path takes and returns a permit per request). Callers close each permit they
   * were given exactly once ({@code PredictionCall.releasePermit} makes sure).
   */
  private static final class ModelPermits extends Semaphore implements Permit {
    ModelPermits(int permits) {
      super(permits);
    }

    @Override
    public void close() {
      release();
    }
  }

  private static final Permit NONE = () -> { };
}
