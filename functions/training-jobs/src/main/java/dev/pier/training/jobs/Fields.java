package dev.pier.training.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** Reading training request bodies: an unknown key or a mistyped field is a 400 naming it, with where it sits. */
public final class Fields {
  private Fields() {}

  /** {@code node} must be an object whose keys are all in {@code known}. */
  public static void object(JsonNode node, Set<String> known, String where) {
    if (node == null || !node.isObject()) {
      throw PierException.badRequest(where + " must be a JSON object");
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!known.contains(k)) {
        throw PierException.badRequest("unknown field '" + k + "' in " + where + " (known: "
            + String.join(", ", known.stream().sorted().toList()) + ")");
      }
    }
  }

  public static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw PierException.badRequest("'" + field + "' must be a string");
    }
    return v.asText();
  }

  public static String required(JsonNode node, String field) {
    String v = text(node, field);
    if (v == null || v.isBlank()) {
      throw PierException.badRequest("'" + field + "' is required");
    }
    return v;
  }

  public static Integer integer(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.canConvertToExactIntegral() || !v.canConvertToInt()) {
      throw PierException.badRequest("'" + field + "' must be an integer");
    }
    return v.asInt();
  }

  public static Double number(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isNumber()) {
      throw PierException.badRequest("'" + field + "' must be a number");
    }
    return v.asDouble();
  }

  public static List<String> strings(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isArray()) {
      throw PierException.badRequest("'" + field + "' must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isTextual()) {
        throw PierException.badRequest("'" + field + "' must be a list of strings");
      }
      out.add(e.asText());
    }
    return out;
  }
}
