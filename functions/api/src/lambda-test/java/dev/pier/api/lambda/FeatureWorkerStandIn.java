package dev.pier.api.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pier.features.FeatureWorkerHandler;
import dev.pier.kernel.aws.AwsClients;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What stands behind the API Lambda's feature hand-off in {@link LambdaFeatureHandOffTest}: an HTTP endpoint speaking
 * Lambda's {@code Invoke} for the feature worker function, whose payload goes to the real {@link FeatureWorkerHandler}
 * in this process (with DuckDB, which is on the test class path only), as Lambda's runtime would call it. The worker is
 * built from its environment ({@link #ENV}: the app's own tables and staging bucket) over the app's DynamoDB and S3
 * stand-ins, once the test hands them over ({@link #use}), at its first invocation: its definitions are then read
 * after the test applied them.
 */
public class FeatureWorkerStandIn implements QuarkusTestResourceLifecycleManager {
  static final String FUNCTION = "pier-test-feature-worker";
  static final String STAGING = "pier-test-features-staging";
  static final Map<String, String> ENV = Map.of("PIER_FEATURES_TABLE", "pier-features",
      "PIER_FEATURES_ONLINE_TABLE", "pier-features-online", "PIER_FEATURES_STAGING_BUCKET", STAGING);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The payloads the worker function was invoked with, in order. */
  static final List<JsonNode> INVOCATIONS = new CopyOnWriteArrayList<>();
  private static volatile AwsClients aws;
  private static FeatureWorkerHandler worker;
  private HttpServer server;

  /** The app's clients, which the worker is built on. */
  static void use(AwsClients clients) {
    aws = clients;
  }

  private static synchronized FeatureWorkerHandler worker() {
    if (worker == null) {
      worker = FeatureWorkerHandler.fromEnvironment(ENV, aws);
    }
    return worker;
  }

  @Override
  public Map<String, String> start() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    server.createContext("/", this::serve);
    server.start();
    return Map.of("pier.features.worker-function", FUNCTION, "pier.features.staging-bucket", STAGING,
        "pier.features.worker-endpoint", "http://127.0.0.1:" + server.getAddress().getPort());
  }

  @Override
  public void stop() {
    server.stop(0);
  }

  private void serve(HttpExchange exchange) throws IOException {
    byte[] in = exchange.getRequestBody().readAllBytes();
    String path = exchange.getRequestURI().getPath();
    int status = 200;
    String answer;
    if (path.equals("/2015-03-31/functions/" + FUNCTION + "/invocations")) {
      INVOCATIONS.add(JSON.readTree(in));
      var out = new ByteArrayOutputStream();
      try {
        worker().handleRequest(new ByteArrayInputStream(in), out);
        answer = out.toString(StandardCharsets.UTF_8);
      } catch (RuntimeException e) { // as Lambda reports an unhandled exception
        exchange.getResponseHeaders().add("X-Amz-Function-Error", "Unhandled");
        answer = JSON.createObjectNode().put("errorMessage", String.valueOf(e.getMessage()))
            .put("errorType", e.getClass().getName()).toString();
      }
    } else {
      status = 404;
      answer = "{\"Type\":\"User\",\"message\":\"Function not found: " + path + "\"}";
      exchange.getResponseHeaders().add("X-Amzn-ErrorType", "ResourceNotFoundException");
    }
    byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }
}
