package dev.pier.api.lambda;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * Lambda's {@code Invoke} answered by a worker handler in this process, as Lambda's runtime calls it: the payload in,
 * the handler's output as the answer, an exception as Lambda reports an unhandled one ({@code X-Amz-Function-Error}).
 * The stand-ins behind the API Lambda's hand-offs ({@link TrainingWorkerStandIn}, {@link FeatureWorkerStandIn}) share it.
 */
final class LambdaInvokeAnswer {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A worker's {@code handleRequest(InputStream, OutputStream)}. */
  @FunctionalInterface
  interface Handler {
    void handleRequest(InputStream input, OutputStream output) throws IOException;
  }

  private LambdaInvokeAnswer() {}

  /**
   * An HTTP server on a free local port answering with {@code handler}, on more than one thread: a worker answering an
   * invoke may call another service on the same server.
   */
  static HttpServer listen(HttpHandler handler) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", handler);
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
    return server;
  }

  /** The server's address as an endpoint to point an SDK client at. */
  static URI endpoint(HttpServer server) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** The path Lambda's SDK invokes {@code function} at. */
  static String path(String function) {
    return "/2015-03-31/functions/" + function + "/invocations";
  }

  /** Answers the invocation whose payload is {@code in} with {@code handler}'s output (status 200, as Lambda does). */
  static void answer(HttpExchange exchange, byte[] in, Handler handler) throws IOException {
    var out = new ByteArrayOutputStream();
    String answer;
    try {
      handler.handleRequest(new ByteArrayInputStream(in), out);
      answer = out.toString(StandardCharsets.UTF_8);
    } catch (RuntimeException e) {
      exchange.getResponseHeaders().add("X-Amz-Function-Error", "Unhandled");
      answer = JSON.createObjectNode().put("errorMessage", String.valueOf(e.getMessage()))
          .put("errorType", e.getClass().getName()).toString();
    }
    send(exchange, 200, answer);
  }

  /** A 404 as Lambda answers an invocation of a function it does not have. */
  static void notFound(HttpExchange exchange, String path) throws IOException {
    exchange.getResponseHeaders().add("X-Amzn-ErrorType", "ResourceNotFoundException");
    send(exchange, 404, "{\"Type\":\"User\",\"message\":\"Function not found: " + path + "\"}");
  }

  static void send(HttpExchange exchange, int status, String answer) throws IOException {
    byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }
}
