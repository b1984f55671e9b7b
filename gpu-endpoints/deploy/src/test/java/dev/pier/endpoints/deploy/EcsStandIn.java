package dev.pier.endpoints.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A test-only stand-in for the ECS API at the HTTP level (AWS JSON 1.1 through {@link AwsJsonStandIn}: {@code
 * X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>}), enough for the GPU placement: DescribeServices (a missing service
 * is a {@code MISSING} failure, as ECS answers), DescribeTaskDefinition, ListTaskDefinitions, RegisterTaskDefinition
 * (revisions per family) and UpdateService (a new PRIMARY deployment IN_PROGRESS, the old one ACTIVE). The test moves
 * rollouts on: {@link #complete} (every task healthy: COMPLETED, the old deployment drained) or {@link #circuitBreaker}
 * (the new deployment FAILED with ECS's reason, the last completed revision rolled back in as a new PRIMARY). It runs
 * no tasks and checks no IAM.
 */
final class EcsStandIn implements AutoCloseable {
  private static final ObjectMapper JSON = AwsJsonStandIn.JSON;
  private static final String ARN = "arn:aws:ecs:us-east-1:000000000000:";
  private final AwsJsonStandIn http;
  final Map<String, ObjectNode> services = new ConcurrentHashMap<>();
  final Map<String, JsonNode> taskDefinitions = new LinkedHashMap<>();
  final List<String> operations;
  volatile JsonNode lastUpdate;
  private int deployments;

  EcsStandIn() throws IOException {
    http = new AwsJsonStandIn(this::answer);
    operations = http.recorded;
  }

  URI endpoint() {
    return http.endpoint();
  }

  /** A service as the CDK app leaves it: its first task definition (one GPU, the endpoint image), rolled out. */
  synchronized void createService(String name) {
    ObjectNode td = JSON.createObjectNode().put("family", "pier-dev-gpu-task").put("networkMode", "awsvpc")
        .put("taskRoleArn", "arn:aws:iam::000000000000:role/task").put("executionRoleArn",
            "arn:aws:iam::000000000000:role/exec");
    ObjectNode c = td.putArray("containerDefinitions").addObject().put("name", "endpoint")
        .put("image", "000000000000.dkr.ecr.us-east-1.amazonaws.com/pier-endpoint:latest")
        .put("memoryReservation", 8192);
    c.putArray("resourceRequirements").addObject().put("type", "GPU").put("value", "1");
    c.putArray("environment").addObject().put("name", "PIER_DEVICE").put("value", "cuda");
    c.putArray("portMappings").addObject().put("containerPort", 8080);
    String arn = register(td);
    ObjectNode s = JSON.createObjectNode().put("serviceName", name).put("serviceArn", ARN + "service/gpu/" + name)
        .put("status", "ACTIVE").put("taskDefinition", arn).put("desiredCount", 1);
    s.putArray("deployments").add(deployment(arn, "PRIMARY", "COMPLETED", 1));
    services.put(name, s);
  }

  /** The primary deployment's tasks are all running and healthy: COMPLETED, older deployments gone. */
  synchronized void complete(String name) {
    ObjectNode s = services.get(name);
    ArrayNode kept = JSON.createArrayNode();
    for (JsonNode d : s.path("deployments")) {
      if ("PRIMARY".equals(d.path("status").asText())) {
        ((ObjectNode) d).put("rolloutState", "COMPLETED").put("runningCount", d.path("desiredCount").asInt());
        kept.add(d);
      } else if ("FAILED".equals(d.path("rolloutState").asText())) {
        kept.add(d); // ECS lists a failed deployment for a while after rolling back
      }
    }
    s.set("deployments", kept);
  }

  /** The deployment circuit breaker tripped: the new deployment FAILED, the previous revision rolls back in. */
  synchronized void circuitBreaker(String name, String reason) {
    ObjectNode s = services.get(name);
    String previous = null;
    for (JsonNode d : s.path("deployments")) {
      ObjectNode o = (ObjectNode) d;
      if ("PRIMARY".equals(o.path("status").asText())) {
        o.put("status", "ACTIVE").put("rolloutState", "FAILED").put("rolloutStateReason", reason);
      } else {
        previous = o.path("taskDefinition").asText();
        o.put("status", "INACTIVE");
      }
    }
    ArrayNode list = (ArrayNode) s.path("deployments");
    list.insert(0, deployment(previous, "PRIMARY", "IN_PROGRESS", s.path("desiredCount").asInt()));
    s.put("taskDefinition", previous);
  }

  long count(String operation) {
    return http.count(operation);
  }

  private ObjectNode deployment(String taskDefinition, String status, String state, int desired) {
    return JSON.createObjectNode().put("id", "ecs-svc/" + (++deployments)).put("status", status)
        .put("taskDefinition", taskDefinition).put("rolloutState", state).put("desiredCount", desired)
        .put("runningCount", "COMPLETED".equals(state) ? desired : 0);
  }

  private String register(JsonNode request) {
    String family = request.path("family").asText();
    long revision = taskDefinitions.keySet().stream().filter(a -> a.contains("/" + family + ":")).count() + 1;
    String arn = ARN + "task-definition/" + family + ":" + revision;
    ObjectNode td = ((ObjectNode) request.deepCopy()).put("taskDefinitionArn", arn).put("revision", revision)
        .put("status", "ACTIVE");
    td.remove("tags");
    taskDefinitions.put(arn, td);
    return arn;
  }

  private ObjectNode answer(String op, JsonNode body) {
    {
      ObjectNode out = JSON.createObjectNode();
      synchronized (this) {
        switch (op) {
          case "DescribeServices" -> {
            ArrayNode found = out.putArray("services");
            ArrayNode failures = out.putArray("failures");
            for (JsonNode n : body.path("services")) {
              ObjectNode s = services.get(n.asText());
              if (s == null) {
                failures.addObject().put("arn", ARN + "service/" + n.asText()).put("reason", "MISSING");
              } else {
                found.add(s);
              }
            }
          }
          case "DescribeTaskDefinition" -> {
            JsonNode td = taskDefinitions.get(body.path("taskDefinition").asText());
            if (td == null) {
              throw new AwsJsonStandIn.Failure("ClientException", "Unable to describe task definition.");
            }
            out.set("taskDefinition", td);
          }
          case "ListTaskDefinitions" -> {
            String prefix = body.path("familyPrefix").asText();
            ArrayNode arns = out.putArray("taskDefinitionArns");
            List<String> matching = new ArrayList<>(taskDefinitions.keySet().stream()
                .filter(a -> a.substring(a.lastIndexOf('/') + 1).startsWith(prefix)).toList());
            if ("DESC".equals(body.path("sort").asText())) {
              java.util.Collections.reverse(matching);
            }
            matching.forEach(arns::add);
          }
          case "RegisterTaskDefinition" -> out.set("taskDefinition", taskDefinitions.get(register(body)));
          case "UpdateService" -> {
            ObjectNode s = services.get(body.path("service").asText());
            if (s == null) {
              throw new AwsJsonStandIn.Failure("ServiceNotFoundException", "Service not found.");
            }
            String td = body.path("taskDefinition").asText();
            if (!taskDefinitions.containsKey(td)) {
              throw new AwsJsonStandIn.Failure("ClientException", "TaskDefinition not found.");
            }
            lastUpdate = body;
            for (JsonNode d : s.path("deployments")) {
              if ("PRIMARY".equals(d.path("status").asText())) {
                ((ObjectNode) d).put("status", "ACTIVE");
              }
            }
            int desired = body.has("desiredCount") ? body.path("desiredCount").asInt() : s.path("desiredCount").asInt();
            ((ArrayNode) s.path("deployments")).insert(0, deployment(td, "PRIMARY", "IN_PROGRESS", desired));
            s.put("taskDefinition", td).put("desiredCount", desired);
            s.set("deploymentConfiguration", body.path("deploymentConfiguration"));
            out.set("service", s);
          }
          default -> {
            throw new AwsJsonStandIn.Failure("UnknownOperationException", op);
          }
        }
      }
      return out;
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
