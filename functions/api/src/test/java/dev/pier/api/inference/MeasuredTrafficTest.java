package dev.pier.api.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.api.platform.MeasuredTraffic;
import dev.pier.runtime.prediction.WayIn;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * The model's traffic an experiment's expected duration is computed at, read from the prediction metrics the pipeline
 * records: the model's answered requests (every version and way in, no errors) per day since the server started.
 */
class MeasuredTrafficTest {

  /** A clock the test moves. */
  private static final class Moving extends Clock {
    Instant now = Instant.parse("2026-12-07T00:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void answeredPredictionsOfTheModelSinceStartAreScaledToADay() {
    var registry = new SimpleMeterRegistry();
    var metrics = new PredictionMetrics(false, registry);
    var clock = new Moving();
    var traffic = new MeasuredTraffic(registry, clock);
    for (int i = 0; i < 30; i++) metrics.prediction(WayIn.REST, "ranker", 1, 200, 1_000_000);
    for (int i = 0; i < 20; i++) metrics.prediction(WayIn.GRPC, "ranker", 2, 200, 1_000_000);
    for (int i = 0; i < 7; i++) metrics.prediction(WayIn.REST, "ranker", 1, 500, 1_000_000); // errors: not traffic
    for (int i = 0; i < 5; i++) metrics.prediction(WayIn.REST, "ranker", null, 404, 1_000_000);
    for (int i = 0; i < 99; i++) metrics.prediction(WayIn.REST, "other", 1, 200, 1_000_000);

    clock.now = clock.now.plusSeconds(30);
    assertThat(traffic.requestsPerDay("ranker")).as("under a minute: too little to extrapolate").isEmpty();

    clock.now = clock.now.plus(Duration.ofMinutes(14).plusSeconds(30)); // 15 minutes since start
    assertThat(traffic.requestsPerDay("ranker").getAsDouble()).isEqualTo(50 * 96.0); // 50 answered per 15 min
    assertThat(traffic.requestsPerDay("unknown")).isEmpty();
    assertThat(new MeasuredTraffic(null, clock).requestsPerDay("ranker")).as("no registry (Lambda)").isEmpty();
  }
}
