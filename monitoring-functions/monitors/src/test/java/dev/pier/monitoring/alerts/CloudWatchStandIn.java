package dev.pier.monitoring.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import software.amazon.awssdk.thirdparty.jackson.core.JsonGenerator;
import software.amazon.awssdk.thirdparty.jackson.core.JsonParser;
import software.amazon.awssdk.thirdparty.jackson.core.JsonToken;
import software.amazon.awssdk.thirdparty.jackson.dataformat.cbor.CBORFactory;

/**
 * CloudWatch's metric alarm operations at the HTTP level, as the SDK speaks them (Smithy RPC v2 CBOR: {@code POST
 * /service/GraniteServiceVersion20100801/operation/<Operation>}, CBOR bodies, header {@code smithy-protocol:
 * rpc-v2-cbor}): {@code PutMetricAlarm} creates or replaces an alarm by name, {@code DescribeAlarms} lists them
 * (optionally by {@code AlarmNamePrefix}), {@code DeleteAlarms} deletes them and answers {@code ResourceNotFound},
 * deleting none, when a name is unknown, as CloudWatch does. {@link #failing} makes every call a 500. Every
 * operation is recorded. A test stand-in: never shipped.
 */
public final class CloudWatchStandIn implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CBORFactory CBOR = new CBORFactory();
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
    server.createContext("/service/GraniteServiceVersion20100801/operation/", this::handle);
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

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      String op = path.substring(path.lastIndexOf('/') + 1);
      byte[] body = ex.getRequestBody().readAllBytes();
      JsonNode request = JSON.createObjectNode();
      if (body.length > 0) {
        try (JsonParser parser = CBOR.createParser(body)) {
          parser.nextToken();
          request = read(parser);
        }
      }
      int status = 200;
      ObjectNode answer = JSON.createObjectNode();
      synchronized (this) {
        recorded.add(op);
        if (failing) {
          status = 500;
          answer.put("__type", "InternalServiceFault").put("message", "stand-in set to fail");
        } else {
          switch (op) {
            case "PutMetricAlarm" -> {
              ObjectNode alarm = JSON.createObjectNode();
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
                status = 404;
                answer.put("__type", "ResourceNotFound").put("message", "alarms not found: " + unknown);
              } else {
                names.forEach(alarms::remove);
              }
            }
            default -> {
              status = 400;
              answer.put("__type", "InvalidAction").put("message", op + " is not served by this stand-in");
            }
          }
        }
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (JsonGenerator out = CBOR.createGenerator(bytes)) {
        write(out, answer);
      }
      ex.getResponseHeaders().set("Content-Type", "application/cbor");
      ex.getResponseHeaders().set("smithy-protocol", "rpc-v2-cbor");
      ex.sendResponseHeaders(status, bytes.size());
      try (OutputStream o = ex.getResponseBody()) {
        o.write(bytes.toByteArray());
      }
    }
  }

  private static void write(JsonGenerator out, JsonNode node) throws IOException {
    if (node.isObject()) {
      out.writeStartObject();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.writeFieldName(e.getKey());
        write(out, e.getValue());
      }
      out.writeEndObject();
    } else if (node.isArray()) {
      out.writeStartArray();
      for (JsonNode element : node) {
        write(out, element);
      }
      out.writeEndArray();
    } else if (node.isIntegralNumber()) {
      out.writeNumber(node.asLong());
    } else if (node.isNumber()) {
      out.writeNumber(node.asDouble());
    } else if (node.isBoolean()) {
      out.writeBoolean(node.asBoolean());
    } else if (node.isNull()) {
      out.writeNull();
    } else {
      out.writeString(node.asText());
    }
  }

  /** One CBOR value, as Jackson's tree. */
  private static JsonNode read(JsonParser p) throws IOException {
    var f = JSON.getNodeFactory();
    switch (p.currentToken()) {
      case START_OBJECT -> {
        ObjectNode o = f.objectNode();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          p.nextToken();
          o.set(name, read(p));
        }
        return o;
      }
      case START_ARRAY -> {
        ArrayNode a = f.arrayNode();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          a.add(read(p));
        }
        return a;
      }
      case VALUE_NUMBER_INT -> {
        return f.numberNode(p.getLongValue());
      }
      case VALUE_NUMBER_FLOAT -> {
        return f.numberNode(p.getDoubleValue());
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return f.booleanNode(p.getBooleanValue());
      }
      case VALUE_NULL -> {
        return f.nullNode();
      }
      default -> {
        return f.textNode(p.getText());
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
