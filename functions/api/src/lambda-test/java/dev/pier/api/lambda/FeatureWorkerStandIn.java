package dev.pier.api.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pier.features.FeatureWorkerHandler;
import dev.pier.kernel.aws.AwsClients;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
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
    server = LambdaInvokeAnswer.listen(this::serve);
    return Map.of("pier.features.worker-function", FUNCTION, "pier.features.staging-bucket", STAGING,
        "pier.features.worker-endpoint", LambdaInvokeAnswer.endpoint(server).toString());
  }

  @Override
  public void stop() {
    server.stop(0);
  }

  private void serve(HttpExchange exchange) throws IOException {
    byte[] in = exchange.getRequestBody().readAllBytes();
    String path = exchange.getRequestURI().getPath();
    if (!path.equals(LambdaInvokeAnswer.path(FUNCTION))) {
      LambdaInvokeAnswer.notFound(exchange, path);
      return;
    }
    INVOCATIONS.add(JSON.readTree(in));
    LambdaInvokeAnswer.answer(exchange, in, (input, output) -> worker().handleRequest(input, output));
  }

}
