package dev.pier.async;

import java.time.Duration;

/** What the async machinery reports, for metrics. Every method must be cheap and must never throw. */
public interface AsyncListener {
  AsyncListener NONE = new AsyncListener() {};

  /** A prediction was accepted and queued (not called for an idempotent replay). */
  default void queued(String model) {}

  /** A worker claimed a prediction; {@code waited} is its time from submission (the queue age). */
  default void started(String model, java.time.Duration waited) {}

  /** The one successful completion of a prediction; {@code age} is the time from submission. */
  default void completed(String model, Duration age) {}

  /** A prediction failed for good. */
  default void failed(String model, Duration age) {}
}
