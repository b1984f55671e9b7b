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
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
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
