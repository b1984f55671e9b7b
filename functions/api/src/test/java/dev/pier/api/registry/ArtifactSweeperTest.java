package dev.pier.api.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.api.PierConfig;
import dev.pier.registry.api.UploadDirectory;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweep of temporary uploads never takes the files of a registration still in flight, however long it runs. */
class ArtifactSweeperTest {
  @TempDir Path uploads;

  @SuppressWarnings("unchecked")
  private static <T> T config(Class<T> type, String method, Object value) {
    return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> {
      if (m.getName().equals(method)) {
        return value;
      }
      throw new UnsupportedOperationException(m.getName());
    });
  }

  private ArtifactSweeper sweeper() {
    PierConfig pier = config(PierConfig.class, "mode", PierConfig.Mode.aws); // no stand-in to sweep
    ArtifactsConfig artifacts = config(ArtifactsConfig.class, "sweepGrace", Duration.ofHours(1));
    return new ArtifactSweeper(pier, null, artifacts, uploads.toString());
  }

  private Path file(String name, Instant touched) throws Exception {
    Path p = Files.writeString(uploads.resolve(name), name);
    Files.setLastModifiedTime(p, FileTime.from(touched));
    return p;
  }

  @Test
  void filesOfARegistrationInFlightOutliveTheGraceAndGoOnceItEnds() throws Exception {
    Instant start = Instant.now().minus(Duration.ofHours(3));
    ArtifactSweeper sweeper = sweeper();
    Path stale = file("stale", start.minus(Duration.ofHours(2))); // a vanished client's, long before
    Path body = file("body", start.minusSeconds(1)); // the multipart body, written up to the registration's start
    Path unpacked = file("unpacked", start.plus(Duration.ofMinutes(10))); // what its archive unpacked to

    try (UploadDirectory.InFlight registration = sweeper.begin(start)) {
      // three hours on, with a grace of one: without the hold both of its files would be stale
      assertThat(sweeper.sweep(start.plus(Duration.ofHours(3))).temporaryUploads()).isEqualTo(1);
      assertThat(stale).doesNotExist();
      assertThat(body).exists();
      assertThat(unpacked).exists();
    }
    assertThat(sweeper.sweep(start.plus(Duration.ofHours(3))).temporaryUploads()).isEqualTo(2);
    assertThat(body).doesNotExist();
    assertThat(unpacked).doesNotExist();
  }

  @Test
  void theOldestRegistrationInFlightDecidesAndClosingTwiceCountsOnce() throws Exception {
    Instant start = Instant.now().minus(Duration.ofHours(5));
    ArtifactSweeper sweeper = sweeper();
    Path first = file("first", start);
    Path second = file("second", start.plus(Duration.ofHours(2)));
    UploadDirectory.InFlight a = sweeper.begin(start);
    UploadDirectory.InFlight b = sweeper.begin(start.plus(Duration.ofHours(2)));
    UploadDirectory.InFlight c = sweeper.begin(start); // two began in the same instant
    a.close();
    a.close(); // a second close does not end c's hold
    assertThat(sweeper.sweep(start.plus(Duration.ofHours(5))).temporaryUploads()).isZero();
    c.close();
    assertThat(sweeper.sweep(start.plus(Duration.ofHours(5))).temporaryUploads()).isEqualTo(1); // b's start decides
    assertThat(first).doesNotExist();
    assertThat(second).exists();
    b.close();
    assertThat(sweeper.sweep(start.plus(Duration.ofHours(5))).temporaryUploads()).isEqualTo(1);
  }
}
