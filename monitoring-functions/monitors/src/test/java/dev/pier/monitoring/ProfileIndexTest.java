package dev.pier.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.monitoring.profile.CaptureProfile;
import dev.pier.monitoring.profile.ColumnProfile;
import dev.pier.monitoring.profile.ProfileIndex;
import dev.pier.monitoring.profile.ProfileStore;
import dev.pier.security.privacy.PiiFields;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The profile index in the monitoring table, with the real SDK against the DynamoDB stand-in and s3proxy: every stored
 * profile is indexed once with its (model, version, hour), key, row count and columns; a window's profiles are found by
 * querying the index, not by listing S3; and a window's objects, however many, merge into the profile of all its rows.
 */
class ProfileIndexTest {
  private static final String BUCKET = "profile-index";
  private static final Instant H0 = Instant.parse("2026-12-01T10:00:00Z");
  private static final String[] PLANS = {"free", "pro", "team"};
  @TempDir static Path dataDir;
  private static MonitoringStandIns standIns;

  @BeforeAll
  static void start() throws Exception {
    standIns = MonitoringStandIns.start(dataDir, BUCKET);
  }

  @AfterAll
  static void stop() {
    standIns.close();
  }

  private static List<CapturedPrediction> rows(String model, long version, Instant from, int n) {
    List<CapturedPrediction> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(new CapturedPrediction(model, version, "r-" + i, 0, from.plusSeconds(i * 60L), "oip-rest",
          Map.of("x[0]", (double) i, "x[1]", i % 2 == 0 ? "a" : "b"), Map.of("probability[1]", 0.5), null));
    }
    return rows;
  }

  @Test
  void everyStoredProfileIsIndexedOnceAndRunsFindTheirWindowByTheIndex() {
    ProfileIndex index = new ProfileIndex(standIns.clients.dynamoDb(), MonitoringStandIns.TABLE, Duration.ofDays(90));
    ProfileStore profiles = new ProfileStore(standIns.clients.s3(), BUCKET, index);
    // 90 rows a minute apart from 10:30: 30 in hour 10, 60 in hour 11 (one batch, two objects); another batch in 12
    profiles.write(rows("churn", 1, H0.plusSeconds(1800), 90));
    profiles.write(rows("churn", 1, H0.plusSeconds(2 * 3600), 10));
    profiles.write(rows("churn", 2, H0, 7)); // another version: not in version 1's windows

    List<ProfileIndex.Entry> all = index.entries("churn", 1, H0, H0.plusSeconds(3 * 3600));
    assertEquals(3, all.size(), all.toString());
    assertEquals(List.of(H0, H0.plusSeconds(3600), H0.plusSeconds(7200)),
        all.stream().map(ProfileIndex.Entry::hour).toList());
    assertEquals(List.of(30L, 60L, 10L), all.stream().map(ProfileIndex.Entry::rows).toList());
    assertEquals(List.of("x[0]", "x[1]", "probability[1]"), all.getFirst().columns());
    for (ProfileIndex.Entry e : all) {
      assertTrue(e.key().startsWith(ProfileStore.hourPrefix("churn", 1, e.hour())), e.key());
      // the object the entry names is there and holds the rows the entry counts
      CaptureProfile stored = CaptureProfile.fromBytes(standIns.clients.s3()
          .getObjectAsBytes(b -> b.bucket(BUCKET).key(e.key())).asByteArray());
      assertEquals(e.rows(), stored.rows());
    }

    // the window [10:59, 12:00) covers hours 10 and 11 only; [11:00, 11:00) none
    assertEquals(2, index.entries("churn", 1, H0.plusSeconds(3540), H0.plusSeconds(7200)).size());
    assertEquals(0, index.entries("churn", 1, H0.plusSeconds(3600), H0.plusSeconds(3600)).size());
    assertEquals(90, profiles.merged("churn", 1, H0, H0.plusSeconds(7200)).rows());
    assertEquals(7, profiles.merged("churn", 2, H0, H0.plusSeconds(3600)).rows());
    assertEquals(List.of(H0, H0.plusSeconds(3600), H0.plusSeconds(7200)),
        List.copyOf(profiles.hourly("churn", 1, H0, H0.plusSeconds(3 * 3600)).keySet()));

    // indexing the same object again changes nothing
    assertFalse(index.put(all.getFirst()));
    assertEquals(3, index.entries("churn", 1, H0, H0.plusSeconds(3 * 3600)).size());

    // entries expire with the captures: TTL = hour + retention
    Map<String, AttributeValue> item = standIns.clients.dynamoDb().getItem(b -> b.tableName(MonitoringStandIns.TABLE)
        .key(Map.of("pk", AttributeValue.fromS("profiles#churn#1"),
            "sk", AttributeValue.fromS(H0 + "#" + all.getFirst().key())))).item();
    assertEquals(Long.toString(H0.plus(Duration.ofDays(90)).getEpochSecond()), item.get("expiresAt").n());

    // a profile object nobody indexed, in an hour after the index's first, is not part of any run: runs read the
    // index there, not the bucket's listing
    CaptureProfile stray = new CaptureProfile();
    rows("churn", 1, H0.plusSeconds(3600), 5).forEach(stray::add);
    standIns.clients.s3().putObject(b -> b.bucket(BUCKET)
            .key(ProfileStore.hourPrefix("churn", 1, H0.plusSeconds(3600)) + "stray.profile"),
        RequestBody.fromBytes(stray.toBytes()));
    assertEquals(90, profiles.merged("churn", 1, H0, H0.plusSeconds(7200)).rows());
    assertEquals(95, new ProfileStore(standIns.clients.s3(), BUCKET).merged("churn", 1, H0, H0.plusSeconds(7200))
        .rows(), "listing S3 (no index) sees it");
  }

  /**
   * Profiles stored before the index existed (by a server without it) are read: the hours up to and including the
   * version's first indexed hour are listed in S3 as well, each object once; hours after it are the index's alone.
   */
  @Test
  void profilesStoredBeforeTheIndexAreReadFromTheHoursBeforeItsFirstEntry() {
    ProfileStore before = new ProfileStore(standIns.clients.s3(), BUCKET); // the server before the index
    before.write(rows("legacy", 1, H0, 20)); // hour 10: before the index
    before.write(rows("legacy", 1, H0.plusSeconds(3600), 4)); // hour 11: stored early in the hour the index began
    ProfileIndex index = new ProfileIndex(standIns.clients.dynamoDb(), MonitoringStandIns.TABLE, null);
    ProfileStore after = new ProfileStore(standIns.clients.s3(), BUCKET, index);
    assertEquals(20, after.merged("legacy", 1, H0, H0.plusSeconds(3600)).rows(), "no entry yet: every hour listed");
    after.write(rows("legacy", 1, H0.plusSeconds(3600 + 1800), 6)); // hour 11, indexed: the index's first hour
    after.write(rows("legacy", 1, H0.plusSeconds(2 * 3600), 8)); // hour 12, indexed
    assertEquals(java.util.Optional.of(H0.plusSeconds(3600)), index.firstHour("legacy", 1));
    assertEquals(java.util.Optional.empty(), index.firstHour("legacy", 2));

    ProfileStore reader = new ProfileStore(standIns.clients.s3(), BUCKET, index);
    assertEquals(20 + 4 + 6 + 8, reader.merged("legacy", 1, H0, H0.plusSeconds(3 * 3600)).rows());
    Map<Instant, CaptureProfile> hourly = reader.hourly("legacy", 1, H0, H0.plusSeconds(3 * 3600));
    assertEquals(List.of(20L, 10L, 8L), hourly.values().stream().map(CaptureProfile::rows).toList(),
        "hour 11's indexed object is listed too, and counted once");

    // after the index's first hour only the index is read: an object stored there without an entry is not seen
    CaptureProfile stray = new CaptureProfile();
    rows("legacy", 1, H0.plusSeconds(2 * 3600), 3).forEach(stray::add);
    standIns.clients.s3().putObject(b -> b.bucket(BUCKET)
            .key(ProfileStore.hourPrefix("legacy", 1, H0.plusSeconds(2 * 3600)) + "stray.profile"),
        RequestBody.fromBytes(stray.toBytes()));
    assertEquals(8, reader.merged("legacy", 1, H0.plusSeconds(2 * 3600), H0.plusSeconds(3 * 3600)).rows());
    assertEquals(20 + 4 + 6 + 8, reader.merged("legacy", 1, H0, H0.plusSeconds(3 * 3600)).rows());
  }

  /**
   * A run's window merged from its objects: more objects than one merge batch holds, fetched concurrently and merged
   * column by column, give the profile of all their rows; an object the index names and S3 has lost fails the read
   * instead of being left out.
   */
  @Test
  void aWindowOfMoreObjectsThanOneBatchMergesIntoTheProfileOfAllItsRows() {
    ProfileIndex index = new ProfileIndex(standIns.clients.dynamoDb(), MonitoringStandIns.TABLE, Duration.ofDays(90));
    ProfileStore profiles = new ProfileStore(standIns.clients.s3(), BUCKET, index);
    Random random = new Random(3);
    List<Double> xs = new ArrayList<>();
    Map<Object, Long> plans = new HashMap<>();
    double latencies = 0;
    int objects = 99; // a batch of 64 and one of 35
    int rowsEach = 20;
    for (int o = 0; o < objects; o++) {
      List<CapturedPrediction> rows = new ArrayList<>();
      Instant at = H0.plusSeconds(3600L * (o % 3) + o);
      for (int i = 0; i < rowsEach; i++) {
        double x = Math.exp(random.nextGaussian());
        String plan = PLANS[random.nextInt(PLANS.length)];
        double latency = 1 + random.nextInt(20);
        xs.add(x);
        plans.merge(plan, 1L, Long::sum);
        latencies += latency;
        rows.add(new CapturedPrediction("window", 1, "r-" + o + "-" + i, 0, at, "oip-rest",
            Map.of("x[0]", x, "plan", plan), Map.of("probability[1]", 0.5), PiiFields.NONE, latency));
      }
      profiles.write(rows);
    }
    int n = objects * rowsEach;

    CaptureProfile window = profiles.merged("window", 1, H0, H0.plusSeconds(3 * 3600));
    assertEquals(n, window.rows());
    assertEquals(n, window.requests());
    assertEquals(n, window.outputs().rows());
    ColumnProfile x = window.inputs().column("x[0]");
    double[] sorted = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double mean = Arrays.stream(sorted).average().orElseThrow();
    assertEquals(n, x.count());
    assertEquals(sorted[0], x.min());
    assertEquals(sorted[n - 1], x.max());
    assertEquals(mean, x.mean(), 1e-12 * mean);
    for (double q = 0.1; q < 1; q += 0.1) {
      double v = sorted[(int) (q * n)];
      int atOrBelow = 0;
      while (atOrBelow < n && sorted[atOrBelow] <= v) {
        atOrBelow++;
      }
      assertEquals(atOrBelow / (double) n, x.cdf(v), x.rankError(), "rank of " + v);
    }
    assertEquals(plans, window.inputs().column("plan").frequencies());
    assertEquals(n, window.latency().count());
    assertEquals(latencies / n, window.latency().mean(), 1e-9);

    Map<Instant, CaptureProfile> hourly = profiles.hourly("window", 1, H0, H0.plusSeconds(3 * 3600));
    assertEquals(List.of(H0, H0.plusSeconds(3600), H0.plusSeconds(7200)), List.copyOf(hourly.keySet()));
    assertEquals(List.of(660L, 660L, 660L), hourly.values().stream().map(CaptureProfile::rows).toList());

    // an indexed object that is gone: the run's read fails rather than answering for fewer rows
    String lost = index.entries("window", 1, H0, H0.plusSeconds(3600)).get(17).key();
    assertTrue(lost.startsWith(ProfileStore.hourPrefix("window", 1, H0)), lost);
    standIns.clients.s3().deleteObject(b -> b.bucket(BUCKET).key(lost));
    assertThrows(NoSuchKeyException.class, () -> profiles.merged("window", 1, H0, H0.plusSeconds(3 * 3600)));
  }
}
