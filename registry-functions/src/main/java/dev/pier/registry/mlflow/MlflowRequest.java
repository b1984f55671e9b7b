package dev.pier.registry.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.pier.kernel.PierException;
import dev.pier.kernel.json.RequestJson;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An MLflow request's fields, from its JSON body or, for GET (and DELETE without a body), its query string — MLflow
 * clients use both. Missing required fields are 400 {@code INVALID_PARAMETER_VALUE} naming the field.
 */
final class MlflowRequest {
  private static final ObjectMapper JSON = RequestJson.mapper();
  private final JsonNode body;
  private final UriInfo uri;

  private MlflowRequest(JsonNode body, UriInfo uri) {
    this.body = body;
    this.uri = uri;
  }

  static MlflowRequest of(UriInfo uri, byte[] body) {
    JsonNode node = JsonNodeFactory.instance.objectNode();
    if (body != null && body.length > 0) {
      try {
        node = JSON.readTree(body);
      } catch (IOException e) {
        throw RequestJson.malformed(e);
      }
      if (node == null || !node.isObject()) {
        throw PierException.badRequest("the request body must be a JSON object");
      }
    }
    return new MlflowRequest(node, uri);
  }

  String optional(String field) {
    JsonNode v = body.get(field);
    if (v != null && !v.isNull()) {
      return v.isValueNode() ? v.asText() : v.toString();
    }
    return uri.getQueryParameters().getFirst(field);
  }

  String required(String field) {
    String v = optional(field);
    if (v == null || v.isEmpty()) {
      throw PierException.badRequest("missing value for required parameter '" + field + "'");
    }
    return v;
  }

  String either(String field, String alternative) {
    String v = optional(field);
    if (v == null || v.isEmpty()) {
      v = optional(alternative);
    }
    if (v == null || v.isEmpty()) {
      throw PierException.badRequest("missing value for required parameter '" + field + "'");
    }
    return v;
  }

  long number(String field, long fallback) {
    String v = optional(field);
    if (v == null || v.isEmpty()) {
      return fallback;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw PierException.badRequest("parameter '" + field + "' must be an integer, got '" + v + "'");
    }
  }

  double decimal(String field) {
    JsonNode v = body.get(field);
    if (v != null && v.isNumber()) {
      return v.doubleValue();
    }
    String s = required(field);
    try {
      return switch (s) {
        case "NaN" -> Double.NaN;
        case "Infinity" -> Double.POSITIVE_INFINITY;
        case "-Infinity" -> Double.NEGATIVE_INFINITY;
        default -> Double.parseDouble(s);
      };
    } catch (NumberFormatException e) {
      throw PierException.badRequest("parameter '" + field + "' must be a number, got '" + s + "'");
    }
  }

  boolean flag(String field) {
    String v = optional(field);
    return v != null && v.equalsIgnoreCase("true");
  }

  /** A repeated field: a JSON array, or the query parameter repeated. */
  List<String> list(String field) {
    JsonNode v = body.get(field);
    if (v != null && v.isArray()) {
      List<String> out = new ArrayList<>();
      v.forEach(e -> out.add(e.asText()));
      return out;
    }
    if (v != null && !v.isNull()) {
      return List.of(v.asText());
    }
    List<String> q = uri.getQueryParameters().get(field);
    return q == null ? List.of() : q;
  }

  /** MLflow's {@code [{"key": k, "value": v}]} as a map. */
  Map<String, String> keyValues(String field) {
    Map<String, String> out = new LinkedHashMap<>();
    JsonNode v = body.get(field);
    if (v != null && v.isArray()) {
      for (JsonNode e : v) {
        if (!e.hasNonNull("key")) {
          throw PierException.badRequest("every entry of '" + field + "' needs a key");
        }
        out.put(e.get("key").asText(), e.path("value").asText(""));
      }
    }
    return out;
  }

  JsonNode node(String field) {
    return body.get(field);
  }

  int maxResults(int fallback, int max) {
    long n = number("max_results", fallback);
    if (n < 1 || n > max) {
      throw PierException.badRequest("max_results must be between 1 and " + max + ", got " + n);
    }
    return (int) n;
  }
}
