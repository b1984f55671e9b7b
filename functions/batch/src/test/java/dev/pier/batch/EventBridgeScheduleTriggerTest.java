package dev.pier.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.scheduler.SchedulerClient;

/**
 * Batch schedules in AWS through {@link SchedulerSchedules}, as the real Scheduler SDK client sends them to a stand-in
 * of Scheduler's REST API: the schedule starts the batch-scoring state machine with the schedule's id and Scheduler's
 * fire time; a create repeated after it landed (Scheduler answers {@code ConflictException}) and a delete of a schedule
 * already gone ({@code ResourceNotFoundException}) are not failures.
 */
class EventBridgeScheduleTriggerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private record Call(String method, String path, JsonNode body) {}

  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private SchedulerClient client;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/schedules/", exchange -> {
      byte[] in = exchange.getRequestBody().readAllBytes();
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      boolean again = calls.stream().anyMatch(c -> c.method().equals(method) && c.path().equals(path));
      calls.add(new Call(method, path, in.length == 0 ? null : JSON.readTree(in)));
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
    });
    server.start();
    client = SchedulerClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.EU_WEST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b")))
        .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort())).build();
  }

  @AfterEach
  void stop() {
    client.close();
    server.stop(0);
  }

  @Test
  void eachScheduleStartsTheStateMachineAndRepeatedWritesAreNoOps() throws Exception {
    var trigger = new EventBridgeScheduleTrigger(client, "arn:aws:states:eu-west-1:1:stateMachine:pier-dev-batch",
        "arn:aws:iam::1:role/pier-dev-batch-schedules", "pier-dev");
    BatchSchedule s = new BatchSchedule("bs-0123456789abcdef", "iris", "production",
        new S3Uri("batch", "incoming/iris.jsonl"), new S3Uri("batch", "outputs/"), InputFormat.JSONL, Priority.NORMAL,
        "rate(1 hour)", Instant.parse("2026-12-07T10:00:00Z"), null, null);

    trigger.created(s);
    trigger.created(s); // a retried request: Scheduler answers 409, the schedule is there
    trigger.deleted(s.id());
    trigger.deleted(s.id()); // gone already: 404

    assertThat(calls).extracting(Call::method).containsExactly("POST", "POST", "DELETE", "DELETE");
    assertThat(calls).extracting(Call::path).containsOnly("/schedules/pier-bs-0123456789abcdef");
    JsonNode create = calls.get(0).body();
    assertThat(create.path("GroupName").asText()).isEqualTo("pier-dev");
    assertThat(create.path("ScheduleExpression").asText()).isEqualTo("rate(1 hour)");
    assertThat(create.path("ScheduleExpressionTimezone").asText()).isEqualTo("UTC");
    assertThat(create.path("State").asText()).isEqualTo("ENABLED");
    assertThat(create.path("ClientToken").asText()).isEqualTo(s.id());
    JsonNode t = create.path("Target");
    assertThat(t.path("Arn").asText()).endsWith(":stateMachine:pier-dev-batch");
    assertThat(t.path("RoleArn").asText()).endsWith(":role/pier-dev-batch-schedules");
    assertThat(t.path("RetryPolicy").path("MaximumRetryAttempts").asInt()).isEqualTo(10);
    JsonNode input = JSON.readTree(t.path("Input").asText());
    assertThat(input.path("schedule_id").asText()).isEqualTo(s.id());
    assertThat(input.path("scheduled_time").asText()).isEqualTo("<aws.scheduler.scheduled-time>");
  }
}
