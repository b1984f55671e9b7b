package dev.pier.endpoints.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP plumbing the test stand-ins of AWS APIs share (SageMaker, Application Auto Scaling, ECS): AWS JSON 1.1 on
 * loopback — {@code POST /} with {@code X-Amz-Target: <Service>.<Operation>} and a JSON body, answered with JSON, or
 * with a 400 carrying {@code __type} and {@code message} (and {@code x-amzn-ErrorType}) as AWS answers a failure,
 * which the SDK turns into the service's exception. Every operation is recorded. A stand-in supplies only what its
 * operations answer ({@link Operations}); {@link #route} serves another protocol on the same port (CloudWatch's CBOR).
 */
final class AwsJsonStandIn implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;
  private final Operations operations;
  /** Every operation asked, in order (guarded by itself). */
  final List<String> recorded = new ArrayList<>();

  /** What one stand-in answers. */
  interface Operations {
    /**
     * The answer to {@code operation} with request {@code body}.
     *
     * @throws Failure to answer as AWS answers a refused call
     */
    ObjectNode answer(String operation, JsonNode body) throws IOException;
  }

  /** A refused call: {@code type} is the AWS error code the SDK maps to its exception, e.g. ValidationException. */
  static final class Failure extends RuntimeException {
    final String type;

    Failure(String type, String message) {
      super(message, null, false, false);
      this.type = type;
    }
  }

  AwsJsonStandIn(Operations operations) throws IOException {
    this.operations = operations;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/", this::handle);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Serves requests under {@code pathPrefix} with {@code handler} instead (another protocol on the same port). */
  void route(String pathPrefix, HttpHandler handler) {
    server.createContext(pathPrefix, handler);
  }

  void record(String operation) {
    synchronized (recorded) {
      recorded.add(operation);
    }
  }

  /** How many times {@code operation} was asked. */
  long count(String operation) {
    synchronized (recorded) {
      return recorded.stream().filter(operation::equals).count();
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
      JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
      String op = target == null ? "" : target.substring(target.indexOf('.') + 1);
      record(op);
      ObjectNode out;
      try {
        out = operations.answer(op, body);
      } catch (Failure f) {
        ex.getResponseHeaders().set("x-amzn-ErrorType", f.type);
        send(ex, 400, JSON.createObjectNode().put("__type", f.type).put("message", f.getMessage()).toString());
        return;
      }
      send(ex, 200, out.toString());
    }
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
