package dev.pier.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./pier up} as a user runs it: the packaged plain server (built by this reactor, so the launcher is told not
 * to build), on its own port and data directory. Covers readiness, the demo model, a version change without a
 * restart, a clean SIGTERM, a restart keeping everything, and recovery after SIGKILL.
 */
class PierUpTest {
  private static final Path ROOT = PierUp.ROOT;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[6.3,2.9,5.6,1.8]}]}";
  private HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private String scheme = "http";
  @TempDir Path dataDir;
  private Process server;
  private int port;
  private int grpcPort;
  private Path log;

  @AfterEach
  void stop() {
    if (server != null && server.isAlive()) {
      server.destroyForcibly();
    }
  }

  private void up(Path data, String... flags) throws Exception {
    PierUp.Started started = PierUp.start(data, Map.of(), p -> {
      port = p;
      return get("/v2/health/ready").statusCode();
    }, flags);
    server = started.process();
    grpcPort = started.grpcPort();
    log = started.log();
  }

  /** Runs {@code ./pier keys ...} against the running server; returns its stdout. */
  private String pierKeys(Path data, String... args) throws Exception {
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(ROOT.resolve("pier").toString(), "keys"));
    command.addAll(java.util.List.of(args));
    command.addAll(java.util.List.of("--port", Integer.toString(port), "--data-dir", data.toString()));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> send(String method, String path, String contentType, byte[] body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + path))
        .header("Content-Type", contentType)
        .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode infer(String path) throws Exception {
    HttpResponse<String> r = send("POST", path, "application/json", ROW.getBytes(StandardCharsets.UTF_8));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private int register(String model, Path file) throws Exception {
    String boundary = "pier-" + System.nanoTime();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n"
        + "{\"framework\":\"onnx\"}\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"artifact\";"
        + " filename=\"model.onnx\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.write(Files.readAllBytes(file));
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> r = send("POST", "/api/v1/models/" + model + "/versions",
        "multipart/form-data; boundary=" + boundary, body.toByteArray());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return JSON.readTree(r.body()).get("version").asInt();
  }

  private void moveAlias(String model, String alias, int version) throws Exception {
    HttpResponse<String> r = send("PUT", "/api/v1/models/" + model + "/aliases/" + alias, "application/json",
        ("{\"version\":" + version + "}").getBytes(StandardCharsets.UTF_8));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private int sigterm() throws Exception {
    server.destroy(); // SIGTERM: ./pier exec'd the JVM, so the signal reaches the server itself
    assertThat(server.waitFor(40, TimeUnit.SECONDS)).as("stopped after SIGTERM").isTrue();
    return server.exitValue();
  }

  @Test
  void servesTheDemoModelChangesVersionsWithoutRestartAndKeepsEverythingAcrossRestarts() throws Exception {
    up(dataDir);
    assertThat(infer("/v2/models/demo/infer").get("model_version").asText()).isEqualTo("1");
    assertThat(JSON.readTree(get("/v2").body()).get("warning").asText()).contains("authentication is off");
    assertThat(Files.readString(log)).contains("AUTHENTICATION IS OFF");

    int v2 = register("demo", ROOT.resolve("tests/fixtures/models/iris-mlp-v2.onnx"));
    assertThat(v2).isEqualTo(2);
    moveAlias("demo", "production", 2);
    assertThat(infer("/v2/models/demo/infer").get("model_version").asText()).isEqualTo("2");
    assertThat(infer("/v2/models/demo/versions/1/infer").get("model_version").asText()).isEqualTo("1");

    sigterm();
    assertThat(Files.readString(log)).contains("pier stopped");

    up(dataDir);
    assertThat(infer("/v2/models/demo/infer").get("model_version").asText()).isEqualTo("2");
    assertThat(infer("/v2/models/demo/versions/1/infer").get("model_version").asText()).isEqualTo("1");

    byte[] ports = Files.readAllBytes(dataDir.resolve("ports.properties"));
    Launched second = launch("up", "--port", "0", "--grpc-port", "0", "--data-dir", dataDir.toString());
    assertThat(second.exit()).isEqualTo(1);
    assertThat(second.output()).isEqualTo("pier: the data directory " + dataDir.toRealPath() + " is in use by another"
        + " Pier (pid " + server.pid() + "); stop it (kill " + server.pid() + ") or pass another --data-dir\n");
    assertThat(Files.readAllBytes(dataDir.resolve("ports.properties"))).isEqualTo(ports);

    server.destroyForcibly(); // SIGKILL: nothing gets to clean up
    server.waitFor(10, TimeUnit.SECONDS);
    up(dataDir);
    assertThat(JSON.readTree(get("/api/v1/models/demo").body()).get("aliases").get("production").asInt()).isEqualTo(2);
    assertThat(infer("/v2/models/demo/infer").get("model_version").asText()).isEqualTo("2");
    sigterm();
  }

  /** What {@code ./pier ARGS} printed (stdout and stderr together) and its exit status. */
  private record Launched(int exit, String output) {}

  private static Launched launch(String... args) throws Exception {
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(ROOT.resolve("pier").toString()));
    command.addAll(java.util.List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("PIER_NO_BUILD", "1");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Launched(p.exitValue(), out);
  }

  @Test
  void eachLauncherMistakeIsOneLineNamingTheProblemAndTheFix(@TempDir Path data) throws Exception {
    String dir = data.resolve("d").toString();
    assertThat(launch("up", "--port", "99999", "--data-dir", dir))
        .isEqualTo(new Launched(1, "pier: --port must be a port number from 0 to 65535, got '99999'\n"));
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      Launched inUse = launch("up", "--port", Integer.toString(port), "--data-dir", dir);
      assertThat(inUse.exit()).isEqualTo(1);
      assertThat(inUse.output()).startsWith("pier: port " + port + " (--port) is already in use by pid "
          + ProcessHandle.current().pid() + " (").endsWith("); stop that process or pass another --port\n");
      inUse = launch("up", "--port", "0", "--grpc-port", Integer.toString(port), "--data-dir", dir);
      assertThat(inUse.output()).startsWith("pier: port " + port + " (--grpc-port) is already in use").hasLineCount(1);
    }
    Path file = Files.writeString(data.resolve("file"), "x");
    assertThat(launch("up", "--port", "0", "--grpc-port", "0", "--data-dir", file.toString())).isEqualTo(new Launched(1,
        "pier: --data-dir " + file + " exists and is not a directory; pass a directory\n"));
    assertThat(Files.exists(data.resolve("d"))).as("nothing created by refused starts").isFalse();

    Launched unknown = launch("upp");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.output()).startsWith("pier: unknown verb 'upp'\nusage: ./pier <verb>");
    for (String verb : java.util.List.of("up", "models", "jobs", "train", "features", "keys", "sign", "test", "build", "lambda", "bench")) {
      Launched help = launch(verb, "--help");
      assertThat(help.exit()).as(verb).isZero();
      assertThat(help.output()).as(verb).startsWith("usage: ./pier " + verb);
    }
    assertThat(launch("help").output()).contains("PIER_NO_BUILD").contains("PIER_JAVA_OPTS");
  }

  @Test
  void aNewDataDirectoryIsAFreshPlatform(@TempDir Path other) throws Exception {
    up(other.resolve("fresh"));
    JsonNode demo = JSON.readTree(get("/api/v1/models/demo").body());
    assertThat(demo.get("latest_version").asInt()).isEqualTo(1);
    assertThat(JSON.readTree(get("/api/v1/models").body()).get("models")).hasSize(1);
    sigterm();
  }

  @Test
  void withAuthAnonymousCallersGet401AndKeysFromPierKeysWorkUntilRevoked(@TempDir Path data) throws Exception {
    up(data, "--auth");
    assertThat(get("/v2/health/ready").statusCode()).isEqualTo(200);
    assertThat(get("/v2/models/demo").statusCode()).isEqualTo(401);
    JsonNode created = JSON.readTree(pierKeys(data, "create", "--name", "ci", "--role", "predictor:demo"));
    String key = created.get("key").asText();
    HttpRequest.Builder infer = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/models/demo/infer"))
        .header("Content-Type", "application/json").header("X-Api-Key", key)
        .POST(HttpRequest.BodyPublishers.ofString(ROW));
    assertThat(http.send(infer.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertThat(pierKeys(data, "list")).contains(created.get("id").asText()).doesNotContain(key);
    pierKeys(data, "revoke", created.get("id").asText());
    assertThat(http.send(infer.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    assertThat(Files.readString(log)).doesNotContain(key);
    sigterm();
  }

  @Test
  void refusesToStartOpenOnAnAddressOtherThanLoopback(@TempDir Path data) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("pier").toString(), "up", "--host", "0.0.0.0", "--port", "0",
        "--data-dir", data.toString()).redirectErrorStream(true);
    pb.environment().put("PIER_NO_BUILD", "1");
    pb.environment().put("PIER_JAVA_OPTS", "-Dpier.auth.enabled=false");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isNotZero();
    assertThat(out).contains("refusing to start with authentication off");
  }

  @Test
  void withACertificateItServesHttpsOnlyOnItsPort(@TempDir Path tls) throws Exception {
    Path cert = tls.resolve("cert.pem");
    Path key = tls.resolve("key.pem");
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout", key.toString(), "-out", cert.toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    org.junit.jupiter.api.Assumptions.assumeTrue(openssl.waitFor(60, TimeUnit.SECONDS) && openssl.exitValue() == 0,
        "openssl is needed to make a test certificate");
    javax.net.ssl.SSLContext trustAll = javax.net.ssl.SSLContext.getInstance("TLS");
    trustAll.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
      @Override
      public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

      @Override
      public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

      @Override
      public java.security.cert.X509Certificate[] getAcceptedIssuers() {
        return new java.security.cert.X509Certificate[0];
      }
    }}, null);
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).sslContext(trustAll).build();
    scheme = "https";
    up(dataDir, "--tls-cert", cert.toString(), "--tls-key", key.toString());
    assertThat(infer("/v2/models/demo/infer").get("model_version").asText()).isEqualTo("1");
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> plain.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/health/ready")).build(),
        HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
    // The gRPC port serves the same certificate, TLS only: a TLS handshake offering h2 (gRPC's protocol) succeeds,
    // and a plaintext HTTP/2 connection preface gets no SETTINGS frame back.
    try (var socket = (javax.net.ssl.SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", grpcPort)) {
      var params = socket.getSSLParameters();
      params.setApplicationProtocols(new String[] {"h2"});
      socket.setSSLParameters(params);
      socket.startHandshake();
      assertThat(socket.getApplicationProtocol()).isEqualTo("h2");
    }
    try (var socket = new java.net.Socket("127.0.0.1", grpcPort)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
      socket.getOutputStream().flush();
      byte[] head = new byte[9];
      int n;
      try {
        n = socket.getInputStream().readNBytes(head, 0, 9);
      } catch (IOException e) {
        n = -1; // reset: equally not plaintext gRPC
      }
      assertThat(n == 9 && head[3] == 4).as("a plaintext HTTP/2 server would answer with SETTINGS").isFalse();
    }
    sigterm();
  }
}
