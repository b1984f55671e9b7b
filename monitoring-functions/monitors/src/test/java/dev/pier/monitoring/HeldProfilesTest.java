package dev.pier.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.monitoring.profile.HeldProfiles;
import dev.pier.monitoring.profile.ProfileStore;
import dev.pier.security.privacy.PiiFields;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The capture writer's held profiles against the S3 stand-in, on a clock the test moves. */
class HeldProfilesTest {
  private static final Instant H = Instant.parse("2026-12-07T10:00:00Z");
  private static MonitoringStandIns standIns;

  @BeforeAll
  static void start() throws Exception {
    standIns = MonitoringStandIns.start(Files.createTempDirectory("held-profiles"), "held");
  }

  @AfterAll
  static void stop() throws Exception {
    standIns.close();
  }

  private static List<CapturedPrediction> rows(String model, Instant at, int n, double x) {
    List<CapturedPrediction> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(new CapturedPrediction(model, 1, model + "-" + at + "-" + i, 0, at.plusSeconds(i), "oip-rest",
          Map.of("x", x + i), Map.of("y", 1.0), PiiFields.NONE));
    }
    return rows;
  }

  private static long objects(String model) {
    return standIns.clients.s3().listObjectsV2Paginator(b -> b.bucket("held").prefix(ProfileStore.PREFIX + model + "/"))
        .contents().stream().count();
  }

  @Test
  void batchesAreProfiledIntoOneObjectPerHourOnceTheHoldHasPassed() {
    AtomicLong now = new AtomicLong();
    ProfileStore store = standIns.profiles;
    HeldProfiles held = new HeldProfiles(store, Duration.ofSeconds(60), now::get);
    held.written(rows("steady", H, 3, 1));
    now.addAndGet(Duration.ofSeconds(30).toNanos());
    held.written(rows("steady", H.plusSeconds(30), 2, 10));
    assertThat(objects("steady")).as("held, not stored").isZero();
    assertThat(held.heldRows()).isEqualTo(5);

    now.addAndGet(Duration.ofSeconds(31).toNanos());
    held.written(rows("steady", H.plusSeconds(61), 1, 100));
    assertThat(objects("steady")).as("one object for the three batches").isEqualTo(1);
    assertThat(held.heldRows()).isZero();
    var profile = store.merged("steady", 1, H, H.plusSeconds(3_600));
    assertThat(profile.rows()).isEqualTo(6);
    assertThat(profile.inputs().columns().get("x").count()).isEqualTo(6);
  }

  @Test
  void flushStoresWhatIsHeldOneObjectPerHourAndNothingWhenEmpty() {
    AtomicLong now = new AtomicLong();
    ProfileStore store = standIns.profiles;
    HeldProfiles held = new HeldProfiles(store, Duration.ofMinutes(1), now::get);
    List<CapturedPrediction> twoHours = new ArrayList<>(rows("hours", H.plusSeconds(3_590), 5, 1));
    held.written(twoHours); // 10:59:50 … 10:59:54
    held.written(rows("hours", H.plusSeconds(3_600), 4, 1)); // 11:00:00 …
    assertThat(objects("hours")).isZero();
    held.flush();
    assertThat(objects("hours")).isEqualTo(2);
    assertThat(store.hourly("hours", 1, H, H.plusSeconds(7_200)).values())
        .extracting(p -> p.rows()).containsExactly(5L, 4L);
    held.flush();
    assertThat(objects("hours")).as("nothing held: nothing stored").isEqualTo(2);
  }
}
