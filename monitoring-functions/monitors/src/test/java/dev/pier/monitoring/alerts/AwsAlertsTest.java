package dev.pier.monitoring.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.monitoring.MonitoringJson;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * Alerts to SNS and EventBridge through the real SDK clients. Neither service has a local stand-in, so an HTTP server
 * in the test plays both at the wire level (SNS's query protocol, EventBridge's JSON 1.1) and records what arrived.
 */
class AwsAlertsTest {
  private static final String TOPIC = "arn:aws:sns:eu-west-1:123456789012:pier-alerts";
  private HttpServer server;
  private final List<String[]> requests = new CopyOnWriteArrayList<>(); // target, body
  private AwsClients clients;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      requests.add(new String[] {target == null ? "sns-query" : target, body});
      byte[] answer;
      if (target == null) {
        exchange.getResponseHeaders().add("Content-Type", "text/xml");
        answer = ("<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult><MessageId>"
            + "m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>"
            + "</PublishResponse>").getBytes(StandardCharsets.UTF_8);
      } else if (target.startsWith("AmazonSNS")) {
        exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
        answer = "{\"MessageId\":\"m-1\"}".getBytes(StandardCharsets.UTF_8);
      } else {
        exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
        answer = "{\"FailedEntryCount\":0,\"Entries\":[{\"EventId\":\"e-1\"}]}".getBytes(StandardCharsets.UTF_8);
      }
      exchange.sendResponseHeaders(200, answer.length);
      exchange.getResponseBody().write(answer);
      exchange.close();
    });
    server.start();
    clients = new AwsClients(new AwsSettings("eu-west-1", null, null, "test", "test"));
  }

  @AfterEach
  void stop() {
    clients.close();
    server.stop(0);
  }

  private static Alert alert(String column) {
    return new Alert("m-1", "w-1765018800", "fraud", 3, Instant.parse("2026-12-06T10:00:00Z"),
        Instant.parse("2026-12-06T11:00:00Z"), "column_drift", column, 0.001, "p < 0.05",
        "fraud v3: column " + column + " drifted (ks)", "/api/v1/monitors/m-1/runs/w-1765018800");
  }

  @Test
  void eachAlertIsPublishedToTheMonitorsTopicAndPutOnTheBus() {
    URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    SnsClient sns = clients.client(SnsClient.builder(), endpoint);
    EventBridgeClient events = clients.client(EventBridgeClient.builder(), endpoint);
    new AwsAlerts(sns, events, "pier-bus", MonitoringJson.MAPPER)
        .deliver(List.of(alert("amount"), alert("country")), new AlertTargets(true, TOPIC));

    List<String[]> published = requests.stream().filter(r -> !r[0].startsWith("AWSEvents")).toList();
    assertThat(published).hasSize(2);
    String first = URLDecoder.decode(published.getFirst()[1], StandardCharsets.UTF_8);
    assertThat(first).contains(TOPIC).contains("fraud v3: column amount drifted (ks)")
        .contains("\"link\":\"/api/v1/monitors/m-1/runs/w-1765018800\"");
    List<String[]> put = requests.stream().filter(r -> r[0].equals("AWSEvents.PutEvents")).toList();
    assertThat(put).singleElement().satisfies(r -> assertThat(r[1]).contains("\"Source\":\"pier.monitoring\"")
        .contains("\"DetailType\":\"monitor.alert\"").contains("\"EventBusName\":\"pier-bus\"")
        .contains("country"));
  }

  @Test
  void withoutATopicOrABusNothingIsSentAndAFailingServiceDoesNotThrow() {
    URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    new AwsAlerts(clients.client(SnsClient.builder(), endpoint), null, null, MonitoringJson.MAPPER)
        .deliver(List.of(alert("amount")), AlertTargets.DEFAULT);
    assertThat(requests).isEmpty();
    server.stop(0);
    new AwsAlerts(clients.client(SnsClient.builder(), endpoint), clients.client(EventBridgeClient.builder(), endpoint),
        "pier-bus", MonitoringJson.MAPPER).deliver(List.of(alert("amount")), new AlertTargets(true, TOPIC));
  }
}
