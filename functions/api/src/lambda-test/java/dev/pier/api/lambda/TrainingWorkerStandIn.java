package dev.pier.api.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.training.jobs.TrainingWorkerHandler;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What stands behind the API Lambda's training routes in {@link LambdaTrainingRoutesTest}: one HTTP endpoint speaking
 * Lambda's {@code Invoke} (the training worker function, whose payload goes to the real
 * {@link TrainingWorkerHandler} in this process, as Lambda's runtime would call it) and Step Functions'
 * {@code StartExecution}/{@code StopExecution} (JSON 1.0, names unique per machine, calls recorded; runs nothing).
 * The worker is wired from its environment ({@link #ENV}) over the app's DynamoDB and S3 stand-ins once the test
 * hands them over ({@link #use}).
 */
public class TrainingWorkerStandIn implements QuarkusTestResourceLifecycleManager {
  static final String FUNCTION = "pier-test-training-worker";
  static final String MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:pier-test-training";
  static final Map<String, String> ENV = Map.of("PIER_JOBS_TABLE", "trn-jobs", "PIER_TRAINING_BUCKET", "trn-data",
      "PIER_REGISTRY_TABLE", "trn-registry", "PIER_ARTIFACTS_BUCKET", "trn-artifacts",
      "PIER_SAGEMAKER_XGBOOST_IMAGE", "xgboost:latest", "PIER_TRAINING_STATE_MACHINE_ARN", MACHINE);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Step Functions calls: {@code {"target", "body"}}, in order. */
  static final List<JsonNode> SFN_CALLS = new CopyOnWriteArrayList<>();
  /** The payloads the worker function was invoked with, in order. */
  static final List<JsonNode> INVOCATIONS = new CopyOnWriteArrayList<>();
  private static final Set<String> EXECUTIONS = ConcurrentHashMap.newKeySet();
  private static volatile TrainingWorkerHandler worker;
  private static volatile URI endpoint;
  private HttpServer server;

  /**
   * Wires the worker over {@code aws} (the app's stand-ins), once, and records the dataset at {@code datasetUri}
   * through it (what a first submit would do: loading DuckDB and profiling the files takes long on a loaded machine,
   * longer than the test client waits).
   */
  static synchronized void use(AwsClients aws, String datasetUri) throws IOException {
    if (worker == null) {
      worker = new TrainingWorkerHandler(TrainingWorkerHandler.fromEnvironment(ENV, aws, endpoint));
      var event = JSON.createObjectNode();
      event.putObject("route").put("method", "POST").put("path", "/api/v1/datasets")
          .put("body", JSON.createObjectNode().put("uri", datasetUri).toString());
      event.putObject("caller").put("principal", "test").putArray("grants").add("features_write:*");
      var out = new ByteArrayOutputStream();
      long started = System.nanoTime();
      worker.handleRequest(new ByteArrayInputStream(JSON.writeValueAsBytes(event)), out);
      JsonNode answer = JSON.readTree(out.toByteArray());
      System.out.printf("training worker: dataset recorded in %.1f s: %s%n", (System.nanoTime() - started) / 1e9,
          answer.path("status"));
      if (answer.path("status").asInt() != 201) {
        throw new IllegalStateException("the worker did not record the dataset: " + answer);
      }
    }
  }

  @Override
  public Map<String, String> start() {
    // the worker, answering an Invoke, calls Step Functions on this same server
    server = LambdaInvokeAnswer.listen(this::serve);
    endpoint = LambdaInvokeAnswer.endpoint(server);
    return Map.of("pier.training.worker-function", FUNCTION, "pier.training.worker-endpoint", endpoint.toString());
  }

  @Override
  public void stop() {
    server.stop(0);
  }

  private void serve(HttpExchange exchange) throws IOException {
    byte[] in = exchange.getRequestBody().readAllBytes();
    String path = exchange.getRequestURI().getPath();
    if (path.equals(LambdaInvokeAnswer.path(FUNCTION))) {
      INVOCATIONS.add(JSON.readTree(in));
      LambdaInvokeAnswer.answer(exchange, in, worker::handleRequest);
      return;
    }
    if (path.startsWith("/2015-03-31/functions/")) {
      LambdaInvokeAnswer.notFound(exchange, path);
      return;
    }
    int status = 200;
    String answer;
    String target = String.valueOf(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
    JsonNode body = JSON.readTree(in);
    SFN_CALLS.add(JSON.createObjectNode().put("target", target).set("body", body));
    if (target.endsWith(".StartExecution")) {
      String arn = body.path("stateMachineArn").asText().replace(":stateMachine:", ":execution:") + ":"
          + body.path("name").asText();
      if (EXECUTIONS.add(arn)) {
        answer = JSON.createObjectNode().put("executionArn", arn).put("startDate", Instant.now().getEpochSecond())
            .toString();
      } else {
        status = 400;
        answer = "{\"__type\":\"ExecutionAlreadyExists\",\"message\":\"Execution Already Exists\"}";
      }
    } else if (target.endsWith(".StopExecution") && EXECUTIONS.contains(body.path("executionArn").asText())) {
      answer = JSON.createObjectNode().put("stopDate", Instant.now().getEpochSecond()).toString();
    } else {
      status = 400;
      answer = "{\"__type\":\"ExecutionDoesNotExist\",\"message\":\"Execution Does Not Exist\"}";
    }
    exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
    LambdaInvokeAnswer.send(exchange, status, answer);
  }

  /** The Step Functions calls of one operation ({@code StartExecution}, {@code StopExecution}): their bodies. */
  static List<JsonNode> sfn(String operation) {
    return SFN_CALLS.stream().filter(c -> c.path("target").asText().endsWith("." + operation))
        .map(c -> c.path("body")).toList();
  }
}
