package dev.pier.monitoring.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.pier.local.RpcV2CborHandler;
import dev.pier.local.RpcV2CborHandler.Answer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * CloudWatch's metric alarm operations at the HTTP level, as the SDK speaks them (Smithy RPC v2 CBOR: {@code POST
 * /service/GraniteServiceVersion20100801/operation/<Operation>}, CBOR bodies, header {@code smithy-protocol:
 * rpc-v2-cbor}, through {@link RpcV2CborHandler}): {@code PutMetricAlarm} creates or replaces an alarm by name, {@code DescribeAlarms} lists them
 * (optionally by {@code AlarmNamePrefix}), {@code DeleteAlarms} deletes them and answers {@code ResourceNotFound},
 * deleting none, when a name is unknown, as CloudWatch does. {@link #failing} makes every call a 500. Every
 * operation is recorded. A test stand-in: never shipped.
 */
public final class CloudWatchStandIn implements AutoCloseable {
  /** The MetricAlarm fields DescribeAlarms answers (what PutMetricAlarm set). */
  private static final Set<String> ALARM_FIELDS = Set.of("AlarmName", "AlarmDescription", "ActionsEnabled",
      "OKActions", "AlarmActions", "InsufficientDataActions", "MetricName", "Namespace", "Statistic", "Dimensions",
      "Period", "Unit", "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator",
      "TreatMissingData");

  private final HttpServer server;
  private final Map<String, ObjectNode> alarms = new TreeMap<>();
  private final List<String> recorded = new ArrayList<>();
  private volatile boolean failing;

  public CloudWatchStandIn() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext(RpcV2CborHandler.CLOUDWATCH_PATH, new RpcV2CborHandler(this::answer));
    server.start();
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** The alarms by name, as JSON with the wire's field names. */
  public synchronized Map<String, ObjectNode> alarms() {
    return Map.copyOf(alarms);
  }

  /** How many times {@code operation} was asked. */
  public synchronized long count(String operation) {
    return recorded.stream().filter(operation::equals).count();
  }

  /** While true, every call is answered with a 500. */
  public void failing(boolean failing) {
    this.failing = failing;
  }

  private synchronized Answer answer(String op, JsonNode request) {
    recorded.add(op);
    if (failing) {
      return Answer.error(500, "InternalServiceFault", "stand-in set to fail");
    }
    ObjectNode answer = RpcV2CborHandler.object();
    switch (op) {
      case "PutMetricAlarm" -> {
        ObjectNode alarm = RpcV2CborHandler.object();
        request.fields().forEachRemaining(e -> {
          if (ALARM_FIELDS.contains(e.getKey())) {
            alarm.set(e.getKey(), e.getValue());
          }
        });
        alarm.put("StateValue", "INSUFFICIENT_DATA");
        alarms.put(request.path("AlarmName").asText(), alarm);
      }
      case "DescribeAlarms" -> {
        String prefix = request.path("AlarmNamePrefix").asText("");
        ArrayNode list = answer.putArray("MetricAlarms");
        alarms.forEach((name, alarm) -> {
          if (name.startsWith(prefix)) {
            list.add(alarm);
          }
        });
      }
      case "DeleteAlarms" -> {
        List<String> names = new ArrayList<>();
        request.path("AlarmNames").forEach(n -> names.add(n.asText()));
        List<String> unknown = names.stream().filter(n -> !alarms.containsKey(n)).toList();
        if (!unknown.isEmpty()) {
          return Answer.error(404, "ResourceNotFound", "alarms not found: " + unknown);
        }
        names.forEach(alarms::remove);
      }
      default -> {
        return Answer.error(400, "InvalidAction", op + " is not served by this stand-in");
      }
    }
    return Answer.ok(answer);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
