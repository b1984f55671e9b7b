package dev.pier.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server killed with SIGKILL in the middle of registrations leaves nothing behind once it is up again: the partial
 * multipart body under {@code <data-dir>/tmp/pier-uploads}, an artifact written to the S3 stand-in that no version
 * references, a partial S3 write, and a presigned multipart upload never completed are all gone after the restart's
 * sweep (run with a zero grace period here, so the test need not wait an hour), while the registered versions' own
 * artifacts stay and serve.
 */
class RegistrationCrashTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  @TempDir Path dataDir;
  private Process server;
  private int port;

  @AfterEach
  void stop() {
    if (server != null && server.isAlive()) {
      server.destroyForcibly();
    }
  }

  private void up(String javaOpts) throws Exception {
    server = PierUp.start(dataDir, Map.of("PIER_JAVA_OPTS", javaOpts), p -> {
      port = p;
      return get("/v2/health/ready").statusCode();
    }).process();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aServerKilledMidRegistrationLeavesNothingBehindAfterItsRestart() throws Exception {
    up("");
    Path uploads = dataDir.resolve("tmp/pier-uploads");
    Path s3 = dataDir.resolve("s3");
    List<Path> artifactsBefore = files(s3, "artifacts");

    // a presigned multipart upload whose client dies after its first part
    JsonNode upload = JSON.readTree(post("/api/v1/models/demo/uploads", "{\"size_bytes\": 100000000}").body());
    String partUrl = upload.get("parts").get(0).get("url").asText();
    HttpResponse<String> part = http.send(HttpRequest.newBuilder(URI.create(partUrl))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[5 << 20])).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(part.statusCode()).as(part.body()).isEqualTo(200);

    // a multipart registration of 64 MiB of which 16 MiB have arrived when the server is killed
    try (Socket socket = new Socket("127.0.0.1", port)) {
      OutputStream out = socket.getOutputStream();
      String head = "--b\r\nContent-Disposition: form-data; name=\"artifact\"; filename=\"m.onnx\"\r\n"
          + "Content-Type: application/octet-stream\r\n\r\n";
      out.write(("POST /api/v1/models/crashed/versions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: " + (head.length() + (64 << 20))
          + "\r\n\r\n" + head).getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = new byte[1 << 20];
      for (int i = 0; i < 16; i++) {
        out.write(chunk);
      }
      out.flush();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (sizeOf(uploads) < (8 << 20) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(sizeOf(uploads)).as("the partial body is on disk").isGreaterThanOrEqualTo(8 << 20);

      // what a registration killed while storing its artifact leaves in the S3 stand-in: a partial write and a
      // complete artifact whose version was never recorded (written the way the filesystem store writes them)
      Path stored = artifactsBefore.get(0);
      Path partial = Files.write(stored.resolveSibling("f".repeat(64) + "-partial"), new byte[1 << 20]);
      Path orphan = Files.write(stored.resolveSibling("e".repeat(64)), new byte[1 << 20]);
      for (Path p : List.of(partial, orphan)) {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(7200)));
      }

      server.destroyForcibly().waitFor(); // SIGKILL: ./pier exec'd the JVM
    }
    assertThat(sizeOf(uploads)).as("the kill left the partial body").isGreaterThan(0);
    List<Path> s3Before = files(s3, "");

    up("-Dpier.artifacts.sweep-grace=0s -Dpier.artifacts.abort-incomplete-uploads-after=0s");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (files(s3, "").size() >= s3Before.size() && System.nanoTime() < deadline) {
      Thread.sleep(200); // the first sweep runs right after start
    }
    assertThat(files(uploads, "")).as("temporary uploads after the restart").isEmpty();
    assertThat(files(s3, "artifacts")).as("stored artifacts after the restart's sweep")
        .containsExactlyInAnyOrderElementsOf(artifactsBefore);
    assertThat(files(s3, "uploads")).as("parts of the abandoned multipart upload").isEmpty();
    assertThat(files(s3, "")).as("everything in the S3 stand-in").allMatch(p -> !p.toString().contains(".mpu")
        && !p.toString().contains("uploads/"));
    String row = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[6.3,2.9,5.6,1.8]}]}";
    HttpResponse<String> served = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/v2/models/demo/infer")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(row)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
  }

  /** Regular files under {@code dir} whose path relative to it contains {@code part}. */
  private static List<Path> files(Path dir, String part) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return new ArrayList<>(s.filter(Files::isRegularFile).filter(p -> dir.relativize(p).toString().contains(part))
          .sorted().toList());
    }
  }

  private static long sizeOf(Path dir) throws IOException {
    return files(dir, "").stream().mapToLong(p -> p.toFile().length()).sum();
  }
}
