package dev.pier.api;

import dev.pier.runtime.PredictionService;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.pier.runtime.Budget;
import dev.pier.runtime.ConcurrencyLimits;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.ConfigProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A model at its concurrency limit ({@code pier.limits.max-concurrent-per-model}, 64 by default) answers 429 with
 * Retry-After on every REST path — small bodies taken on the I/O thread and large ones parsed on workers — and
 * health checks keep answering. A large request to a saturated model is refused from its headers, before its body is
 * read: these tests send the headers and only part of the body over a raw socket, and read the answer before sending
 * the rest.
 */
@QuarkusTest
class OverloadTest {
  private static final String ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}";

  @Inject PredictionService predictionService;
  @TestHTTPResource("/") URL base;
  private final List<ConcurrencyLimits.Permit> held = new ArrayList<>();

  private void takeEveryPermitOfDemo() {
    for (int i = 0; i < predictionService.limits().maxConcurrent(); i++) {
      held.add(predictionService.limits().admit("demo", System.nanoTime(), Budget.WAIT));
    }
  }

  @AfterEach
  void release() {
    held.forEach(ConcurrencyLimits.Permit::close);
    held.clear();
  }

  private static String rows(int n) {
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < n; i++) {
      data.append(i == 0 ? "" : ",").append("5.1,3.5,1.4,0.2");
    }
    return "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[" + n + ",4],\"data\":[" + data + "]}]}";
  }

  @Test
  void aLargeRequestToAModelAtItsLimitIsRefusedWith429AndRetryAfter() {
    String large = rows(5000); // ~80 KB: over the I/O thread's 64 KiB, parsed on a worker
    given().contentType(ContentType.JSON).body(large).post("/v2/models/demo/infer").then().statusCode(200);
    takeEveryPermitOfDemo();
    given().contentType(ContentType.JSON).body(large).post("/v2/models/demo/infer")
        .then().statusCode(429).header("Retry-After", equalTo("1")).body("error",
            containsString("limit of " + predictionService.limits().maxConcurrent()));
  }

  @Test
  void theWorkerThatScoresALargeRequestRunsBelowTheIoThreads() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/self/task")),
        "thread priorities are Linux's");
    for (int i = 0; i < 8; i++) { // on workers (the body is over 64 KiB); whichever workers ran them are lowered
      given().contentType(ContentType.JSON).body(rows(5000)).post("/v2/models/demo/infer").then().statusCode(200);
    }
    Map<String, Integer> nice = threadNiceValues();
    int base = nice.entrySet().stream().filter(e -> e.getKey().startsWith("vert.x-eventloo"))
        .mapToInt(Map.Entry::getValue).max().orElseThrow();
    assertThat(nice.entrySet().stream().filter(e -> e.getKey().startsWith("vert.x-eventloo"))
        .map(Map.Entry::getValue)).as("I/O threads keep their priority").containsOnly(base);
    assertThat(nice.entrySet().stream().filter(e -> e.getKey().startsWith("executor-threa"))
        .map(Map.Entry::getValue)).as("workers that scored: pier.limits.worker-nice (10) lower")
        .contains(Math.min(19, base + 10));
  }

  /** Each thread of this process, by name (as /proc has it: 15 characters, with its id) → its nice value. */
  private static Map<String, Integer> threadNiceValues() throws IOException {
    Map<String, Integer> out = new LinkedHashMap<>();
    try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
      for (java.nio.file.Path task : tasks.toList()) {
        try {
          String stat = java.nio.file.Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          out.put(name + "#" + task.getFileName(), Integer.parseInt(after[16])); // field 19: nice
        } catch (IOException gone) {
          // the thread ended meanwhile
        }
      }
    }
    return out;
  }

  @Test
  void aSmallRequestToAModelAtItsLimitIsRefusedWith429AndRetryAfter() {
    takeEveryPermitOfDemo();
    given().contentType(ContentType.JSON).body(ROW).post("/v2/models/demo/versions/production/infer")
        .then().statusCode(429).header("Retry-After", equalTo("1"));
    release();
    given().contentType(ContentType.JSON).body(ROW).post("/v2/models/demo/infer").then().statusCode(200);
  }

  @Test
  void healthChecksAnswerWhileAModelIsAtItsLimit() {
    takeEveryPermitOfDemo();
    given().get("/v2/health/ready").then().statusCode(200);
    given().get("/v2/health/live").then().statusCode(200);
  }

  @Test
  void aLargeRequestToASaturatedModelIsRefusedBeforeItsBodyIsSentAndHealthAnswersMeanwhile() throws Exception {
    takeEveryPermitOfDemo();
    byte[] body = rows(5000).getBytes(StandardCharsets.UTF_8);
    try (Socket socket = connect()) {
      OutputStream out = socket.getOutputStream();
      out.write(head("/v2/models/demo/infer", body.length));
      out.write(body, 0, 1000); // the rest is never sent before the answer: the server cannot have read the body
      out.flush();
      Answer refused = Answer.read(socket.getInputStream());
      assertThat(refused.status()).isEqualTo(429);
      assertThat(refused.headers()).containsEntry("retry-after", "1");
      assertThat(refused.body()).contains("limit of " + predictionService.limits().maxConcurrent());

      given().get("/v2/health/ready").then().statusCode(200); // meanwhile, with the model saturated
      given().get("/v2/health/live").then().statusCode(200);

      // the rest of the refused body is dropped and the connection serves the next request
      out.write(body, 1000, body.length - 1000);
      release();
      out.write(head("/v2/models/demo/infer", ROW.length()));
      out.write(ROW.getBytes(StandardCharsets.UTF_8));
      out.flush();
      Answer served = Answer.read(socket.getInputStream());
      assertThat(served.status()).isEqualTo(200);
      assertThat(served.body()).contains("\"model_name\":\"demo\"");
    }
  }

  @Test
  void aLargeRequestHoldsItsPermitWhileItsBodyArrivesAndGivesItBackWhenTheClientLeaves() throws Exception {
    ConcurrencyLimits limits = predictionService.limits();
    for (int i = 0; i < limits.maxConcurrent() - 1; i++) {
      held.add(limits.admit("demo", System.nanoTime(), Budget.WAIT));
    }
    byte[] body = rows(5000).getBytes(StandardCharsets.UTF_8);
    try (Socket socket = connect()) {
      socket.getOutputStream().write(head("/v2/models/demo/infer", body.length));
      socket.getOutputStream().write(body, 0, 1000);
      socket.getOutputStream().flush();
      eventually(() -> limits.inUse("demo") == limits.maxConcurrent()); // admitted from its headers: the last permit
      given().contentType(ContentType.JSON).body(rows(5000)).post("/v2/models/demo/infer").then().statusCode(429);
    }
    eventually(() -> limits.inUse("demo") == limits.maxConcurrent() - 1); // gone mid-body: its permit is back
    release();
    given().contentType(ContentType.JSON).body(rows(5000)).post("/v2/models/demo/infer").then().statusCode(200);
    eventually(() -> limits.inUse("demo") == 0);
  }

  @Test
  void aLargeRequestThatExpects100ContinueIsToldToSendItsBodyOnceAdmitted() throws Exception {
    byte[] body = rows(5000).getBytes(StandardCharsets.UTF_8);
    try (Socket socket = connect()) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v2/models/demo/infer HTTP/1.1\r\nHost: " + base.getHost() + "\r\nContent-Type: application/json"
          + "\r\nExpect: 100-continue\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(Answer.read(socket.getInputStream()).status()).isEqualTo(100);
      out.write(body);
      out.flush();
      Answer served = Answer.read(socket.getInputStream());
      assertThat(served.status()).isEqualTo(200);
      assertThat(served.body()).contains("\"shape\":[5000");
    }
  }

  /**
   * Health is answered on the I/O thread, so neither saturated models nor a worker pool busy to its last thread keep
   * a probe waiting: every permit of the demo model held, many large requests in flight (headers and part of their
   * body sent), and every worker thread blocked, {@code /v2/health/live} and {@code /v2/health/ready} still answer.
   */
  @Test
  void healthAnswersWithEveryPermitHeldLargeRequestsInFlightAndEveryWorkerBusy() throws Exception {
    takeEveryPermitOfDemo();
    int workers = ConfigProvider.getConfig().getOptionalValue("quarkus.thread-pool.max-threads", Integer.class)
        .orElse(Math.max(8 * Runtime.getRuntime().availableProcessors(), 200));
    CountDownLatch busy = new CountDownLatch(1);
    AtomicInteger started = new AtomicInteger();
    List<Socket> inFlight = new ArrayList<>();
    byte[] body = rows(5000).getBytes(StandardCharsets.UTF_8);
    try {
      for (int i = 0; i < workers + 16; i++) { // more than the pool runs at once: the rest queue behind them
        Infrastructure.getDefaultWorkerPool().execute(() -> {
          started.incrementAndGet();
          try {
            busy.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
      }
      eventually(() -> started.get() >= workers); // every worker thread is taken
      for (int i = 0; i < 32; i++) {
        Socket socket = connect();
        inFlight.add(socket);
        socket.getOutputStream().write(head("/v2/models/demo/infer", body.length));
        socket.getOutputStream().write(body, 0, 1000);
        socket.getOutputStream().flush();
      }
      HttpClient client = HttpClient.newHttpClient();
      for (int i = 0; i < 20; i++) {
        for (String probe : List.of("live", "ready")) {
          // a generous bound only: a probe queued behind the blocked workers would never answer
          HttpResponse<String> answer = client.send(HttpRequest.newBuilder(base.toURI().resolve("/v2/health/" + probe))
              .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
          assertThat(answer.statusCode()).isEqualTo(200);
          assertThat(answer.body()).isEqualTo("{\"" + probe + "\":true}");
          assertThat(answer.headers().firstValue("X-Request-Id")).isPresent();
        }
      }
      assertThat(started.get()).as("the worker pool was still saturated").isLessThan(workers + 16);
    } finally {
      busy.countDown();
      for (Socket socket : inFlight) {
        socket.close();
      }
    }
  }

  /**
   * A large body that does not arrive within {@code pier.limits.body-read-timeout} (5 s in tests) gives its permit back
   * and is answered 408; the connection is then closed. Admission stays before the body: the permit is taken from the
   * headers (so a saturated model still answers 429 before reading), and the timeout bounds how long a slow upload
   * holds it.
   */
  @Test
  void aLargeBodyThatStallsIsAnswered408AndGivesItsPermitBack() throws Exception {
    ConcurrencyLimits limits = predictionService.limits();
    byte[] body = rows(5000).getBytes(StandardCharsets.UTF_8);
    try (Socket socket = connect()) {
      OutputStream out = socket.getOutputStream();
      out.write(head("/v2/models/demo/infer", body.length));
      out.write(body, 0, 1000); // and then nothing: a stalled upload
      out.flush();
      eventually(() -> limits.inUse("demo") == 1); // admitted from its headers: it holds a permit while it reads
      Answer timedOut = Answer.read(socket.getInputStream());
      assertThat(timedOut.status()).isEqualTo(408);
      assertThat(timedOut.body()).contains("pier.limits.body-read-timeout");
      assertThat(timedOut.headers()).containsEntry("connection", "close");
      assertThat(limits.inUse("demo")).isZero(); // its permit was given back before the answer
      assertThat(socket.getInputStream().read()).isEqualTo(-1); // and the connection closed
    }
    given().contentType(ContentType.JSON).body(rows(5000)).post("/v2/models/demo/infer").then().statusCode(200);
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket(base.getHost(), base.getPort());
    socket.setSoTimeout(30_000); // a safety net only: the answers come in milliseconds
    return socket;
  }

  private byte[] head(String path, int contentLength) {
    return ("POST " + path + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + contentLength + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static void eventually(BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 1000 && !condition.getAsBoolean(); i++) {
      Thread.sleep(10);
    }
    assertThat(condition.getAsBoolean()).isTrue();
  }

  /** An HTTP/1.1 answer with a Content-Length, read off a raw socket. */
  private record Answer(int status, Map<String, String> headers, String body) {
    static Answer read(InputStream in) throws IOException {
      String status = line(in);
      Map<String, String> headers = new LinkedHashMap<>();
      for (String line = line(in); !line.isEmpty(); line = line(in)) {
        int colon = line.indexOf(':');
        headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
      }
      byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
      return new Answer(Integer.parseInt(status.split(" ")[1]), headers, new String(body, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new IOException("connection closed mid-answer");
        }
        if (b != '\r') {
          line.write(b);
        }
      }
      return line.toString(StandardCharsets.US_ASCII);
    }
  }
}
