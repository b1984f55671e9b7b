package dev.pier.endpoints.local;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pier.kernel.PierException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the SageMaker runtime API on loopback, so endpoint-placed models work in local mode through the
 * real {@code SageMakerRuntimeClient}: {@code POST /endpoints/{name}/invocations} runs the handler hosted under that
 * name (in local mode, the model on the CPU). Failures come back the way SageMaker reports them — a handler's
 * 4xx as a {@code ModelError} (424) carrying the original status and message, an unknown endpoint as a
 * {@code ValidationError} (400) — so the client's error mapping is exercised as in AWS. Signatures are not checked.
 */
public final class LocalSageMakerRuntime implements AutoCloseable {
  private static final Pattern INVOKE = Pattern.compile("/endpoints/([^/]+)/invocations");
  private final HttpServer server;
  private final ExecutorService pool;
  private final Map<String, Function<byte[], byte[]>> endpoints = new ConcurrentHashMap<>();

  private LocalSageMakerRuntime(HttpServer server, ExecutorService pool) {
    this.server = server;
    this.pool = pool;
  }

  /** Starts on {@code port} (0 for any free one). */
  public static LocalSageMakerRuntime start(int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    ExecutorService pool = Executors.newFixedThreadPool(8, Thread.ofPlatform().daemon().name("sagemaker-local-", 0).factory());
    LocalSageMakerRuntime runtime = new LocalSageMakerRuntime(server, pool);
    server.createContext("/", runtime::handle);
    server.setExecutor(pool);
    server.start();
    return runtime;
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Hosts {@code handler} as endpoint {@code name}; it takes the request body and returns the response body. */
  public void host(String name, Function<byte[], byte[]> handler) {
    endpoints.put(name, handler);
  }

  public boolean hosts(String name) {
    return endpoints.containsKey(name);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Matcher m = INVOKE.matcher(exchange.getRequestURI().getRawPath());
      if (!"POST".equals(exchange.getRequestMethod()) || !m.matches()) {
        error(exchange, 404, "UnknownOperationException", "unknown operation " + exchange.getRequestMethod()
            + " " + exchange.getRequestURI().getPath(), null);
        return;
      }
      String name = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
      Function<byte[], byte[]> handler = endpoints.get(name);
      if (handler == null) {
        error(exchange, 400, "ValidationError", "Endpoint " + name + " of account 000000000000 not found.", null);
        return;
      }
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      byte[] answer;
      try {
        answer = handler.apply(body);
      } catch (PierException e) {
        String original = JsonNodeFactory.instance.objectNode().put("error", e.getMessage()).toString();
        error(exchange, 424, "ModelError", "Received client error (" + e.status() + ") from primary with message \""
            + original + "\".", Map.entry(e.status(), original));
        return;
      } catch (RuntimeException e) {
        error(exchange, 424, "ModelError", "Received server error (500) from primary",
            Map.entry(500, String.valueOf(e.getMessage())));
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.getResponseHeaders().set("x-Amzn-Invoked-Production-Variant", "AllTraffic");
      exchange.sendResponseHeaders(200, answer.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(answer);
      }
    }
  }

  private static void error(HttpExchange exchange, int status, String type, String message,
      Map.Entry<Integer, String> original) throws IOException {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("message", message);
    if (original != null) {
      body.put("OriginalStatusCode", original.getKey());
      body.put("OriginalMessage", original.getValue());
    }
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set("x-amzn-ErrorType", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
