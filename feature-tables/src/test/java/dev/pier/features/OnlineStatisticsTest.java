package dev.pier.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Freshness and statistics of values pushed online (issue #14 items 7 and 8), against the DynamoDB stand-in: the
 * newest online event time never moves back, rows and nulls per feature add up over pushes, and each push's value
 * profile is merged into the stored one — also when pushes race (the merge is retried on the item's version). The
 * profile here is exact (every value kept), so the merged statistics can be checked value for value.
 */
class OnlineStatisticsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
  private static final String DOC = """
      entities:
        - {name: driver, join_keys: [driver_id], value_type: INT64}
      sources:
        - {name: stats, kind: parquet, path: "s3://offline/driver_stats/", timestamp_field: event_timestamp}
        - {name: stats_push, kind: push, batch_source: stats}
      feature_views:
        - {name: speed, entities: [driver], ttl: 1d, source: stats_push,
           schema: [{name: kmh, dtype: FLOAT64}, {name: trips, dtype: INT64}]}
      """;

  @TempDir static Path dataDir;
  @TempDir static Path work;
  private static OfflineFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    fixture = OfflineFixture.start(dataDir, work, "offline");
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  /** Keeps every value (as doubles): min, max, mean and count are exact, so merges can be checked exactly. */
  static final class ExactProfiles implements FeatureProfiles {
    @Override
    public Profile newProfile() {
      List<Double> values = new ArrayList<>();
      return new Profile() {
        @Override
        public void update(Object value) {
          values.add(((Number) value).doubleValue());
        }

        @Override
        public byte[] toBytes() {
          ByteBuffer b = ByteBuffer.allocate(values.size() * 8);
          values.forEach(b::putDouble);
          return b.array();
        }
      };
    }

    @Override
    public byte[] merge(List<byte[]> parts) {
      ByteBuffer out = ByteBuffer.allocate(parts.stream().mapToInt(p -> p.length).sum());
      parts.forEach(out::put);
      return out.array();
    }

    @Override
    public Map<String, Object> summarize(byte[] profile, long rows, long nulls) {
      ByteBuffer b = ByteBuffer.wrap(profile);
      List<Double> values = new ArrayList<>();
      while (b.hasRemaining()) {
        values.add(b.getDouble());
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("count", rows);
      out.put("nulls", nulls);
      out.put("present", (long) values.size());
      out.put("min", values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN));
      out.put("max", values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN));
      out.put("sum", values.stream().mapToDouble(Double::doubleValue).sum());
      return out;
    }
  }

  private record Setup(FeatureRegistry registry, FeaturePush push, OnlineStatistics statistics) {}

  private static Setup setup(FeatureProfiles profiles) {
    OfflineFixture.Tables t = fixture.fresh(DOC);
    OnlineStatistics statistics = new OnlineStatistics(fixture.standIns.clients.dynamoDb(), t.registryTable(),
        Clock.fixed(NOW, ZoneOffset.UTC), FeatureObserver.NONE);
    statistics.profileWith(profiles);
    return new Setup(t.registry(), new FeaturePush(t.registry(), t.store(), null, statistics), statistics);
  }

  private static void push(Setup s, String df) throws Exception {
    s.push().push("stats_push", JSON.readTree(df), FeaturePush.Target.ONLINE);
  }

  private static Map<String, Materialization.Profile> byFeature(List<Materialization.Profile> profiles) {
    Map<String, Materialization.Profile> out = new LinkedHashMap<>();
    profiles.forEach(p -> out.put(p.feature(), p));
    return out;
  }

  @Test
  void pushedRowsGiveFreshnessCountsNullRatesAndAMergedProfile() throws Exception {
    Setup s = setup(new ExactProfiles());
    FeatureView view = s.registry().catalog().view("speed");
    assertThat(s.statistics().pushedProfile(view)).isEmpty();
    assertThat(s.statistics().freshness("speed", null).newestOnline()).isNull();

    push(s, """
        {"driver_id": [1, 2, 3], "kmh": [10.0, null, 30.0], "trips": [1, 2, null],
         "event_timestamp": ["2026-12-06T11:00:00Z", "2026-12-06T11:30:00Z", "2026-12-06T10:00:00Z"]}""");
    // an older, late push: counted and profiled, but the newest online value stays 11:30
    push(s, """
        {"driver_id": [4, 5], "kmh": [null, 50.0], "trips": [7, 9],
         "event_timestamp": ["2026-12-06T09:00:00Z", "2026-12-06T08:00:00Z"]}""");

    var freshness = s.statistics().freshness("speed", Instant.parse("2026-12-06T06:00:00Z"));
    assertThat(freshness.newestOnline()).isEqualTo(Instant.parse("2026-12-06T11:30:00Z"));
    assertThat(freshness.newestOnlineAgeSeconds()).isEqualTo(1800.0);
    assertThat(freshness.materializationLagSeconds()).isEqualTo(6 * 3600.0);
    assertThat(freshness.lastPush()).isEqualTo(NOW);

    var profile = byFeature(s.statistics().pushedProfile(view));
    assertThat(profile.keySet()).containsExactly("kmh", "trips");
    Map<String, Object> kmh = profile.get("kmh").statistics();
    assertThat(kmh).containsEntry("count", 5L).containsEntry("nulls", 2L).containsEntry("present", 3L)
        .containsEntry("min", 10.0).containsEntry("max", 50.0).containsEntry("sum", 90.0);
    Map<String, Object> trips = profile.get("trips").statistics();
    assertThat(trips).containsEntry("count", 5L).containsEntry("nulls", 1L).containsEntry("sum", 19.0);
    assertThat(profile.get("kmh").job()).isEqualTo("push");

    // a materialized chunk with a newer value moves freshness; an older one does not
    s.statistics().wrote("speed", Instant.parse("2026-12-06T11:45:00Z"));
    s.statistics().wrote("speed", Instant.parse("2026-12-06T01:00:00Z"));
    assertThat(s.statistics().freshness("speed", null).newestOnline()).isEqualTo(Instant.parse("2026-12-06T11:45:00Z"));

    // the source's newest row seen by materialization, and how far a watermark is behind it (0 once past it)
    s.statistics().sourceSeen("speed", Instant.parse("2026-12-06T10:00:00Z"));
    s.statistics().sourceSeen("speed", Instant.parse("2026-12-06T07:00:00Z"));
    var behind = s.statistics().freshness("speed", Instant.parse("2026-12-06T09:30:00Z"));
    assertThat(behind.sourceNewest()).isEqualTo(Instant.parse("2026-12-06T10:00:00Z"));
    assertThat(behind.lagBehindSourceSeconds()).isEqualTo(1800.0);
    assertThat(s.statistics().freshness("speed", Instant.parse("2026-12-06T10:30:00Z")).lagBehindSourceSeconds())
        .isEqualTo(0.0);
    assertThat(behind.newestOnline()).isEqualTo(Instant.parse("2026-12-06T11:45:00Z"));
  }

  @Test
  void withoutProfilesThePushedCountsAndNullRatesAreStillAnswered() throws Exception {
    Setup s = setup(FeatureProfiles.NONE);
    push(s, """
        {"driver_id": [1, 2, 3, 4], "kmh": [null, null, null, 1.0], "trips": [1, 2, 3, 4],
         "event_timestamp": ["2026-12-06T11:00:00Z", "2026-12-06T11:00:00Z", "2026-12-06T11:00:00Z", "2026-12-06T11:00:00Z"]}""");

    var profile = byFeature(s.statistics().pushedProfile(s.registry().catalog().view("speed")));
    assertThat(profile.get("kmh").statistics()).containsEntry("count", 4L).containsEntry("nulls", 3L);
    assertThat((double) profile.get("kmh").statistics().get("null_rate")).isCloseTo(0.75, within(1e-12));
    assertThat(profile.get("trips").statistics()).containsEntry("nulls", 0L);
  }

  @Test
  void racingPushesLoseNoValueOfTheProfile() throws Exception {
    Setup s = setup(new ExactProfiles());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int p = 0; p < 8; p++) {
        int id = p;
        done.add(pool.submit(() -> {
          push(s, """
              {"driver_id": [%d, %d], "kmh": [%d.0, 1.0], "trips": [1, 1],
               "event_timestamp": ["2026-12-06T11:00:00Z", "2026-12-06T11:00:00Z"]}""".formatted(2 * id, 2 * id + 1,
              id));
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(Duration.ofMinutes(2).toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    Map<String, Object> kmh = byFeature(s.statistics().pushedProfile(s.registry().catalog().view("speed")))
        .get("kmh").statistics();
    assertThat(kmh).containsEntry("count", 16L).containsEntry("present", 16L).containsEntry("sum", 28.0 + 8.0);
  }
}
