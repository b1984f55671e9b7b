package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every JSON body is bounded by its route's limit while it is read, nested at most 64 levels, and free of duplicate
 * keys, whichever parser reads it; each rule broken is a 4xx naming it, never a 500.
 */
@QuarkusTest
class RequestBodiesTest {
  private static final String DEEP = "[".repeat(5000) + "]".repeat(5000);
  private static final String NESTING = "nested deeper than 64 levels";

  private static String fresh() {
    return "b-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** The status line and what the server sent before closing, after writing {@code head} and up to {@code body}. */
  private static String exchange(String head, byte[] body) throws IOException {
    try (Socket socket = new Socket("localhost", RestAssured.port)) {
      socket.setSoTimeout(60_000); // a server that waits for the whole body never answers: fail, do not hang
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      return readAnswer(socket.getInputStream());
    }
  }

  private static String readAnswer(InputStream in) throws IOException {
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      for (int n; (n = in.read(buffer)) > 0; ) {
        answer.write(buffer, 0, n);
      }
    } catch (IOException e) {
      // the server closes instead of reading the rest of the body: a reset after the answer is expected
    }
    return answer.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aContentLengthOverTheControlPlaneLimitIsA413BeforeTheBodyIsSent() throws IOException {
    String answer = exchange("PUT /api/v1/models/demo/aliases/x HTTP/1.1\r\nHost: localhost\r\n"
        + "Content-Type: application/json\r\nContent-Length: 104857600\r\n\r\n", "[".repeat(1024).getBytes());
    assertThat(answer).startsWith("HTTP/1.1 413")
        .contains("request body of 104857600 bytes exceeds the limit of 1048576 bytes");
  }

  @Test
  void anInferenceBodyOverItsLimitIsA413InTheProtocolsErrorForm() throws IOException {
    String answer = exchange("POST /v2/models/demo/infer HTTP/1.1\r\nHost: localhost\r\n"
        + "Content-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n", "{".getBytes());
    assertThat(answer).startsWith("HTTP/1.1 413").contains("{\"error\":\"request body of 1073741824 bytes exceeds"
        + " the limit of 33554432 bytes");
  }

  @Test
  void aChunkedBodyIsCountedAsItStreamsAndRefusedOncePastTheLimitWithoutReadingTheRest() throws IOException {
    long sent = 0;
    String answer;
    try (Socket socket = new Socket("localhost", RestAssured.port)) {
      socket.setSoTimeout(60_000); // a server that waits for the whole body never answers: fail, do not hang
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write(("POST /api/2.0/mlflow/registered-models/create HTTP/1.1\r\nHost: localhost\r\n"
          + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = " ".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
      byte[] size = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
      try {
        // up to 100 MB, stopping as soon as the server answers
        while (sent < 100L << 20 && in.available() == 0) {
          out.write(size);
          out.write(chunk);
          out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          sent += chunk.length;
        }
      } catch (IOException e) {
        // the server closed the connection after its answer
      }
      answer = readAnswer(in);
    }
    assertThat(answer).startsWith("HTTP/1.1 413").contains("exceeds the limit of 1048576 bytes")
        .contains("\"error_code\":\"INVALID_PARAMETER_VALUE\"");
    assertThat(sent).as("bytes the client got to send").isLessThan(100L << 20);
  }

  @Test
  void aChunkedBodyWithinTheLimitReachesTheResource() throws IOException {
    String name = fresh();
    String json = "{\"name\":\"" + name + "\"}";
    String answer = exchange("POST /api/2.0/mlflow/registered-models/create HTTP/1.1\r\nHost: localhost\r\n"
        + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        (Integer.toHexString(json.length()) + "\r\n" + json + "\r\n0\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    assertThat(answer).startsWith("HTTP/1.1 200").contains("\"name\":\"" + name + "\"");
  }

  /** Deep bodies go by the JDK's client: RestAssured takes seconds to send 10,000 brackets. */
  private static HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + path))
        .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static void assertRefused(HttpResponse<String> response, String problem) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.body()).contains(problem);
  }

  @Test
  void deepNestingIsA400OnTheInferenceIoThreadPath() throws Exception {
    assertRefused(send("POST", "/v2/models/demo/infer", "{\"inputs\":" + DEEP + "}"), NESTING);
  }

  @Test
  void deepNestingIsA400OnTheInferenceWorkerPath() throws Exception {
    // over 64 KiB, so JAX-RS on a worker thread reads it rather than the I/O-thread route
    String padded = "{\"inputs\":" + DEEP + " ".repeat(70_000) + "}";
    assertRefused(send("POST", "/v2/models/demo/versions/production/infer", padded), NESTING);
  }

  @Test
  void deepNestingIsA400OnTheControlPlaneAndThePredictApi() throws Exception {
    assertRefused(send("PUT", "/api/v1/models/demo/aliases/x", "{\"version\":" + DEEP + "}"), NESTING);
    assertRefused(send("POST", "/api/v1/models/demo/predict", "{\"instances\":" + DEEP + "}"), NESTING);
    assertRefused(send("POST", "/api/v1/batch-jobs", "{\"model\":" + DEEP + "}"), NESTING);
    assertRefused(send("POST", "/api/2.0/mlflow/registered-models/create", "{\"name\":" + DEEP + "}"), NESTING);
  }

  @Test
  void aDuplicateKeyIsA400NamingTheKeyOnEveryParser() {
    given().contentType(ContentType.JSON).body("{\"name\":\"a\",\"name\":\"b\"}")
        .post("/api/2.0/mlflow/registered-models/create")
        .then().statusCode(400).body("message", containsString("duplicate key 'name'"));
    given().contentType(ContentType.JSON).body("{\"url\":\"http://localhost:1/a\",\"url\":\"http://localhost:1/b\"}")
        .post("/api/v1/webhooks").then().statusCode(400).body("detail", containsString("duplicate key 'url'"));
    given().contentType(ContentType.JSON).body("{\"filename\":\"a.onnx\",\"filename\":\"b.onnx\"}")
        .post("/api/v1/models/demo/uploads").then().statusCode(400)
        .body("detail", containsString("duplicate key 'filename'"));
    given().contentType(ContentType.JSON).body("{\"description\":\"a\",\"description\":\"b\"}")
        .patch("/api/v1/models/demo/versions/1").then().statusCode(400)
        .body("detail", containsString("duplicate key 'description'"));
    given().contentType(ContentType.JSON).body("{\"model\":\"demo\",\"model\":\"demo\"}")
        .post("/api/v1/batch-jobs").then().statusCode(400).body("detail", containsString("duplicate key 'model'"));
    given().contentType(ContentType.JSON).body("{\"version\":1,\"version\":2}").put("/api/v1/models/demo/aliases/x")
        .then().statusCode(400).body("detail", containsString("duplicate key 'version'"));
  }

  @Test
  void aDuplicateKeyInAStreamedRowIsThatRowsErrorNamingTheKey() {
    String answer = given().contentType(dev.pier.api.inference.PredictStreamResource.NDJSON)
        .body("{\"input\":[5.1,3.5,1.4,0.2],\"input\":[1,2,3,4]}\n".getBytes(StandardCharsets.UTF_8))
        .post("/api/v1/models/demo/predict-stream").then().statusCode(200).extract().asString();
    assertThat(answer).contains("\"error\":\"malformed JSON row: duplicate key 'input'");
  }

  @Test
  void aModelCardSizedDescriptionInTheMetadataPartIsAccepted() {
    String description = "d".repeat(2100);
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\",\"description\":\"" + description + "\"}")
        .post("/api/v1/models/" + fresh() + "/versions")
        .then().statusCode(201).body("description", equalTo(description));
  }

  @Test
  void anFp32ValueBeyondItsRangeIsA400NamingTheInputOnBothInferencePaths() {
    String body = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1e308,1,1,1]}]}";
    given().contentType(ContentType.JSON).body(body).post("/v2/models/demo/infer")
        .then().statusCode(400).body("error", containsString("input 'input': data[0] must be a number in"));
    given().contentType(ContentType.JSON).body(body + " ".repeat(70_000)).post("/v2/models/demo/infer")
        .then().statusCode(400).body("error", containsString("input 'input': data[0] must be a number in"));
  }

  @Test
  void anFp32ValueBeyondItsRangeInAStreamedRowIsThatRowsErrorNotANull() {
    String answer = given().contentType(dev.pier.api.inference.PredictStreamResource.NDJSON)
        .body("{\"input\":[1e308,3.5,1.4,0.2]}\n".getBytes(StandardCharsets.UTF_8))
        .post("/api/v1/models/demo/predict-stream").then().statusCode(200).extract().asString();
    assertThat(answer).contains("\"error\":\"input 'input' takes numbers in FP32's range");
  }
}
