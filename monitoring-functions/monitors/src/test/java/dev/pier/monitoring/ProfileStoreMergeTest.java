package dev.pier.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * A run's window merged from its hourly profile objects (the real SDK against s3proxy and the DynamoDB stand-in): more
 * objects than one merge batch holds, fetched concurrently and merged column by column, give the profile of all their
 * rows; an object the index names and S3 has lost fails the run's read instead of being left out.
 */
class ProfileStoreMergeTest {
  private static final String BUCKET = "profile-merge";
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
        rows.add(new CapturedPrediction("churn", 1, "r-" + o + "-" + i, 0, at, "oip-rest",
            Map.of("x[0]", x, "plan", plan), Map.of("probability[1]", 0.5), PiiFields.NONE, latency));
      }
      profiles.write(rows);
    }
    int n = objects * rowsEach;

    CaptureProfile window = profiles.merged("churn", 1, H0, H0.plusSeconds(3 * 3600));
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

    Map<Instant, CaptureProfile> hourly = profiles.hourly("churn", 1, H0, H0.plusSeconds(3 * 3600));
    assertEquals(List.of(H0, H0.plusSeconds(3600), H0.plusSeconds(7200)), List.copyOf(hourly.keySet()));
    assertEquals(List.of(660L, 660L, 660L), hourly.values().stream().map(CaptureProfile::rows).toList());

    // an indexed object that is gone: the run's read fails rather than answering for fewer rows
    String lost = index.entries("churn", 1, H0, H0.plusSeconds(3600)).get(17).key();
    assertTrue(lost.startsWith(ProfileStore.hourPrefix("churn", 1, H0)), lost);
    standIns.clients.s3().deleteObject(b -> b.bucket(BUCKET).key(lost));
    assertThrows(NoSuchKeyException.class, () -> profiles.merged("churn", 1, H0, H0.plusSeconds(3 * 3600)));
  }
}
