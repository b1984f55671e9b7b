package dev.pier.training.script;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A script-mode child process outlives a {@code kill -9} of the server that started it; the next server's
 * {@link ScriptProcesses#reap} stops it by the pid file the trainer wrote, and leaves alone a process whose pid merely
 * matches (a reused pid: another start time).
 */
class ScriptProcessesTest {
  @TempDir Path work;

  @Test
  void aScriptLeftRunningByAKilledServerIsStoppedByTheNext() throws Exception {
    Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), OrphanedScriptMain.class.getName(), work.toString())
        .redirectErrorStream(true).redirectOutput(work.resolve("server.log").toFile()).start();
    Path pidFile = null;
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    while (pidFile == null && Instant.now().isBefore(deadline) && server.isAlive()) {
      try (Stream<Path> walk = Files.walk(work)) {
        pidFile = walk.filter(p -> p.getFileName().toString().equals(ScriptProcesses.PID_FILE)).findFirst()
            .orElse(null);
      }
      Thread.sleep(100);
    }
    assertThat(pidFile).as(Files.readString(work.resolve("server.log"))).isNotNull();
    long pid = Long.parseLong(Files.readString(pidFile).trim().split(" ")[0]);
    ProcessHandle script = ProcessHandle.of(pid).orElseThrow();
    assertThat(script.info().commandLine().orElse("")).contains("sleep");

    server.destroyForcibly(); // SIGKILL: the server cannot stop its script
    server.waitFor();
    assertThat(script.isAlive()).as("the script outlives the killed server").isTrue();

    List<Long> stopped = ScriptProcesses.reap(work);
    assertThat(stopped).containsExactly(pid);
    assertThat(script.isAlive()).isFalse();
    assertThat(pidFile.getParent()).doesNotExist();
    assertThat(ScriptProcesses.reap(work)).isEmpty(); // nothing left to stop
  }

  @Test
  void aPidFileWhoseProcessStartedAtAnotherTimeStopsNothing() throws Exception {
    Path dir = Files.createDirectories(work.resolve("tj-1/fold-1-123"));
    ProcessHandle self = ProcessHandle.current(); // its pid, but not its start: a pid reused since
    Files.writeString(dir.resolve(ScriptProcesses.PID_FILE), self.pid() + " 12345\n");
    assertThat(ScriptProcesses.recorded(dir.resolve(ScriptProcesses.PID_FILE))).isEqualTo(Optional.empty());
    assertThat(ScriptProcesses.reap(work)).isEmpty();
    assertThat(self.isAlive()).isTrue();
    assertThat(dir).doesNotExist(); // the stale folder is cleared all the same
  }
}
