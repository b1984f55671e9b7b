package dev.pier.api.features;

import dev.pier.features.FeatureStore;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.local.LocalStandIns;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Materialization schedules on this platform: locally the server's timer fires due schedules every
 * {@code pier.features.schedule-interval} (default 1m; 0 = off); in AWS, with {@code pier.features.worker-arn} and
 * {@code pier.features.scheduler-role-arn} ({@code PIER_FEATURES_WORKER_ARN}, {@code
 * PIER_FEATURES_SCHEDULER_ROLE_ARN}), EventBridge Scheduler schedules invoke the feature worker; in AWS without them
 * creating one is a 501 (never a schedule that is stored but cannot fire). Wiring only.
 */
@Singleton
public class MaterializationScheduleWiring {
  private ScheduledExecutorService timer;

  @Produces
  @Singleton
  MaterializationSchedules schedules(AwsClients aws, Optional<LocalStandIns> standIns, FeatureStore store,
      @ConfigProperty(name = "pier.features.table", defaultValue = "pier-features") String table,
      @ConfigProperty(name = "pier.features.worker-arn") Optional<String> workerArn,
      @ConfigProperty(name = "pier.features.scheduler-role-arn") Optional<String> roleArn,
      @ConfigProperty(name = "pier.features.schedule-group", defaultValue = "default") String group) {
    ScheduleTarget target;
    if (standIns.isPresent()) {
      target = ScheduleTarget.LOCAL;
    } else if (workerArn.filter(s -> !s.isBlank()).isPresent() && roleArn.filter(s -> !s.isBlank()).isPresent()) {
      target = new EventBridgeScheduleTarget(
          aws.client(software.amazon.awssdk.services.scheduler.SchedulerClient.builder(), null), workerArn.get(),
          roleArn.get(), group);
    } else {
      target = new ScheduleTarget() {
        @Override
        public void created(MaterializationSchedule schedule) {
          throw new PierException(501, "this server cannot create materialization schedules: set"
              + " pier.features.worker-arn and pier.features.scheduler-role-arn (PIER_FEATURES_WORKER_ARN,"
              + " PIER_FEATURES_SCHEDULER_ROLE_ARN)");
        }

        @Override
        public void enabled(MaterializationSchedule schedule, boolean enabled) {}

        @Override
        public void deleted(String id) {}
      };
    }
    return new MaterializationSchedules(aws.dynamoDb(), table, store, target, Clock.systemUTC());
  }

  /** Locally: fire due schedules on a timer (several processes or a restart start a fire time once). */
  void onStart(@Observes StartupEvent event, Optional<LocalStandIns> standIns, MaterializationSchedules schedules,
      @ConfigProperty(name = "pier.features.schedule-interval", defaultValue = "1m") Duration interval) {
    if (standIns.isEmpty() || interval.isZero()) {
      return;
    }
    timer = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().daemon().name("pier-feature-schedules").factory());
    timer.scheduleWithFixedDelay(() -> {
      try {
        schedules.fireDue(Instant.now()).forEach(job ->
            Log.infof("materialization schedule started job %s", job.id()));
      } catch (RuntimeException e) {
        Log.warn("could not fire due materialization schedules", e);
      }
    }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  void onStop(@Observes ShutdownEvent event) {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
