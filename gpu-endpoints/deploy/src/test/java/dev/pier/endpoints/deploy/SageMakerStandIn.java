package dev.pier.endpoints.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.local.RpcV2CborHandler;
import dev.pier.local.RpcV2CborHandler.Answer;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A test-only stand-in for the SageMaker control-plane API at the HTTP level (AWS JSON 1.1 through {@link
 * AwsJsonStandIn}: {@code X-Amz-Target: SageMaker.<Operation>}), enough for models, endpoint configurations and endpoints: it keeps them
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
  private static final ObjectMapper JSON = AwsJsonStandIn.JSON;
  private final AwsJsonStandIn http;
  final Map<String, JsonNode> models = new ConcurrentHashMap<>();
  final Map<String, JsonNode> configs = new ConcurrentHashMap<>();
  final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
  final List<String> operations;
  volatile JsonNode lastUpdate;
  /** Application Auto Scaling: scalable targets and policies by resource id. */
  public final Map<String, JsonNode> scalableTargets = new ConcurrentHashMap<>();
  final Map<String, JsonNode> scalingPolicies = new ConcurrentHashMap<>();
  /** Step scaling policies by resource id (the target-tracking ones are in {@link #scalingPolicies}). */
  final Map<String, JsonNode> stepPolicies = new ConcurrentHashMap<>();
  /** Inference components by name: their create request, and their status. */
  final Map<String, JsonNode> components = new ConcurrentHashMap<>();
  final Map<String, String> componentStatus = new ConcurrentHashMap<>();
  /** CloudWatch alarms by name (PutMetricAlarm, Smithy RPC v2 CBOR as the SDK speaks it), as JSON. */
  final Map<String, JsonNode> alarms = new ConcurrentHashMap<>();
  private volatile String rollBackReason;
  private volatile String failCreateReason;

  static final class Endpoint {
    String config;
    String pendingConfig;
    String status;
    String failureReason;
  }

  public SageMakerStandIn() throws IOException {
    http = new AwsJsonStandIn(this::answer);
    http.route(RpcV2CborHandler.CLOUDWATCH_PATH, new RpcV2CborHandler(this::cloudWatch));
    operations = http.recorded;
  }

  public URI endpoint() {
    return http.endpoint();
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
    return http.count(operation);
  }

  private ObjectNode answer(String op, JsonNode body) {
    {
      ObjectNode out = JSON.createObjectNode();
      switch (op) {
        case "RegisterScalableTarget" -> scalableTargets.put(body.path("ResourceId").asText(), body);
        case "PutScalingPolicy" -> {
          if (!scalableTargets.containsKey(body.path("ResourceId").asText())) {
            throw new AwsJsonStandIn.Failure("ObjectNotFoundException", "No scalable target registered for " + body.path("ResourceId"));
          }
          (("StepScaling".equals(body.path("PolicyType").asText())) ? stepPolicies : scalingPolicies)
              .put(body.path("ResourceId").asText(), body);
          out.put("PolicyARN", "arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:"
              + body.path("ResourceId").asText() + ":policyName/" + body.path("PolicyName").asText());
        }
        case "CreateModel" -> {
          String name = body.path("ModelName").asText();
          if (models.putIfAbsent(name, body) != null) {
            throw new AwsJsonStandIn.Failure("ValidationException", "Cannot create already existing model");
          }
          out.put("ModelArn", "arn:aws:sagemaker:us-east-1:000000000000:model/" + name);
        }
        case "DescribeModel" -> {
          JsonNode m = models.get(body.path("ModelName").asText());
          if (m == null) {
            throw new AwsJsonStandIn.Failure("ValidationException", "Could not find model \"" + body.path("ModelName").asText() + "\".");
          }
          out.put("ModelName", m.path("ModelName").asText());
        }
        case "CreateEndpointConfig" -> {
          String name = body.path("EndpointConfigName").asText();
          JsonNode variant = body.path("ProductionVariants").path(0);
          if (variant.has("ModelName") ? !models.containsKey(variant.path("ModelName").asText())
              : !variant.has("ManagedInstanceScaling")) {
            throw new AwsJsonStandIn.Failure("ValidationException", "Could not find model for the production variant.");
          }
          if (variant.has("ManagedInstanceScaling") && variant.has("ModelName")) {
            throw new AwsJsonStandIn.Failure("ValidationException", "ManagedInstanceScaling is only supported for inference component"
                + " endpoints.");
          }
          if (!variant.has("ModelName") && !body.has("ExecutionRoleArn")) { // as SageMaker requires for components
            throw new AwsJsonStandIn.Failure("ValidationException", "ExecutionRoleArn is required for inference component endpoints.");
          }
          if (configs.putIfAbsent(name, body) != null) {
            throw new AwsJsonStandIn.Failure("ValidationException", "Cannot create already existing endpoint configuration");
          }
          out.put("EndpointConfigArn", "arn:aws:sagemaker:us-east-1:000000000000:endpoint-config/" + name);
        }
        case "DescribeEndpointConfig" -> {
          JsonNode c = configs.get(body.path("EndpointConfigName").asText());
          if (c == null) {
            throw new AwsJsonStandIn.Failure("ValidationException", "Could not find endpoint configuration \""
                + body.path("EndpointConfigName").asText() + "\".");
          }
          out.put("EndpointConfigName", c.path("EndpointConfigName").asText());
        }
        case "CreateEndpoint" -> {
          String name = body.path("EndpointName").asText();
          Endpoint e = new Endpoint();
          e.config = body.path("EndpointConfigName").asText();
          e.status = "Creating";
          if (!configs.containsKey(e.config)) {
            throw new AwsJsonStandIn.Failure("ValidationException", "Could not find endpoint configuration \"" + e.config + "\".");
          }
          if (endpoints.putIfAbsent(name, e) != null) {
            throw new AwsJsonStandIn.Failure("ValidationException", "Cannot create already existing endpoint");
          }
          out.put("EndpointArn", "arn:aws:sagemaker:us-east-1:000000000000:endpoint/" + name);
        }
        case "UpdateEndpoint" -> {
          Endpoint e = endpoints.get(body.path("EndpointName").asText());
          if (e == null || !"InService".equals(e.status)) {
            throw new AwsJsonStandIn.Failure("ValidationException", e == null ? "Could not find endpoint." : "Cannot update in-progress endpoint");
          }
          lastUpdate = body;
          e.pendingConfig = body.path("EndpointConfigName").asText();
          e.status = "Updating";
          e.failureReason = null;
          out.put("EndpointArn", "arn:aws:sagemaker:us-east-1:000000000000:endpoint/" + body.path("EndpointName").asText());
        }
        case "CreateInferenceComponent" -> {
          String name = body.path("InferenceComponentName").asText();
          Endpoint e = endpoints.get(body.path("EndpointName").asText());
          if (e == null || !"InService".equals(e.status)) {
            throw new AwsJsonStandIn.Failure("ValidationException", "Endpoint " + body.path("EndpointName").asText() + " is not InService.");
          }
          if (!models.containsKey(body.path("Specification").path("ModelName").asText())) {
            throw new AwsJsonStandIn.Failure("ValidationException", "Could not find model for the inference component.");
          }
          if (body.path("RuntimeConfig").path("CopyCount").asInt() < 1) {
            throw new AwsJsonStandIn.Failure("ValidationException", "Inference components copy count an integer larger than 0");
          }
          if (components.putIfAbsent(name, body) != null) {
            throw new AwsJsonStandIn.Failure("ValidationException", "Cannot create already existing inference component");
          }
          componentStatus.put(name, "Creating");
          out.put("InferenceComponentArn", "arn:aws:sagemaker:us-east-1:000000000000:inference-component/" + name);
        }
        case "DescribeInferenceComponent" -> {
          String name = body.path("InferenceComponentName").asText();
          JsonNode c = components.get(name);
          if (c == null) {
            throw new AwsJsonStandIn.Failure("ValidationException", "Could not find inference component \"" + name + "\".");
          }
          String status = componentStatus.get(name);
          out.put("InferenceComponentName", name).put("EndpointName", c.path("EndpointName").asText())
              .put("InferenceComponentStatus", status)
              .put("InferenceComponentArn", "arn:aws:sagemaker:us-east-1:000000000000:inference-component/" + name)
              .put("EndpointArn", "arn:aws:sagemaker:us-east-1:000000000000:endpoint/" + c.path("EndpointName").asText())
              .put("CreationTime", 1.7e9).put("LastModifiedTime", 1.7e9);
          componentStatus.put(name, "InService"); // Creating on the first Describe, InService on the next
        }
        case "DescribeEndpoint" -> {
          String name = body.path("EndpointName").asText();
          Endpoint e = endpoints.get(name);
          if (e == null) {
            throw new AwsJsonStandIn.Failure("ValidationException", "Could not find endpoint \"" + name + "\".");
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
          throw new AwsJsonStandIn.Failure("UnknownOperationException", "unknown operation " + op);
        }
      }
      return out;
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

  /**
   * CloudWatch's {@code PutMetricAlarm} as the SDK sends it (Smithy RPC v2 CBOR: {@code POST
   * /service/GraniteServiceVersion20100801/operation/PutMetricAlarm}): the alarm kept as JSON by name, an empty map
   * answered; any other operation a 400.
   */
  private Answer cloudWatch(String op, JsonNode request) {
    http.record(op);
    if (!"PutMetricAlarm".equals(op)) {
      return new Answer(400, RpcV2CborHandler.object());
    }
    alarms.put(request.path("AlarmName").asText(), request);
    return Answer.ok(RpcV2CborHandler.object());
  }

  @Override
  public void close() {
    http.close();
  }
}
