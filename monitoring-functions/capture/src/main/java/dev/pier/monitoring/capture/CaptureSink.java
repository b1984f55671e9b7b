package dev.pier.monitoring.capture;

/**
 * Where the prediction pipeline's capture stage hands captured rows. {@link #offer} never blocks and never throws: a
 * prediction must not wait for, or fail because of, monitoring. What cannot be taken is dropped and counted
 * ({@code pier_capture_dropped_total}).
 *
 * <p>Implementations are thread-safe: every request thread offers concurrently.
 */
public interface CaptureSink {
  /** A sink that keeps nothing (capture off); it counts nothing as dropped. */
  CaptureSink NONE = new CaptureSink() {
    @Override
    public boolean offer(CapturedRows rows) {
      return false;
    }

    @Override
    public long dropped() {
      return 0;
    }
  };

  /**
   * Takes the rows for writing, or drops them all when there is no room for them; true when taken. Called on request
   * threads: must not lock, block or allocate beyond what the caller made.
   */
  boolean offer(CapturedRows rows);

  /** Rows dropped so far because the sink was full (or closed). */
  long dropped();
}
