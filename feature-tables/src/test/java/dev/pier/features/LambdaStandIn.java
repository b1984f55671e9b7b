package dev.pier.features;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Lambda's {@code Invoke} API ({@code POST /2015-03-31/functions/{name}/invocations}) in front of one handler, as
 * Lambda's Java runtime calls it (bytes in, bytes out; a thrown error answered 200 with {@code X-Amz-Function-Error}
 * and {@code {"errorMessage", "errorType"}}), so the api's real SDK client reaches the worker's real handler. Test only.
 */
final class LambdaStandIn implements AutoCloseable {
  /** The handler's {@code handleRequest(InputStream, OutputStream)}. */
  interface Handler {
    void handleRequest(InputStream in, OutputStream out) throws IOException;
  }

  final List<String> invoked = new CopyOnWriteArrayList<>();
  /** The size of each invoke's payload. */
  final List<Integer> payloadBytes = new CopyOnWriteArrayList<>();
  private final HttpServer server;
  private volatile boolean down;

  LambdaStandIn(Handler handler) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/2015-03-31/functions/", exchange -> {
      byte[] request = exchange.getRequestBody().readAllBytes();
      if (down) {
        byte[] body = "{\"Type\":\"Service\",\"message\":\"Rate exceeded\"}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("X-Amzn-ErrorType", "TooManyRequestsException");
        exchange.sendResponseHeaders(429, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
        return;
      }
      invoked.add(exchange.getRequestURI().getPath());
      payloadBytes.add(request.length);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] body;
      try {
        handler.handleRequest(new ByteArrayInputStream(request), out);
        body = out.toByteArray();
        payloadBytes.add(body.length);
      } catch (Exception e) {
        exchange.getResponseHeaders().add("X-Amz-Function-Error", "Unhandled");
        body = error(e);
      }
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  /** While down, every invoke is refused (429), as a throttled function's. */
  void down(boolean down) {
    this.down = down;
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @Override
  public void close() {
    server.stop(0);
  }

  /** Lambda's error document for a thrown exception. */
  private static byte[] error(Exception e) {
    return DefinitionsParser.JSON.createObjectNode().put("errorMessage", String.valueOf(e.getMessage()))
        .put("errorType", e.getClass().getName()).toString().getBytes(StandardCharsets.UTF_8);
  }
}
