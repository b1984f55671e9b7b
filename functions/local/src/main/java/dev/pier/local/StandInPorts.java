package dev.pier.local;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The ports of the stand-ins, chosen once per data directory and reused on every restart so that tools pointed
 * at them (a {@code local.env}, an {@code aws --endpoint-url}) keep working. A port taken by someone else since is
 * replaced by a new free one.
 */
final class StandInPorts {
  private final Path file;
  private final Properties ports = new Properties();

  StandInPorts(Path dataDir) throws IOException {
    this.file = dataDir.resolve("ports.properties");
    if (Files.exists(file)) {
      try (Reader r = Files.newBufferedReader(file)) {
        ports.load(r);
      }
    }
  }

  int port(String name) throws IOException {
    String saved = ports.getProperty(name);
    if (saved != null && isFree(Integer.parseInt(saved))) {
      return Integer.parseInt(saved);
    }
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    ports.setProperty(name, Integer.toString(port));
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (Writer w = Files.newBufferedWriter(tmp)) {
      ports.store(w, "Ports of Pier's local stand-ins, reused on every start");
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return port;
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
