package dev.pier.api.platform;

import dev.pier.experiments.ModelTraffic;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalDouble;

/**
 * A model's traffic from the server's own prediction metrics: the {@code pier.predictions} timers of the model (every
 * version and way in) that answered below 400, counted since this server started, as requests per day. A rate over
 * less than a minute is not given (too little to extrapolate a day from). Requests, not distinct units: a unit that
 * predicts several times a day counts several times, so the duration computed from it is a lower bound. Without a
 * registry (Lambda, where the metrics go to CloudWatch as EMF) nothing is measured here.
 */
public final class MeasuredTraffic implements ModelTraffic {
  private static final Duration MINIMUM = Duration.ofMinutes(1);

  private final MeterRegistry registry;
  private final Clock clock;
  private final Instant since;

  public MeasuredTraffic(MeterRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
    this.since = clock.instant();
  }

  @Override
  public OptionalDouble requestsPerDay(String model) {
    if (registry == null) {
      return OptionalDouble.empty();
    }
    Duration window = Duration.between(since, clock.instant());
    if (window.compareTo(MINIMUM) < 0) {
      return OptionalDouble.empty();
    }
    long answered = 0;
    for (Timer t : registry.find("pier.predictions").tag("model", model).timers()) {
      String status = t.getId().getTag("status");
      if (status != null && status.length() == 3 && status.charAt(0) < '4') {
        answered += t.count();
      }
    }
    if (answered == 0) {
      return OptionalDouble.empty();
    }
    return OptionalDouble.of(answered * (double) Duration.ofDays(1).toMillis() / window.toMillis());
  }
}
