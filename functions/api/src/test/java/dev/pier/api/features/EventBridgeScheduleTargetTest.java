package dev.pier.api.features;

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
 * The AWS side of materialization schedules: what the real Scheduler SDK client sends (recorded by a stand-in of
 * Scheduler's REST API) — the schedule's name, expression in UTC, state, and a target that invokes the feature worker
 * with the {@code materialize-incremental} event the worker's tasks read; disabling and deleting the same schedule.
 */
class EventBridgeScheduleTargetTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private record Call(String method, String path, String query, JsonNode body) {}

  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private SchedulerClient client;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/schedules/", exchange -> {
      byte[] in = exchange.getRequestBody().readAllBytes();
      calls.add(new Call(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
          exchange.getRequestURI().getQuery(), in.length == 0 ? null : JSON.readTree(in)));
      byte[] out = ("{\"ScheduleArn\": \"arn:aws:scheduler:eu-west-1:1:schedule/default"
          + exchange.getRequestURI().getPath().substring("/schedules".length()) + "\"}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, out.length);
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
  void eachScheduleInvokesTheFeatureWorkerWithAnIncrementalJobOfItsViews() throws Exception {
    var target = new EventBridgeScheduleTarget(client, "arn:aws:lambda:eu-west-1:1:function:pier-dev-feature-worker",
        "arn:aws:iam::1:role/pier-dev-feature-schedules", "default");
    MaterializationSchedule s = new MaterializationSchedule("fs-0123456789abcdef", List.of("driver_hourly_stats"),
        "cron(0 6 ? * MON-FRI *)", true, Instant.parse("2026-12-07T10:00:00Z"), null, null, null, null);

    target.created(s);
    target.enabled(s, false);
    target.deleted(s.id());

    assertThat(calls).extracting(Call::method).containsExactly("POST", "PUT", "DELETE");
    assertThat(calls).extracting(Call::path).containsOnly("/schedules/pier-fs-0123456789abcdef");
    JsonNode create = calls.get(0).body();
    assertThat(create.path("GroupName").asText()).isEqualTo("default");
    assertThat(create.path("ScheduleExpression").asText()).isEqualTo("cron(0 6 ? * MON-FRI *)");
    assertThat(create.path("ScheduleExpressionTimezone").asText()).isEqualTo("UTC");
    assertThat(create.path("State").asText()).isEqualTo("ENABLED");
    assertThat(create.path("ClientToken").asText()).isEqualTo(s.id());
    JsonNode t = create.path("Target");
    assertThat(t.path("Arn").asText()).endsWith(":function:pier-dev-feature-worker");
    assertThat(t.path("RoleArn").asText()).endsWith(":role/pier-dev-feature-schedules");
    JsonNode input = JSON.readTree(t.path("Input").asText());
    assertThat(input.path("action").asText()).isEqualTo("materialize-incremental"); // MaterializationTasks' action
    assertThat(input.path("feature_views")).hasSize(1);
    assertThat(input.path("feature_views").get(0).asText()).isEqualTo("driver_hourly_stats");
    assertThat(input.path("scheduled_time").asText()).isEqualTo("<aws.scheduler.scheduled-time>");
    JsonNode update = calls.get(1).body();
    assertThat(update.path("State").asText()).isEqualTo("DISABLED");
    assertThat(update.path("Target")).isEqualTo(t); // the same definition, paused
    assertThat(calls.get(2).query()).contains("groupName=default");
  }
}
