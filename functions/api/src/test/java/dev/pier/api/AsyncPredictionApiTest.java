package dev.pier.api;

import dev.pier.api.PierConfig;
import dev.pier.api.async.AsyncIntake;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.pier.registry.events.WebhookDispatcher;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code Prefer: respond-async} on the OIP infer routes, end to end on the local stand-ins and the demo model. */
@QuarkusTest
class AsyncPredictionApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}";

  @Inject PierConfig pierConfig;

  private static Response submit(String path, String body, String... headers) {
    var spec = given().contentType(ContentType.JSON).header("Prefer", "respond-async").body(body);
    for (int i = 0; i < headers.length; i += 2) {
      spec = spec.header(headers[i], headers[i + 1]);
    }
    return spec.post(path);
  }

  private static JsonNode awaitDone(String location) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      JsonNode p = JSON.readTree(given().get(location).then().statusCode(200).extract().asString());
      if (p.path("state").asText().equals("SUCCEEDED") || p.path("state").asText().equals("FAILED")) {
        return p;
      }
      assertThat(System.nanoTime()).as("waiting for " + location + ": " + p).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  @Test
  void respondAsyncAnswers202WithALocationThatServesTheSameAnswerAsASynchronousRequest() throws Exception {
    Response accepted = submit("/v2/models/demo/infer", ROW);
    assertThat(accepted.statusCode()).isEqualTo(202);
    assertThat(accepted.header("Preference-Applied")).isEqualTo("respond-async");
    String id = accepted.path("id");
    assertThat(accepted.<String>path("state")).isEqualTo("QUEUED");
    assertThat(accepted.header("Location")).endsWith("/api/v1/predictions/" + id);

    JsonNode done = awaitDone("/api/v1/predictions/" + id);
    JsonNode sync = JSON.readTree(given().contentType(ContentType.JSON).body(ROW).post("/v2/models/demo/infer")
        .then().statusCode(200).extract().asString());
    assertThat(done.path("state").asText()).isEqualTo("SUCCEEDED");
    assertThat(done.path("model_name").asText()).isEqualTo("demo");
    assertThat(done.path("attempts").asInt()).isEqualTo(1);
    assertThat(done.path("response").path("outputs")).isEqualTo(sync.path("outputs"));
    assertThat(done.path("response").path("model_version").asText()).isEqualTo(sync.path("model_version").asText());
  }

  @Test
  void aMalformedRequestGetsItsErrorSynchronouslyAndNothingIsQueued() {
    String wrongShape = ROW.replace("[1,4]", "[1,3]").replace(",0.2]", "]");
    submit("/v2/models/demo/infer", wrongShape).then().statusCode(400)
        .body("error", org.hamcrest.Matchers.containsString("shape [1,3]"));
    submit("/v2/models/no-such-model/infer", ROW).then().statusCode(404);
    submit("/v2/models/demo/versions/99/infer", ROW).then().statusCode(404);
    submit("/v2/models/demo/infer", "{\"inputs\":").then().statusCode(400);
    submit("/v2/models/demo/infer", ROW, "Idempotency-Key", " ").then().statusCode(400)
        .body("error", org.hamcrest.Matchers.containsString("Idempotency-Key"));
    submit("/v2/models/demo/infer", ROW, AsyncIntake.CALLBACK_HEADER, "ftp://example.com/x").then().statusCode(400)
        .body("error", org.hamcrest.Matchers.containsString(AsyncIntake.CALLBACK_HEADER));
  }

  @Test
  void theSameIdempotencyKeyGivesTheSamePredictionAndADifferentBodyIs422() {
    String key = "order-" + UUID.randomUUID();
    String first = submit("/v2/models/demo/infer", ROW, "Idempotency-Key", key).then().statusCode(202)
        .extract().path("id");
    String again = submit("/v2/models/demo/infer", ROW, "Idempotency-Key", key).then().statusCode(202)
        .extract().path("id");
    assertThat(again).isEqualTo(first);
    submit("/v2/models/demo/infer", ROW.replace("5.1", "6.1"), "Idempotency-Key", key).then().statusCode(422)
        .body("error", org.hamcrest.Matchers.containsString("Idempotency-Key"));
  }

  @Test
  void unknownPredictionIs404() {
    given().get("/api/v1/predictions/" + UUID.randomUUID()).then().statusCode(404);
  }

  @Test
  void erasureRemovesTheSubjectsAsyncResults() throws Exception {
    String subject = "user-" + UUID.randomUUID();
    String id = submit("/v2/models/demo/versions/production/infer", ROW, "X-Pier-Subject", subject).then()
        .statusCode(202).extract().path("id");
    String others = submit("/v2/models/demo/infer", ROW, "X-Pier-Subject", "someone-else-" + subject).then()
        .statusCode(202).extract().path("id");
    awaitDone("/api/v1/predictions/" + id);
    given().contentType(ContentType.JSON).body("{\"subject\":\"" + subject + "\"}").post("/api/v1/privacy/erasure")
        .then().statusCode(200).body("removed.async_results", org.hamcrest.Matchers.equalTo(1));
    given().get("/api/v1/predictions/" + id).then().statusCode(404);
    given().get("/api/v1/predictions/" + others).then().statusCode(200);
  }

  @Test
  void theCallbackUrlReceivesTheResultOnceSignedLikeAWebhook() throws Exception {
    List<String[]> received = new CopyOnWriteArrayList<>();
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/done", exchange -> {
      var h = exchange.getRequestHeaders();
      received.add(new String[] {h.getFirst("X-Pier-Event"), h.getFirst("X-Pier-Delivery"),
          h.getFirst("X-Pier-Timestamp"), h.getFirst("X-Pier-Signature"),
          new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)});
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    receiver.start();
    try {
      String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/done";
      String id = submit("/v2/models/demo/infer", ROW, AsyncIntake.CALLBACK_HEADER, url).then().statusCode(202)
          .extract().path("id");
      awaitDone("/api/v1/predictions/" + id);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (received.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(300);
      assertThat(received).hasSize(1);
      String[] d = received.get(0);
      assertThat(d[0]).isEqualTo("prediction.completed");
      assertThat(d[1]).isEqualTo(id);
      String secret = Files.readString(Path.of(pierConfig.dataDir(), "async", "callback.key")).trim();
      assertThat(d[3]).isEqualTo("sha256=" + WebhookDispatcher.sign(secret, d[2] + "." + d[4]));
      assertThat(JSON.readTree(d[4]).path("response").path("outputs").isArray()).isTrue();
    } finally {
      receiver.stop(0);
    }
  }
}
