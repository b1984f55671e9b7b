package dev.pier.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.scheduler.SchedulerClient;

/**
 * EventBridge Scheduler's REST API for schedules at the HTTP level, as the real SDK client speaks it
 * ({@code POST|PUT|DELETE /schedules/<name>}, JSON bodies): every call recorded, answered with the schedule's ARN; a
 * create of a name created before is answered {@code ConflictException} (409) and a delete of a name deleted before
 * {@code ResourceNotFoundException} (404), as Scheduler answers them. It keeps no schedules and runs none. A test
 * stand-in: never shipped.
 */
public final class SchedulerStandIn implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One call as it arrived: method, path, query string (or null) and JSON body (or null when empty). */
  public record Call(String method, String path, String query, JsonNode body) {}

  /** Every call, in order. */
  public final List<Call> calls = new CopyOnWriteArrayList<>();
  private final HttpServer server;
  private final SchedulerClient client;

  public SchedulerStandIn() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/schedules/", this::handle);
    server.start();
    client = SchedulerClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.EU_WEST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b")))
        .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort())).build();
  }

  /** The SDK's Scheduler client, pointed at this stand-in. */
  public SchedulerClient client() {
    return client;
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] in = exchange.getRequestBody().readAllBytes();
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getPath();
    boolean again = calls.stream().anyMatch(c -> c.method().equals(method) && c.path().equals(path));
    calls.add(new Call(method, path, exchange.getRequestURI().getQuery(), in.length == 0 ? null : JSON.readTree(in)));
    int status = 200;
    String body = "{\"ScheduleArn\": \"arn:aws:scheduler:eu-west-1:1:schedule/default"
        + path.substring("/schedules".length()) + "\"}";
    if (again && method.equals("POST")) { // a schedule of that name exists
      status = 409;
      exchange.getResponseHeaders().add("x-amzn-ErrorType", "ConflictException");
      body = "{\"Message\": \"Schedule already exists.\"}";
    } else if (again && method.equals("DELETE")) { // deleted before
      status = 404;
      exchange.getResponseHeaders().add("x-amzn-ErrorType", "ResourceNotFoundException");
      body = "{\"Message\": \"Schedule does not exist.\"}";
    }
    byte[] out = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, out.length);
    exchange.getResponseBody().write(out);
    exchange.close();
  }

  @Override
  public void close() {
    client.close();
    server.stop(0);
  }
}
