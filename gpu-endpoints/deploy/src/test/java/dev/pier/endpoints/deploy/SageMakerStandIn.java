package dev.pier.endpoints.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A test-only stand-in for the SageMaker control-plane API at the HTTP level (AWS JSON 1.1: {@code POST /} with
 * {@code X-Amz-Target: SageMaker.<Operation>}), enough for models, endpoint configurations and endpoints: it keeps them
 * in memory, answers a Describe of something missing as SageMaker does ({@code ValidationException}
 * "Could not find …"), and moves an endpoint from Creating/Updating to InService on the next Describe (an update's configuration shows
 * once it is InService, as SageMaker reports the old one during the shift) — or, when {@link #rollBackNextUpdate} was
 * called, through RollingBack to InService on its old configuration with a failure reason, as an alarm during a
 * blue/green shift does ({@link #failNextCreate}: Creating to Failed). Describing an endpoint being updated shows the
 * configuration it moves to as PendingDeploymentSummary. It also answers Application Auto Scaling's
 * RegisterScalableTarget and PutScalingPolicy ({@code AnyScaleFrontendService.*}, same protocol) and keeps them. It
 * records every operation and the last UpdateEndpoint request. It does not
 * run containers, check IAM or model data, or time the traffic shift.
 */
public final class SageMakerStandIn implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;
  final Map<String, JsonNode> models = new ConcurrentHashMap<>();
  final Map<String, JsonNode> configs = new ConcurrentHashMap<>();
  final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
  final List<String> operations = new ArrayList<>();
  volatile JsonNode lastUpdate;
  /** Application Auto Scaling: scalable targets and policies by resource id. */
  public final Map<String, JsonNode> scalableTargets = new ConcurrentHashMap<>();
  final Map<String, JsonNode> scalingPolicies = new ConcurrentHashMap<>();
  private volatile String rollBackReason;
  private volatile String failCreateReason;

  static final class Endpoint {
    String config;
    String pendingConfig;
    String status;
    String failureReason;
  }

  public SageMakerStandIn() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/", this::handle);
    server.start();
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  void rollBackNextUpdate(String reason) {
    rollBackReason = reason;
  }

  /** The next endpoint created goes from Creating to Failed with {@code reason}, as one whose container fails does. */
  public void failNextCreate(String reason) {
    failCreateReason = reason;
  }

  /** The SageMaker operations recorded so far, of one name. */
  public long count(String operation) {
    synchronized (operations) {
      return operations.stream().filter(operation::equals).count();
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
      JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
      String op = target == null ? "" : target.substring(target.indexOf('.') + 1);
      synchronized (operations) {
        operations.add(op);
      }
      ObjectNode out = JSON.createObjectNode();
      switch (op) {
        case "RegisterScalableTarget" -> scalableTargets.put(body.path("ResourceId").asText(), body);
        case "PutScalingPolicy" -> {
          if (!scalableTargets.containsKey(body.path("ResourceId").asText())) {
            error(ex, "ObjectNotFoundException", "No scalable target registered for " + body.path("ResourceId"));
            return;
          }
          scalingPolicies.put(body.path("ResourceId").asText(), body);
          out.put("PolicyARN", "arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:pier");
        }
        case "CreateModel" -> {
          String name = body.path("ModelName").asText();
          if (models.putIfAbsent(name, body) != null) {
            error(ex, "ValidationException", "Cannot create already existing model");
            return;
          }
          out.put("ModelArn", "arn:aws:sagemaker:us-east-1:000000000000:model/" + name);
        }
        case "DescribeModel" -> {
          JsonNode m = models.get(body.path("ModelName").asText());
          if (m == null) {
            error(ex, "ValidationException", "Could not find model \"" + body.path("ModelName").asText() + "\".");
            return;
          }
          out.put("ModelName", m.path("ModelName").asText());
        }
        case "CreateEndpointConfig" -> {
          String name = body.path("EndpointConfigName").asText();
          if (!models.containsKey(body.path("ProductionVariants").path(0).path("ModelName").asText())) {
            error(ex, "ValidationException", "Could not find model for the production variant.");
            return;
          }
          if (configs.putIfAbsent(name, body) != null) {
            error(ex, "ValidationException", "Cannot create already existing endpoint configuration");
            return;
          }
          out.put("EndpointConfigArn", "arn:aws:sagemaker:us-east-1:000000000000:endpoint-config/" + name);
        }
        case "DescribeEndpointConfig" -> {
          JsonNode c = configs.get(body.path("EndpointConfigName").asText());
          if (c == null) {
            error(ex, "ValidationException", "Could not find endpoint configuration \""
                + body.path("EndpointConfigName").asText() + "\".");
            return;
          }
          out.put("EndpointConfigName", c.path("EndpointConfigName").asText());
        }
        case "CreateEndpoint" -> {
          String name = body.path("EndpointName").asText();
          Endpoint e = new Endpoint();
          e.config = body.path("EndpointConfigName").asText();
          e.status = "Creating";
          if (!configs.containsKey(e.config)) {
            error(ex, "ValidationException", "Could not find endpoint configuration \"" + e.config + "\".");
            return;
          }
          if (endpoints.putIfAbsent(name, e) != null) {
            error(ex, "ValidationException", "Cannot create already existing endpoint");
            return;
          }
          out.put("EndpointArn", "arn:aws:sagemaker:us-east-1:000000000000:endpoint/" + name);
        }
        case "UpdateEndpoint" -> {
          Endpoint e = endpoints.get(body.path("EndpointName").asText());
          if (e == null || !"InService".equals(e.status)) {
            error(ex, "ValidationException", e == null ? "Could not find endpoint." : "Cannot update in-progress endpoint");
            return;
          }
          lastUpdate = body;
          e.pendingConfig = body.path("EndpointConfigName").asText();
          e.status = "Updating";
          e.failureReason = null;
          out.put("EndpointArn", "arn:aws:sagemaker:us-east-1:000000000000:endpoint/" + body.path("EndpointName").asText());
        }
        case "DescribeEndpoint" -> {
          String name = body.path("EndpointName").asText();
          Endpoint e = endpoints.get(name);
          if (e == null) {
            error(ex, "ValidationException", "Could not find endpoint \"" + name + "\".");
            return;
          }
          synchronized (e) {
            out.put("EndpointName", name).put("EndpointConfigName", e.config).put("EndpointStatus", e.status)
                .put("EndpointArn", "arn:aws:sagemaker:us-east-1:000000000000:endpoint/" + name)
                .put("CreationTime", 1.7e9).put("LastModifiedTime", 1.7e9);
            if (e.failureReason != null) {
              out.put("FailureReason", e.failureReason);
            }
            if (e.pendingConfig != null) {
              out.putObject("PendingDeploymentSummary").put("EndpointConfigName", e.pendingConfig)
                  .put("StartTime", 1.7e9);
            }
            advance(e);
          }
        }
        default -> {
          error(ex, "UnknownOperationException", "unknown operation " + target);
          return;
        }
      }
      send(ex, 200, out.toString());
    }
  }

  /** One step of an endpoint's life per Describe. */
  private void advance(Endpoint e) {
    switch (e.status) {
      case "Creating" -> {
        String reason = failCreateReason;
        failCreateReason = null;
        e.status = reason == null ? "InService" : "Failed";
        e.failureReason = reason;
      }
      case "Updating" -> {
        String reason = rollBackReason;
        if (reason != null) {
          rollBackReason = null;
          e.status = "RollingBack";
          e.failureReason = reason;
        } else {
          e.config = e.pendingConfig;
          e.status = "InService";
        }
        e.pendingConfig = null;
      }
      case "RollingBack" -> e.status = "InService";
      default -> { }
    }
  }

  private static void error(HttpExchange ex, String type, String message) throws IOException {
    ex.getResponseHeaders().set("x-amzn-ErrorType", type);
    send(ex, 400, JSON.createObjectNode().put("__type", type).put("message", message).toString());
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
