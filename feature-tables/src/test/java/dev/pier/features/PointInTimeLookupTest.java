package dev.pier.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.pier.kernel.PierException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline's point-in-time lookup (batch scoring with {@code "point_in_time": true}) over the historical fixtures
 * in the stand-ins, compared with the answer pandas' {@code merge_asof} gave ({@code historical/expected.csv}, from
 * {@code historical/generate.py}), with instances shaped as batch rows arrive (every number a double).
 */
class PointInTimeLookupTest {
  @TempDir static Path dataDir;
  @TempDir static Path work;
  private static OfflineFixture fixture;
  private PointInTimeLookup lookup;

  @BeforeAll
  static void startStandIns() throws Exception {
    fixture = OfflineFixture.start(dataDir, work, "offline");
  }

  @AfterAll
  static void stopStandIns() {
    fixture.close();
  }

  @BeforeEach
  void start() {
    OfflineFixture.Tables t = fixture.fresh(HistoricalRetrievalTest.DOC);
    lookup = new PointInTimeLookup(t.registry(), t.offline());
  }

  private static List<String[]> csv(String name) throws IOException {
    return Files.readAllLines(OfflineFixture.FIXTURES.resolve(name)).stream().skip(1).map(l -> l.split(",", -1))
        .toList();
  }

  @Test
  void eachInstanceGetsItsFeaturesAsOfItsOwnTimestampAsPandasMergeAsofDoes() throws IOException {
    List<Map<String, Object>> instances = new ArrayList<>();
    for (String[] r : csv("entity_rows.csv")) {
      Map<String, Object> instance = new HashMap<>();
      instance.put("driver_id", Double.parseDouble(r[0]));
      instance.put("customer_id", Double.parseDouble(r[1]));
      instance.put("event_ts", r[2]);
      instances.add(instance);
    }

    List<Map<String, FeatureValue>> found = lookup.lookup("training", instances, "event_ts");

    List<String[]> expected = csv("expected.csv");
    assertThat(found).hasSize(expected.size());
    List<FeatureStatus> seen = new ArrayList<>();
    for (int i = 0; i < expected.size(); i++) {
      String[] want = expected.get(i);
      Instant asOf = Timestamps.parse(want[2]);
      Map<String, FeatureValue> row = found.get(i);
      String where = "row " + i + " " + row;
      check(row.get("driver_hourly_stats__conv_rate"), want[4], asOf, Duration.ofHours(2), where);
      check(row.get("driver_hourly_stats__trips"), want[5], asOf, Duration.ofHours(2), where);
      check(row.get("customer_profile__score"), want[6], asOf, Duration.ZERO, where);
      row.values().forEach(v -> seen.add(v.status()));
    }
    // the fixture has rows before any feature row, rows past the ttl, and rows with values
    assertThat(seen).contains(FeatureStatus.PRESENT, FeatureStatus.NOT_FOUND, FeatureStatus.OUTSIDE_MAX_AGE);
  }

  /** A value equal to pandas', or a status saying why there is none, with an event time that fits it. */
  private static void check(FeatureValue got, String want, Instant asOf, Duration ttl, String where) {
    if (want.isEmpty()) {
      assertThat(got.value()).as(where).isNull();
      assertThat(got.status()).as(where).isIn(FeatureStatus.NOT_FOUND, FeatureStatus.OUTSIDE_MAX_AGE);
      if (got.status() == FeatureStatus.OUTSIDE_MAX_AGE) {
        assertThat(got.eventTime()).as(where).isBefore(asOf.minus(ttl));
      } else {
        assertThat(got.eventTime()).as(where).isNull();
      }
    } else {
      assertThat(got.status()).as(where).isEqualTo(FeatureStatus.PRESENT);
      assertThat(((Number) got.value()).doubleValue()).as(where).isCloseTo(Double.parseDouble(want), within(1e-9));
      assertThat(got.eventTime()).as(where).isBeforeOrEqualTo(asOf);
      if (!ttl.isZero()) {
        assertThat(got.eventTime()).as(where).isAfterOrEqualTo(asOf.minus(ttl));
      }
    }
  }

  @Test
  void betweenRowsOfTheSameEventTimeTheLaterCreatedWins() {
    // driver 1 has two rows at 10:00 (created 10:50 with 11 trips, created 11:40 with 77)
    List<Map<String, FeatureValue>> found = lookup.lookup("training",
        List.of(Map.of("driver_id", 1.0, "customer_id", 10.0, "ts", Instant.parse("2026-12-01T10:00:00Z"))), "ts");

    assertThat(found.get(0).get("driver_hourly_stats__trips").value()).isEqualTo(77L);
    assertThat(found.get(0).get("driver_hourly_stats__trips").eventTime())
        .isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));
  }

  @Test
  void epochSecondsAreATimestampToo() {
    Instant at = Instant.parse("2026-12-01T10:00:00Z");
    var asText = lookup.lookup("training", List.of(Map.of("driver_id", 1.0, "customer_id", 10.0, "ts",
        "2026-12-01T10:00:00Z")), "ts");
    var asNumber = lookup.lookup("training", List.of(Map.of("driver_id", 1.0, "customer_id", 10.0, "ts",
        (double) at.getEpochSecond())), "ts");

    assertThat(asNumber).isEqualTo(asText);
  }

  @Test
  void anInstanceWithoutTheTimestampIsA400NamingIt() {
    List<Map<String, Object>> instances = List.of(
        Map.of("driver_id", 1.0, "customer_id", 10.0, "ts", "2026-12-01T10:00:00Z"),
        Map.of("driver_id", 2.0, "customer_id", 10.0));

    assertThatThrownBy(() -> lookup.lookup("training", instances, "ts"))
        .isInstanceOfSatisfying(PierException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.getMessage()).isEqualTo("instances[1]: has no 'ts', the event timestamp a point-in-time"
              + " feature lookup needs");
        });
    assertThatThrownBy(() -> lookup.lookup("training",
        List.of(Map.of("driver_id", 1.0, "customer_id", 10.0, "ts", "yesterday")), "ts"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.getMessage())
            .startsWith("instances[0].ts: 'yesterday' is not a timestamp"));
  }
}
