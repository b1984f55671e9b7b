package dev.pier.api;

import io.quarkus.logging.Log;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A sweep run at once and then every {@code interval} on a daemon thread of its own, until {@link #stop()}. A failed
 * run is logged and tried again at the next interval, so sweeps must be idempotent.
 */
public final class PeriodicSweep {
  private final ScheduledExecutorService timer;

  private PeriodicSweep(String name, Duration interval, Runnable sweep) {
    this.timer = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().daemon().name("pier-" + name.replace(' ', '-')).factory());
    timer.scheduleWithFixedDelay(() -> {
      try {
        sweep.run();
      } catch (RuntimeException e) {
        Log.warnf("%s failed (retried in %s): %s", name, interval, e.toString());
      }
    }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  public static PeriodicSweep start(String name, Duration interval, Runnable sweep) {
    return new PeriodicSweep(name, interval, sweep);
  }

  public void stop() {
    timer.shutdownNow();
  }
}
