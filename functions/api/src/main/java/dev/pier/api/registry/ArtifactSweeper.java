package dev.pier.api.registry;

import dev.pier.api.PeriodicSweep;
import dev.pier.api.PierConfig;

import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Nothing an interrupted registration leaves behind stays. The uploads directory (multipart bodies streamed to disk,
 * the big-artifact upload's local copy and what their archives unpack to) belongs to this server process: at start
 * it is emptied, since a file there can only be from a process that died; afterwards each sweep removes entries
 * untouched for {@code pier.artifacts.sweep-grace} (a client that vanished mid-upload). In local mode each sweep
 * also cleans the S3 stand-in ({@link ArtifactStore#sweep}): unreferenced artifacts and partial writes older than the
 * grace, and multipart uploads older than {@code pier.artifacts.abort-incomplete-uploads-after}. In AWS the artifacts
 * bucket's lifecycle rules (CDK DataStack) abort incomplete uploads and expire abandoned ones.
 */
@Singleton
public class ArtifactSweeper {
  private final ArtifactsConfig config;
  private final ModelRegistry registry;
  private final boolean local;
  private final Path uploads;
  private PeriodicSweep timer;
  /** Start times of the registrations in flight (several may start in the same instant: counted). */
  private final java.util.concurrent.ConcurrentSkipListMap<Instant, Integer> inFlight =
      new java.util.concurrent.ConcurrentSkipListMap<>();

  public ArtifactSweeper(PierConfig pier, ModelRegistry registry, ArtifactsConfig config,
      @ConfigProperty(name = "quarkus.http.body.uploads-directory") String uploadsDirectory) {
    this.config = config;
    this.registry = registry;
    this.local = pier.mode() == PierConfig.Mode.local;
    this.uploads = Path.of(uploadsDirectory).toAbsolutePath();
  }

  /** Where uploads are staged; temporary files of registrations go here too, so that one sweep covers them. */
  public Path uploads() {
    try {
      return Files.createDirectories(uploads);
    } catch (IOException e) {
      throw new UncheckedIOException("could not create the uploads directory " + uploads, e);
    }
  }

  void onStart(@Observes StartupEvent event) {
    int removed = removeUploads(Instant.MAX);
    if (removed > 0) {
      Log.infof("removed %d temporary uploads left by an earlier process from %s", removed, uploads);
    }
    timer = PeriodicSweep.start("artifact sweep", config.sweepInterval(), this::sweep);
  }

  void onStop(@Observes ShutdownEvent event) {
    if (timer != null) {
      timer.stop();
    }
  }

  /**
   * A registration in flight until closed: temporary uploads touched less than {@code pier.artifacts.sweep-grace}
   * before the oldest one in flight began are kept (its body was written up to its start; what it writes later is
   * newer still), so a registration that outlasts the grace never loses its files; stale ones go once it ends.
   */
  public dev.pier.registry.api.UploadDirectory.InFlight begin() {
    return begin(Instant.now());
  }

  dev.pier.registry.api.UploadDirectory.InFlight begin(Instant started) {
    inFlight.merge(started, 1, Integer::sum);
    java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    return () -> {
      if (closed.compareAndSet(false, true)) {
        inFlight.computeIfPresent(started, (k, n) -> n == 1 ? null : n - 1);
      }
    };
  }

  /** One sweep now. */
  public Swept sweep() {
    return sweep(Instant.now());
  }

  Swept sweep(Instant now) {
    Instant oldest = firstInFlight(now);
    int files = removeUploads(oldest.minus(config.sweepGrace()));
    ArtifactStore.Swept stored = local
        ? registry.artifacts().sweep(registry::artifactKeys, now.minus(config.sweepGrace()),
            now.minus(config.abortIncompleteUploadsAfter()))
        : new ArtifactStore.Swept(List.of(), List.of());
    if (files > 0 || !stored.isEmpty()) {
      Log.infof("artifact sweep: removed %d stale temporary uploads, %d unreferenced stored objects %s and aborted"
          + " %d incomplete multipart uploads", files, stored.objects().size(), stored.objects(),
          stored.abortedUploads().size());
    }
    return new Swept(files, stored);
  }


  private Instant firstInFlight(Instant otherwise) {
    try {
      return inFlight.firstKey();
    } catch (java.util.NoSuchElementException ended) { // the last one ended meanwhile
      return otherwise;
    }
  }

  /** Removes entries of the uploads directory last modified before {@code before}. */
  private int removeUploads(Instant before) {
    if (!Files.isDirectory(uploads)) {
      return 0;
    }
    List<Path> stale = new ArrayList<>();
    try (Stream<Path> entries = Files.list(uploads)) {
      for (Path p : entries.toList()) {
        if (Files.getLastModifiedTime(p).toInstant().isBefore(before)) {
          stale.add(p);
        }
      }
    } catch (IOException e) {
      Log.warnf("could not list %s: %s", uploads, e.toString());
      return 0;
    }
    for (Path p : stale) {
      try (Stream<Path> tree = Files.walk(p)) {
        tree.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException e) {
        // gone already or unreadable: the next sweep tries again
      }
    }
    return stale.size();
  }

  /** What one sweep removed. */
  public record Swept(int temporaryUploads, ArtifactStore.Swept stored) {}
}
