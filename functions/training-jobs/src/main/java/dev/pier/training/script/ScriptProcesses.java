package dev.pier.training.script;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The script processes a server started, by a pid file in each run's {@code /opt/ml}-shaped folder: its pid and the
 * instant it started (a pid alone may have been reused by then). A server killed with {@code kill -9} cannot stop its
 * scripts, which the system hands to init and which run on; the next server {@link #reap}s them before it resumes the
 * jobs — stops each one still running as the same process, with its descendants, and deletes its folder — so a
 * resumed trial is the only run of its script.
 */
public final class ScriptProcesses {
  static final String PID_FILE = "pid";
  private static final Logger LOG = Logger.getLogger(ScriptProcesses.class.getName());

  private ScriptProcesses() {}

  /** Writes {@code <dir>/pid}: {@code <pid> <start epoch ms>}. */
  static void record(Path dir, Process process) {
    long started = process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    try {
      Files.writeString(dir.resolve(PID_FILE), process.pid() + " " + started + "\n", StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Removes {@code <dir>/pid} once the process ended. */
  static void forget(Path dir) {
    try {
      Files.deleteIfExists(dir.resolve(PID_FILE));
    } catch (IOException e) {
      // a stale pid file is checked against the process's start time before anything is stopped
    }
  }

  /**
   * Stops every process a pid file under {@code work} names that still runs as the process recorded (same pid, same
   * start instant), its descendants first, and deletes each pid file's folder. Returns the pids stopped.
   */
  public static List<Long> reap(Path work) {
    List<Long> stopped = new ArrayList<>();
    if (!Files.isDirectory(work)) {
      return stopped;
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(work, 4)) {
      files = walk.filter(p -> p.getFileName().toString().equals(PID_FILE) && Files.isRegularFile(p)).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Path file : files) {
      Optional<ProcessHandle> alive = recorded(file);
      alive.ifPresent(p -> {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.onExit().join();
        stopped.add(p.pid());
        LOG.info(() -> "stopped script process " + p.pid() + " that a previous server left running (" + file + ")");
      });
      delete(file.getParent());
    }
    return stopped;
  }

  /** The live process the pid file names, if it is still the one recorded. */
  static Optional<ProcessHandle> recorded(Path file) {
    String[] parts;
    try {
      parts = Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ");
    } catch (IOException e) {
      return Optional.empty();
    }
    if (parts.length != 2) {
      return Optional.empty();
    }
    long pid;
    long started;
    try {
      pid = Long.parseLong(parts[0]);
      started = Long.parseLong(parts[1]);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
        .filter(p -> p.info().startInstant().map(Instant::toEpochMilli).orElse(-1L) == started);
  }

  private static void delete(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.warning(() -> "could not delete " + dir + ": " + e.getMessage());
    }
  }
}
