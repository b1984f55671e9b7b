package dev.pier.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Step Functions' StartExecution and StopExecution over its JSON 1.0 protocol, for the real SDK client: execution
 * names unique per machine (a second start of one is {@code ExecutionAlreadyExists}), a stop of an unknown execution
 * {@code ExecutionDoesNotExist}. It records each call and runs nothing. (In pier-batch's test-jar: training-jobs' tests
 * use it too.)
 */
public final class StepFunctionsStandIn implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** {@code {"target": "AWSStepFunctions.StartExecution", "body": {...}}} per call, in order. */
  public final List<JsonNode> calls = new CopyOnWriteArrayList<>();
  private final Set<String> executions = ConcurrentHashMap.newKeySet();
  private final HttpServer server;

  public StepFunctionsStandIn() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      JsonNode body = JSON.readTree(exchange.getRequestBody());
      calls.add(JSON.createObjectNode().put("target", target).set("body", body));
      String answer;
      int status = 200;
      if (target.endsWith(".StartExecution")) {
        String arn = body.get("stateMachineArn").asText().replace(":stateMachine:", ":execution:") + ":"
            + body.get("name").asText();
        if (executions.add(arn)) {
          answer = JSON.createObjectNode().put("executionArn", arn).put("startDate", Instant.now().getEpochSecond())
              .toString();
        } else {
          status = 400;
          answer = "{\"__type\":\"ExecutionAlreadyExists\",\"message\":\"Execution Already Exists: '" + arn + "'\"}";
        }
      } else if (target.endsWith(".StopExecution")) {
        String arn = body.get("executionArn").asText();
        if (executions.contains(arn)) {
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
  }

  /** The executions started (their ARNs): one per name, however often it was started. */
  public Set<String> executions() {
    return Set.copyOf(executions);
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** The calls of one operation ({@code StartExecution}, {@code StopExecution}). */
  public List<JsonNode> calls(String operation) {
    return calls.stream().filter(c -> c.path("target").asText().endsWith("." + operation))
        .map(c -> c.path("body")).toList();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
