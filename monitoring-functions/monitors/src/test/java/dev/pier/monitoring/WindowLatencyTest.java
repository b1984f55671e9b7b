package dev.pier.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pier.monitoring.capture.CaptureStore.CapturedRow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Latency and throughput per window from the latencies captured with each request. */
class WindowLatencyTest {
  private static final Instant T = Instant.parse("2026-12-07T01:00:00Z");

  private static CapturedRow row(String request, int row, Double latency) {
    return new CapturedRow(request, row, T, "oip-rest", Map.of(), Map.of(), latency);
  }

  @Test
  void quantilesAreNumpysPercentilesOverRequestsCountedOnceWhateverTheirRows() {
    // numpy 2.4.6: numpy.percentile([12.5, 3.0, 7.25, 40.0, 5.5, 9.0, 3.0], [50, 95]) -> [7.25, 31.75]
    double[] latencies = {12.5, 3.0, 7.25, 40.0, 5.5, 9.0, 3.0};
    List<CapturedRow> rows = new ArrayList<>();
    for (int i = 0; i < latencies.length; i++) {
      for (int r = 0; r <= i % 3; r++) { // requests of one to three rows
        rows.add(row("req-" + i, r, latencies[i]));
      }
    }
    rows.add(row("untimed", 0, null)); // captured before latency was recorded

    WindowLatency l = WindowLatency.of(rows, Duration.ofMinutes(1));
    assertThat(l.requests()).isEqualTo(8);
    assertThat(l.timed()).isEqualTo(7);
    assertThat(l.requestsPerSecond()).isCloseTo(8 / 60.0, within(1e-12));
    assertThat(l.p50Ms()).isCloseTo(7.25, within(1e-12));
    assertThat(l.p95Ms()).isCloseTo(31.75, within(1e-12));
    assertThat(l.maxMs()).isEqualTo(40.0);
  }

  @Test
  void aWindowWithoutRecordedLatenciesCountsItsRequestsOnly() {
    WindowLatency l = WindowLatency.of(List.of(row("a", 0, null), row("a", 1, null)), Duration.ofSeconds(10));
    assertThat(l.requests()).isEqualTo(1);
    assertThat(l.timed()).isZero();
    assertThat(l.requestsPerSecond()).isEqualTo(0.1);
    assertThat(l.p95Ms()).isNull();
  }
}
