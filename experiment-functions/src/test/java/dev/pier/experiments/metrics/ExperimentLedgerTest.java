package dev.pier.experiments.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.pier.experiments.stats.MetricSums;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExperimentLedgerTest {

  private static final long T0 = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();
  private static final long HOUR = 3_600_000L, DAY = 24 * HOUR;

  private static ExperimentLedger ledger() {
    Map<String, MetricType> metrics = new LinkedHashMap<>();
    metrics.put("conversion", MetricType.BINARY);
    metrics.put("revenue", MetricType.CONTINUOUS);
    return new ExperimentLedger(List.of("control", "treatment"), metrics, ExperimentLedger.DEFAULT_LOOKBACK);
  }

  @Test
  void aBinaryMetricCountsAUnitOnceHoweverManyEventsItHas() {
    var ledger = ledger();
    ledger.expose(new Exposure("u1", "treatment", T0));
    ledger.expose(new Exposure("u2", "treatment", T0));
    for (int i = 0; i < 3; i++) ledger.record(new MetricEvent("u1", "conversion", 1, T0 + i * HOUR));
    assertThat(ledger.snapshot().sums("treatment", "conversion")).isEqualTo(MetricSums.binary(2, 1));
  }

  @Test
  void aContinuousMetricSumsEachUnitsValuesAndSquaresTheSum() {
    var ledger = ledger();
    ledger.expose(new Exposure("u1", "control", T0));
    ledger.expose(new Exposure("u2", "control", T0));
    ledger.record(new MetricEvent("u1", "revenue", 2, T0 + HOUR));
    ledger.record(new MetricEvent("u1", "revenue", 3, T0 + 2 * HOUR));
    ledger.record(new MetricEvent("u2", "revenue", 4, T0 + HOUR));
    MetricSums sums = ledger.snapshot().sums("control", "revenue");
    assertThat(sums.n()).isEqualTo(2);
    assertThat(sums.sumY()).isEqualTo(9);
    assertThat(sums.sumY2()).isEqualTo(25 + 16);
  }

  @Test
  void exposedUnitsWithoutEventsCountAsZero() {
    var ledger = ledger();
    for (int i = 0; i < 4; i++) ledger.expose(new Exposure("u" + i, "control", T0));
    assertThat(ledger.snapshot().sums("control", "revenue")).isEqualTo(MetricSums.of(4, 0, 0));
    assertThat(ledger.snapshot().units("control")).isEqualTo(4);
  }

  @Test
  void eventsBeforeTheFirstExposureAreHeldNotCountedThenBecomeTheCovariate() {
    var ledger = ledger();
    ledger.record(new MetricEvent("u1", "revenue", 5, T0 - 3 * DAY));   // in the 14-day lookback: covariate
    ledger.record(new MetricEvent("u1", "revenue", 7, T0 - 30 * DAY));  // too old: dropped
    ledger.record(new MetricEvent("u1", "revenue", 11, T0 + HOUR));     // after exposure, but arrives first: counted
    assertThat(ledger.counts().heldBeforeExposure()).isEqualTo(3);
    assertThat(ledger.snapshot().sums("control", "revenue")).isEqualTo(MetricSums.EMPTY);

    ledger.expose(new Exposure("u1", "control", T0));
    assertThat(ledger.counts()).isEqualTo(new ExperimentLedger.Counts(1, 1, 0, 1, 0));
    assertThat(ledger.snapshot().sums("control", "revenue")).isEqualTo(MetricSums.unit(11, 5));
  }

  @Test
  void anEventBeforeAKnownExposureUpdatesOnlyTheCovariate() {
    var ledger = ledger();
    ledger.expose(new Exposure("u1", "treatment", T0));
    ledger.record(new MetricEvent("u1", "conversion", 1, T0 - DAY));
    assertThat(ledger.snapshot().sums("treatment", "conversion")).isEqualTo(MetricSums.unit(0, 1));
  }

  @Test
  void aUnitStaysInTheArmOfItsFirstExposureAndALaterOtherArmIsCounted() {
    var ledger = ledger();
    ledger.expose(new Exposure("u1", "control", T0));
    ledger.expose(new Exposure("u1", "treatment", T0 + HOUR));
    ledger.expose(new Exposure("u1", "control", T0 + 2 * HOUR));
    assertThat(ledger.snapshot().units()).containsExactly(1, 0);
    assertThat(ledger.counts().multipleExposures()).isEqualTo(1);
  }

  @Test
  void rejectsAnEventForAMetricTheExperimentDoesNotMeasure() {
    assertThatThrownBy(() -> ledger().record(new MetricEvent("u1", "clicks", 1, T0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown metric 'clicks'");
  }

  @Test
  void rejectsAnExposureToAnArmTheExperimentDoesNotHave() {
    assertThatThrownBy(() -> ledger().expose(new Exposure("u1", "variant-c", T0)))
        .hasMessageContaining("unknown arm 'variant-c'");
  }

  @Test
  void dailySeriesIsCumulativeAndEndsAtTheTotals() {
    var ledger = ledger();
    ledger.expose(new Exposure("u1", "control", T0));
    ledger.record(new MetricEvent("u1", "revenue", 2, T0 + HOUR));
    ledger.expose(new Exposure("u2", "treatment", T0 + DAY));
    ledger.record(new MetricEvent("u1", "revenue", 3, T0 + 2 * DAY));
    List<DailySnapshot> days = ledger.daily();
    assertThat(days).hasSize(3);
    assertThat(days.get(0).snapshot().sums("control", "revenue")).isEqualTo(MetricSums.of(1, 2, 4));
    assertThat(days.get(1).snapshot().units("treatment")).isEqualTo(1);
    assertThat(days.get(2).snapshot().sums("control", "revenue")).isEqualTo(ledger.snapshot().sums("control", "revenue"));
  }

  @Test
  void foldingDataInBatchesGivesTheSameSumsAsComputingEveryUnitFromScratch() {
    var rng = new SplittableRandom(42);
    var ledger = ledger();
    Map<String, String> arm = new HashMap<>();
    Map<String, Long> exposedAt = new HashMap<>();
    List<MetricEvent> events = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      String unit = "u" + i;
      arm.put(unit, rng.nextBoolean() ? "control" : "treatment");
      exposedAt.put(unit, T0 + rng.nextLong(10 * DAY));
      for (int k = rng.nextInt(4); k > 0; k--) {
        events.add(new MetricEvent(unit, "revenue", rng.nextInt(1, 100), T0 - 20 * DAY + rng.nextLong(40 * DAY)));
      }
    }
    // exposures and events interleaved in ten refreshes, events sometimes before their unit's exposure
    for (int batch = 0; batch < 10; batch++) {
      for (int i = batch * 200; i < (batch + 1) * 200; i++) {
        ledger.expose(new Exposure("u" + i, arm.get("u" + i), exposedAt.get("u" + i)));
      }
      for (int e = batch * events.size() / 10; e < (batch + 1) * events.size() / 10; e++) ledger.record(events.get(e));
    }
    // from scratch: per unit, y = sum of values at/after exposure, x = sum in the 14 days before
    Map<String, double[]> perUnit = new HashMap<>();
    for (MetricEvent e : events) {
      long t0 = exposedAt.get(e.unit());
      double[] yx = perUnit.computeIfAbsent(e.unit(), u -> new double[2]);
      if (e.epochMillis() >= t0) yx[0] += e.value();
      else if (e.epochMillis() >= t0 - Duration.ofDays(14).toMillis()) yx[1] += e.value();
    }
    MetricSums expected = MetricSums.EMPTY;
    for (String unit : arm.keySet()) {
      if (!arm.get(unit).equals("treatment")) continue;
      double[] yx = perUnit.getOrDefault(unit, new double[2]);
      expected = expected.plus(MetricSums.unit(yx[0], yx[1]));
    }
    MetricSums actual = ledger.snapshot().sums("treatment", "revenue");
    assertThat(actual.n()).isEqualTo(expected.n());
    assertThat(actual.sumY()).isCloseTo(expected.sumY(), within(1e-6));
    assertThat(actual.sumY2()).isCloseTo(expected.sumY2(), within(1e-6));
    assertThat(actual.sumX()).isCloseTo(expected.sumX(), within(1e-6));
    assertThat(actual.sumXY()).isCloseTo(expected.sumXY(), within(1e-6));
  }
}
