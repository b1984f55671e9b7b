package dev.pier.monitoring.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.monitoring.MonitorDefinition;
import dev.pier.monitoring.MonitorRun;
import dev.pier.monitoring.WindowLatency;
import dev.pier.monitoring.drift.DatasetDrift;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code "latency_p95_ms": {"max": ms}}: the window's p95 latency above the bound raises one alert. */
class LatencyCheckTest {
  private static final Instant T = Instant.parse("2026-12-07T02:00:00Z");

  private static MonitorDefinition monitor(String checks) throws Exception {
    return new MonitorDefinition("m-1", "demo", 1, "1", Duration.ofHours(1), null, null, null, List.of(), Map.of(),
        0.5, new ObjectMapper().readTree(checks), null, T, Map.of(), null);
  }

  private static MonitorRun run(Double p95) {
    return new MonitorRun("m-1", "r-1", T, T.minusSeconds(3600), T, 10, "exact",
        new DatasetDrift(Map.of(), Map.of(), 0, false), null, Map.of(), null, List.of(), List.of())
        .withLatency(new WindowLatency(10, p95 == null ? 0 : 10, 10 / 3600.0, p95 == null ? null : p95 / 2, p95,
            p95));
  }

  @Test
  void aP95AboveTheBoundAlertsOnceAndOneWithinItOrUntimedDoesNot() throws Exception {
    MonitorDefinition monitor = monitor("{\"latency_p95_ms\": {\"max\": 250}}");
    List<Alert> alerts = AlertRules.evaluate(monitor, run(310.0));
    assertThat(alerts).singleElement().satisfies(a -> {
      assertThat(a.check()).isEqualTo("latency_p95_ms");
      assertThat(a.value()).isEqualTo(310.0);
      assertThat(a.threshold()).isEqualTo("max 250.0");
      assertThat(a.message()).isEqualTo("demo v1: p95 latency is 310.0 ms");
    });
    assertThat(AlertRules.evaluate(monitor, run(200.0))).isEmpty();
    assertThat(AlertRules.evaluate(monitor, run(null))).isEmpty();
  }

  @Test
  void aBoundThatIsNoPositiveNumberIsRejectedByName() {
    List<String> problems = new ArrayList<>();
    Checks.parse(new ObjectMapper().createObjectNode().set("latency_p95_ms",
        new ObjectMapper().createObjectNode().put("max", -1)), problems);
    assertThat(problems).containsExactly("checks.latency_p95_ms must be {\"max\": milliseconds above 0}");
  }
}
