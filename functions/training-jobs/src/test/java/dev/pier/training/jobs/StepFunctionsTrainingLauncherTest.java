package dev.pier.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * Training jobs started in AWS: the real Step Functions client against an HTTP endpoint that speaks the service's
 * JSON 1.0 protocol and keeps execution names unique as Step Functions does.
 */
class StepFunctionsTrainingLauncherTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:pier-dev-training";

  private HttpServer server;
  private final List<JsonNode> calls = new CopyOnWriteArrayList<>();
  private final Set<String> names = ConcurrentHashMap.newKeySet();
  private SfnClient sfn;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      JsonNode body = JSON.readTree(exchange.getRequestBody());
      calls.add(JSON.createObjectNode().put("target", target).set("body", body));
      String answer;
      int status = 200;
      if (target.endsWith(".StartExecution")) {
        String arn = MACHINE.replace(":stateMachine:", ":execution:") + ":" + body.get("name").asText();
        if (names.add(body.get("name").asText())) {
          answer = JSON.createObjectNode().put("executionArn", arn).put("startDate", Instant.now().getEpochSecond())
              .toString();
        } else {
          status = 400;
          answer = "{\"__type\":\"ExecutionAlreadyExists\",\"message\":\"Execution Already Exists: '" + arn + "'\"}";
        }
      } else if (target.endsWith(".StopExecution")) {
        String arn = body.get("executionArn").asText();
        if (names.contains(arn.substring(arn.lastIndexOf(':') + 1))) {
          answer = JSON.createObjectNode().put("stopDate", Instant.now().getEpochSecond()).toString();
        } else {
          status = 400;
          answer = "{\"__type\":\"ExecutionDoesNotExist\",\"message\":\"Execution Does Not Exist: '" + arn + "'\"}";
        }
      } else {
        status = 400;
        answer = "{\"__type\":\"UnknownOperationException\"}";
      }
      byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
    sfn = SfnClient.builder().region(Region.US_EAST_1).httpClient(UrlConnectionHttpClient.create())
        .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .build();
  }

  @AfterEach
  void stop() {
    sfn.close();
    server.stop(0);
  }

  @Test
  void launchingAJobTwiceStartsOneExecutionNamedAfterIt() {
    var launcher = new StepFunctionsTrainingLauncher(sfn, MACHINE);
    launcher.start("tj-0001");
    launcher.start("tj-0001");
    assertThat(calls).hasSize(2);
    JsonNode first = calls.getFirst();
    assertThat(first.get("target").asText()).isEqualTo("AWSStepFunctions.StartExecution");
    assertThat(first.at("/body/stateMachineArn").asText()).isEqualTo(MACHINE);
    assertThat(first.at("/body/name").asText()).isEqualTo("tj-0001");
    assertThat(first.at("/body/input").asText()).isEqualTo("{\"job_id\":\"tj-0001\"}");
    assertThat(names).containsExactly("tj-0001");
  }

  @Test
  void aCancelStopsTheExecutionAndANeverStartedOneIsNoError() {
    var launcher = new StepFunctionsTrainingLauncher(sfn, MACHINE);
    launcher.start("tj-0002");
    launcher.stop("tj-0002");
    launcher.stop("tj-never");
    assertThat(calls.get(1).at("/body/executionArn").asText())
        .isEqualTo("arn:aws:states:us-east-1:123456789012:execution:pier-dev-training:tj-0002");
    assertThat(calls.get(1).at("/body/error").asText()).isEqualTo("Pier.Cancelled");
    assertThat(calls).hasSize(3);
  }
}
