package dev.pier.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link dev.pier.api.inference.InferRoute} answers small requests (they carry a Content-Length) exactly as JAX-RS
 * answers the same request sent chunked (no Content-Length, so the route leaves it to
 * {@link dev.pier.api.inference.InferenceResource}): status, body, content type and request id, on the happy path and
 * the unhappy ones.
 */
@QuarkusTest
class InferRouteTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}";

  @TestHTTPResource("/") URL base;

  @Test
  void aPredictionIsTheSameOnTheRouteAndThroughJaxRs() throws Exception {
    assertAlike("/v2/models/demo/infer", ROW, 200);
    assertAlike("/v2/models/demo/versions/1/infer", ROW, 200);
    assertAlike("/v2/models/demo/versions/production/infer", ROW, 200);
  }

  @Test
  void malformedRequestsAreTheSame400OnBothPaths() throws Exception {
    assertAlike("/v2/models/demo/infer", "{\"inputs\": [", 400);
    assertAlike("/v2/models/demo/infer", "", 400);
    assertAlike("/v2/models/demo/infer", ROW.replace("[1,4]", "[1,5]"), 400);
    assertAlike("/v2/models/demo/infer", ROW.replace("5.1", "true"), 400);
    assertAlike("/v2/models/demo/infer", ROW.replace("}]}", "}],\"parameters\":{\"explain\":\"no\"}}"), 400);
  }

  @Test
  void unknownModelsAndVersionsAreTheSame404OnBothPaths() throws Exception {
    assertAlike("/v2/models/nosuchmodel/infer", ROW, 404);
    assertAlike("/v2/models/demo/versions/99/infer", ROW, 404);
  }

  @Test
  void requestsAnsweredInOneBurstEachGetTheirOwnAnswer() throws Exception {
    String[] rows = {"[5.1,3.5,1.4,0.2]", "[6.7,3.0,5.2,2.3]", "[5.9,3.0,4.2,1.5]", "[4.9,3.0,1.4,0.2]"};
    String[] expected = new String[rows.length];
    for (int r = 0; r < rows.length; r++) {
      expected[r] = HTTP.send(post("/v2/models/demo/infer", ROW.replace("[5.1,3.5,1.4,0.2]", rows[r])).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    }
    // many at once over separate connections, so the I/O threads read several per burst; one malformed among them
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> sent = new java.util.ArrayList<>();
    HttpClient[] clients = new HttpClient[16];
    for (int i = 0; i < clients.length; i++) {
      clients[i] = HttpClient.newHttpClient();
    }
    for (int i = 0; i < 400; i++) {
      String body = i == 200 ? "{\"inputs\": [" : ROW.replace("[5.1,3.5,1.4,0.2]", rows[i % rows.length]);
      sent.add(clients[i % clients.length].sendAsync(post("/v2/models/demo/infer", body)
          .header("X-Request-Id", "burst-" + i).build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < sent.size(); i++) {
      HttpResponse<String> r = sent.get(i).get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(r.headers().firstValue("X-Request-Id")).hasValue("burst-" + i);
      if (i == 200) {
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("malformed JSON");
      } else {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(expected[i % rows.length]);
      }
    }
  }

  @Test
  void theCallersRequestIdIsAnsweredAndAnInsaneOneReplaced() throws Exception {
    HttpResponse<String> sane = HTTP.send(post("/v2/models/demo/infer", ROW).header("X-Request-Id", "trace-42").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(sane.headers().firstValue("X-Request-Id")).hasValue("trace-42");
    HttpResponse<String> insane = HTTP.send(post("/v2/models/demo/infer", ROW).header("X-Request-Id", "a b;c").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(insane.headers().firstValue("X-Request-Id")).get().asString().matches("[0-9a-f-]{36}");
  }

  @Test
  void binaryExtensionAnswersAreTheSameOnBothPaths() throws Exception {
    String header = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],"
        + "\"parameters\":{\"binary_data_size\":16}}],"
        + "\"outputs\":[{\"name\":\"label\",\"parameters\":{\"binary_data\":true}},{\"name\":\"probabilities\"}]}";
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer body = ByteBuffer.allocate(json.length + 16).order(ByteOrder.LITTLE_ENDIAN);
    body.put(json).putFloat(5.1f).putFloat(3.5f).putFloat(1.4f).putFloat(0.2f);
    HttpResponse<byte[]> routed = HTTP.send(binary(body.array(), json.length, false), HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<byte[]> jaxrs = HTTP.send(binary(body.array(), json.length, true), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(routed.statusCode()).isEqualTo(200);
    assertThat(jaxrs.statusCode()).isEqualTo(200);
    assertThat(routed.body()).isEqualTo(jaxrs.body());
    assertThat(routed.headers().firstValue("Inference-Header-Content-Length"))
        .isEqualTo(jaxrs.headers().firstValue("Inference-Header-Content-Length"));
    assertThat(routed.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/octet-stream"));
  }

  @Test
  void aMalformedBinaryHeaderIsLeftToJaxRsAndAnswered400() throws Exception {
    HttpResponse<String> r = HTTP.send(post("/v2/models/demo/infer", ROW).header("Inference-Header-Content-Length", "-3")
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("Inference-Header-Content-Length must be a non-negative integer");
  }

  @Test
  void aFormEncodedBodyIsLeftToJaxRsAndAnswered415() throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/v2/models/demo/infer"))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(ROW))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(r.body()).contains("curl: add -H 'Content-Type: application/json'");
  }

  private void assertAlike(String path, String body, int status) throws Exception {
    HttpResponse<String> routed = HTTP.send(post(path, body).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> jaxrs = HTTP.send(chunked(path, body), HttpResponse.BodyHandlers.ofString());
    assertThat(routed.statusCode()).as(path + " " + body).isEqualTo(status);
    assertThat(jaxrs.statusCode()).as(path + " " + body).isEqualTo(status);
    assertThat(routed.body()).isEqualTo(jaxrs.body());
    assertThat(routed.body()).contains(status == 200 ? "\"outputs\"" : "\"error\"");
    assertThat(contentType(routed)).isEqualTo(contentType(jaxrs)).isEqualTo("application/json");
    assertThat(routed.headers().firstValue("X-Request-Id")).isPresent();
    assertThat(jaxrs.headers().firstValue("X-Request-Id")).isPresent();
  }

  private static String contentType(HttpResponse<?> r) {
    return r.headers().firstValue("Content-Type").orElse("").split(";")[0];
  }

  private HttpRequest.Builder post(String path, String body) {
    return HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  /** The same request without a Content-Length (an unknown-length body goes chunked), which the route declines. */
  private HttpRequest chunked(String path, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))).build();
  }

  private HttpRequest binary(byte[] body, int jsonLength, boolean chunked) {
    byte[] copy = Arrays.copyOf(body, body.length);
    return HttpRequest.newBuilder(uri("/v2/models/demo/infer"))
        .header("Content-Type", "application/octet-stream")
        .header("Inference-Header-Content-Length", Integer.toString(jsonLength))
        .POST(chunked ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(copy))
            : HttpRequest.BodyPublishers.ofByteArray(copy))
        .build();
  }

  private URI uri(String path) {
    return URI.create(base.toString().replaceAll("/$", "") + path);
  }
}
