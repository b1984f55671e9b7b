package dev.pier.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Iterator;
import java.util.Map;
import software.amazon.awssdk.thirdparty.jackson.core.JsonGenerator;
import software.amazon.awssdk.thirdparty.jackson.core.JsonParser;
import software.amazon.awssdk.thirdparty.jackson.core.JsonToken;
import software.amazon.awssdk.thirdparty.jackson.dataformat.cbor.CBORFactory;

/**
 * The HTTP plumbing the test stand-ins of AWS APIs that the SDK speaks Smithy RPC v2 CBOR to share (CloudWatch's:
 * {@code POST /service/<Service>/operation/<Operation>}, CBOR bodies, header {@code smithy-protocol: rpc-v2-cbor}): the
 * operation named by the path's last segment, the request's CBOR body read as Jackson's tree (an empty body as an empty
 * object), and the stand-in's answer written back as CBOR with its status. A stand-in supplies only what its operations
 * answer ({@link Operations}); an error answer carries {@code __type} and {@code message}, as AWS answers one. Used by
 * monitoring's and gpu-endpoints' tests, so it compiles for Java 21. A test stand-in: never shipped.
 */
public final class RpcV2CborHandler implements HttpHandler {
  /** Where CloudWatch's operations are served. */
  public static final String CLOUDWATCH_PATH = "/service/GraniteServiceVersion20100801/operation/";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CBORFactory CBOR = new CBORFactory();
  private final Operations operations;

  /** What one stand-in answers. */
  public interface Operations {
    Answer answer(String operation, JsonNode request) throws IOException;
  }

  /** An answer: the HTTP status and the body, as JSON with the wire's field names. */
  public record Answer(int status, ObjectNode body) {
    public static Answer ok(ObjectNode body) {
      return new Answer(200, body);
    }

    /** A refused call: {@code type} is the AWS error code the SDK maps to its exception. */
    public static Answer error(int status, String type, String message) {
      return new Answer(status, JSON.createObjectNode().put("__type", type).put("message", message));
    }
  }

  public RpcV2CborHandler(Operations operations) {
    this.operations = operations;
  }

  /** An empty object, to fill in as an answer's body. */
  public static ObjectNode object() {
    return JSON.createObjectNode();
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
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
      Answer answer = operations.answer(op, request);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (JsonGenerator out = CBOR.createGenerator(bytes)) {
        write(out, answer.body());
      }
      ex.getResponseHeaders().set("Content-Type", "application/cbor");
      ex.getResponseHeaders().set("smithy-protocol", "rpc-v2-cbor");
      ex.sendResponseHeaders(answer.status(), bytes.size());
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

  /** One CBOR value, as Jackson's tree (maps, arrays, text, numbers, booleans, null). */
  private static JsonNode read(JsonParser p) throws IOException {
    JsonNodeFactory f = JSON.getNodeFactory();
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
}
