package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.pier.registry.events.WebhookDispatcher;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Webhooks receive signed registry events and get them again after a failed delivery. */
@QuarkusTest
class WebhookDeliveryTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private HttpServer receiver;
  private final List<Delivery> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger failuresLeft = new AtomicInteger();

  record Delivery(String id, String event, String timestamp, String signature, String body, int status) {}

  @BeforeEach
  void startReceiver() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      int status = failuresLeft.getAndDecrement() > 0 ? 500 : 204;
      var h = exchange.getRequestHeaders();
      received.add(new Delivery(h.getFirst("X-Pier-Delivery"), h.getFirst("X-Pier-Event"),
          h.getFirst("X-Pier-Timestamp"), h.getFirst("X-Pier-Signature"), body, status));
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    receiver.start();
  }

  @AfterEach
  void stopReceiver() {
    receiver.stop(0);
  }

  @Test
  void aReceiverGetsSignedDeliveriesForRegistryChangesRetriedAfterFailures() throws Exception {
    String model = "hook-" + UUID.randomUUID().toString().substring(0, 8);
    String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    String id = given().contentType(ContentType.JSON)
        .body("{\"url\":\"" + url + "\",\"secret\":\"s3cret\",\"model\":\"" + model + "\","
            + "\"events\":[\"version.created\",\"alias.set\"]}")
        .post("/api/v1/webhooks").then().statusCode(201).extract().path("id");
    try {
      failuresLeft.set(2); // the first two attempts fail; the third succeeds
      given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
          .multiPart("metadata", "{\"framework\":\"onnx\"}")
          .post("/api/v1/models/" + model + "/versions").then().statusCode(201);

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (received.stream().noneMatch(d -> d.status() == 204) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(received).hasSize(3);
      assertThat(received).extracting(Delivery::status).containsExactly(500, 500, 204);
      assertThat(received).extracting(Delivery::id).containsOnly(received.get(0).id());
      for (Delivery d : received) {
        assertThat(d.event()).isEqualTo("version.created");
        assertThat(d.signature()).isEqualTo("sha256=" + WebhookDispatcher.sign("s3cret", d.timestamp() + "." + d.body()));
      }
      JsonNode event = JSON.readTree(received.get(2).body());
      assertThat(event.get("model").asText()).isEqualTo(model);
      assertThat(event.get("version").asInt()).isEqualTo(1);
    } finally {
      given().delete("/api/v1/webhooks/" + id).then().statusCode(204);
    }
  }
}
