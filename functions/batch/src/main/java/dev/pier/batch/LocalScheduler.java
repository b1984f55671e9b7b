package dev.pier.batch;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Local mode's EventBridge Scheduler: every {@code interval} it starts the runs that have come due
 * ({@link BatchSchedules#fireDue}). Safe to run in several processes at once and across restarts: a run is started at
 * most once per schedule and fire time.
 */
public final class LocalScheduler implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LocalScheduler.class.getName());

  private final BatchSchedules schedules;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("pier-batch-schedules").factory());

  public LocalScheduler(BatchSchedules schedules) {
    this.schedules = schedules;
  }

  public void start(Duration interval) {
    timer.scheduleWithFixedDelay(this::tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void tick() {
    try {
      for (BatchJob job : schedules.fireDue(Instant.now())) {
        LOG.info(() -> "schedule " + job.source() + " started batch job " + job.id());
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "could not start due batch schedules", e);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
