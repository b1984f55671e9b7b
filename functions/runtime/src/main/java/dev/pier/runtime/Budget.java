package dev.pier.runtime;

/**
 * How long a prediction may wait, carried by the call instead of a blocking and a non-blocking copy of each layer.
 * {@link #WAIT} may block: load a model, read the registry, wait for a concurrency permit up to the queue wait
 * counted from the request's arrival, call an endpoint. {@link #inline} may not: every layer that would block instead
 * declines (returns null, having kept nothing), and the caller resumes the call on a thread that may block. That is
 * what lets an HTTP I/O thread answer a small, loaded, fast model itself (see {@code InferRoute}).
 *
 * @param mayBlock whether the call may block
 * @param maxMeanNanos without blocking: the longest mean call time of a model run inline (a slower one declines)
 */
public record Budget(boolean mayBlock, long maxMeanNanos) {
  /** May block (worker threads, gRPC, batch, async). */
  public static final Budget WAIT = new Budget(true, Long.MAX_VALUE);

  /** May not block, and runs only models whose recent calls averaged at most {@code maxMeanNanos}. */
  public static Budget inline(long maxMeanNanos) {
    return new Budget(false, maxMeanNanos);
  }
}
