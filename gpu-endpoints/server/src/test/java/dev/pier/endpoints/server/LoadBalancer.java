package dev.pier.endpoints.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the ECS service's application load balancer does for the tests: each request goes, round robin, to one of the
 * registered targets (endpoint containers), whole (L7, so a kept-alive client connection is not pinned to a task);
 * a deregistered target gets no new requests while those it has finish. No target: 503, as an ALB answers.
 */
final class LoadBalancer implements AutoCloseable {
  private final List<URI> targets = new CopyOnWriteArrayList<>();
  private final AtomicInteger next = new AtomicInteger();
  private final java.util.concurrent.ConcurrentMap<URI, AtomicInteger> inFlight =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final HttpServer server;

  LoadBalancer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
    server.createContext("/", this::forward);
    server.setExecutor(executor);
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  void register(int port) {
    targets.add(URI.create("http://127.0.0.1:" + port));
  }

  synchronized void deregister(int port) {
    targets.remove(URI.create("http://127.0.0.1:" + port));
  }

  /** Waits until the requests sent to a deregistered target have been answered. */
  void awaitDrained(int port) throws InterruptedException {
    AtomicInteger n = inFlight.get(URI.create("http://127.0.0.1:" + port));
    long deadline = System.nanoTime() + java.time.Duration.ofMinutes(1).toNanos();
    while (n != null && n.get() > 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("target " + port + " still has " + n.get() + " requests after a minute");
      }
      Thread.sleep(2);
    }
  }

  private void forward(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readAllBytes();
      }
      URI chosen;
      AtomicInteger counter;
      synchronized (this) { // picked and counted at once, so a drain never misses a request on its way
        List<URI> now = List.copyOf(targets);
        if (now.isEmpty()) {
          send(ex, 503, "<html>503 Service Temporarily Unavailable</html>".getBytes());
          return;
        }
        chosen = now.get(Math.floorMod(next.getAndIncrement(), now.size()));
        counter = inFlight.computeIfAbsent(chosen, u -> new AtomicInteger());
        counter.incrementAndGet();
      }
      try {
        forward(ex, body, chosen.resolve(ex.getRequestURI()));
      } finally {
        counter.decrementAndGet();
      }
    }
  }

  private void forward(HttpExchange ex, byte[] body, URI target) throws IOException {
    HttpRequest.Builder r = HttpRequest.newBuilder(target).method(ex.getRequestMethod(),
        HttpRequest.BodyPublishers.ofByteArray(body));
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    if (type != null) {
      r.header("Content-Type", type);
    }
    HttpResponse<byte[]> answer;
    try {
      answer = http.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      send(ex, 502, "<html>502 Bad Gateway</html>".getBytes());
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      send(ex, 502, new byte[0]);
      return;
    }
    answer.headers().firstValue("Content-Type").ifPresent(t -> ex.getResponseHeaders().set("Content-Type", t));
    send(ex, answer.statusCode(), answer.body());
  }

  private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.close();
    http.close();
  }
}
