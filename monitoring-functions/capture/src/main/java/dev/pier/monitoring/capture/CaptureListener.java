package dev.pier.monitoring.capture;

import java.util.List;

/**
 * Told of each batch of captured rows after the capture buffer's writer has stored it, on that writer's thread (off
 * the request path). The monitors module profiles the batch per hour with one, so monitor runs can merge profiles
 * instead of reading rows; a listener that fails is logged and does not count the rows as lost.
 */
@FunctionalInterface
public interface CaptureListener {
  void written(List<CapturedPrediction> rows);

  /**
   * Told of a stored columnar batch (what the serving app's writer stores). By default as rows ({@link
   * CaptureBatch#toRows()}); a listener on the write path reads the columns instead.
   */
  default void written(CaptureBatch batch) {
    written(batch.toRows());
  }

  /**
   * Writes what this listener holds back from earlier batches. The buffer calls it once it has caught up — after
   * {@link CaptureBuffer#flush()} (an on-demand run, a Lambda invocation's end, shutdown) and after writing a batch
   * that was not full — on the thread that wrote. A listener that batches its own writes (profiles) writes then.
   */
  default void flush() {
  }
}
