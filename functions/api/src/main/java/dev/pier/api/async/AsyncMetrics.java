package dev.pier.api.async;

import dev.pier.async.AsyncListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * Async prediction metrics on the Micrometer registry ({@code GET /q/metrics} on the plain server): counters
 * {@code pier.async.queued}, {@code pier.async.completed}, {@code pier.async.failed} by model, and timers
 * {@code pier.async.queue.age} (submission to claim) and {@code pier.async.age} (submission to completion).
 */
@Singleton
public class AsyncMetrics implements AsyncListener {
  private final MeterRegistry registry;

  public AsyncMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void queued(String model) {
    count("pier.async.queued", "Async predictions accepted", model);
  }

  @Override
  public void started(String model, Duration waited) {
    Timer.builder("pier.async.queue.age").description("Time from submission until a worker claimed the prediction")
        .tag("model", model).publishPercentiles(0.5, 0.99).register(registry).record(waited);
  }

  @Override
  public void completed(String model, Duration age) {
    count("pier.async.completed", "Async predictions completed (one per prediction)", model);
    Timer.builder("pier.async.age").description("Time from submission until the result was written")
        .tag("model", model).register(registry).record(age);
  }

  @Override
  public void failed(String model, Duration age) {
    count("pier.async.failed", "Async predictions that failed for good", model);
  }

  private void count(String name, String description, String model) {
    Counter.builder(name).description(description).tag("model", model).register(registry).increment();
  }
}
