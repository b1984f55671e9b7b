package dev.pier.tests;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code ./pier up} as a user runs it, in a process of its own, on free HTTP and gRPC ports, with the plain server this
 * reactor built (the launcher is told not to build). {@link #start} returns once the server answers its readiness
 * check, and fails with the server's log when it exits or is not ready within 90 s.
 */
public final class PierUp {
  public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  private PierUp() {}

  /** A started server: its process (SIGTERM/SIGKILL it to stop), ports and log file. */
  public record Started(Process process, int port, int grpcPort, Path log) {}

  /** The status {@code GET /v2/health/ready} answers on {@code port}, with the caller's client and scheme. */
  public interface ReadyCheck {
    int status(int port) throws Exception;
  }

  public static Started start(Path dataDir, Map<String, String> env, ReadyCheck ready, String... flags) throws Exception {
    int port;
    int grpcPort;
    try (ServerSocket s = new ServerSocket(0); ServerSocket g = new ServerSocket(0)) {
      port = s.getLocalPort();
      grpcPort = g.getLocalPort();
    }
    Path log = Files.createTempFile("pier-up", ".log");
    List<String> command = new ArrayList<>(List.of(ROOT.resolve("pier").toString(), "up", "--port",
        Integer.toString(port), "--data-dir", dataDir.toString(), "--grpc-port", Integer.toString(grpcPort)));
    command.addAll(List.of(flags));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("PIER_NO_BUILD", "1");
    pb.environment().putAll(env);
    Process server = pb.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos(); // a loaded machine starts slowly
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new AssertionError("./pier up exited with " + server.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        if (ready.status(port) == 200) {
          return new Started(server, port, grpcPort, log);
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    server.destroyForcibly();
    throw new AssertionError("not ready within 180 s:\n" + Files.readString(log));
  }
}
