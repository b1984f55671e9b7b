package dev.pier.statemachines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference paths ASL uses: {@code $}, {@code $.a.b}, {@code $['a b']}, {@code $.a[0]}, and {@code $$.…} for the
 * context object. Reading a path that does not exist is a {@code States.Runtime} error, as in Step Functions.
 */
public final class JsonPath {
  private JsonPath() {}

  /** Whether {@code path} reads the context object ({@code $$…}). */
  public static boolean isContext(String path) {
    return path.startsWith("$$");
  }

  /** The node at {@code path} in {@code input}, or in {@code context} for {@code $$} paths. */
  public static JsonNode read(String path, JsonNode input, JsonNode context) {
    JsonNode root = isContext(path) ? context : input;
    String rest = isContext(path) ? path.substring(2) : path.substring(1);
    if (!path.startsWith("$")) {
      throw new StatesError(StatesError.RUNTIME, "not a JSONPath: '" + path + "'");
    }
    JsonNode node = root;
    for (Object step : steps(rest, path)) {
      JsonNode next = step instanceof Integer i ? (node.isArray() ? node.get(i) : null)
          : (node.isObject() ? node.get((String) step) : null);
      if (next == null) {
        throw new StatesError(StatesError.RUNTIME, "the JSONPath '" + path + "' could not be found in the input");
      }
      node = next;
    }
    return node;
  }

  /**
   * {@code target} with {@code value} placed at {@code path} ({@code $} replaces the whole document); missing objects
   * on the way are created. {@code target} is not modified when it is not an object.
   */
  public static JsonNode write(String path, JsonNode target, JsonNode value) {
    if (path.equals("$")) {
      return value;
    }
    List<Object> steps = steps(path.substring(1), path);
    ObjectNode root = target != null && target.isObject() ? ((ObjectNode) target).deepCopy()
        : JsonNodeFactory.instance.objectNode();
    ObjectNode node = root;
    for (int i = 0; i < steps.size(); i++) {
      if (!(steps.get(i) instanceof String key)) {
        throw new StatesError(StatesError.RUNTIME, "ResultPath '" + path + "' may only name object fields");
      }
      if (i == steps.size() - 1) {
        node.set(key, value);
      } else {
        JsonNode child = node.get(key);
        if (child == null || !child.isObject()) {
          child = node.putObject(key);
        }
        node = (ObjectNode) child;
      }
    }
    return root;
  }

  private static List<Object> steps(String rest, String path) {
    List<Object> steps = new ArrayList<>();
    int i = 0;
    while (i < rest.length()) {
      char c = rest.charAt(i);
      if (c == '.') {
        int end = i + 1;
        while (end < rest.length() && rest.charAt(end) != '.' && rest.charAt(end) != '[') {
          end++;
        }
        if (end == i + 1) {
          throw new StatesError(StatesError.RUNTIME, "malformed JSONPath '" + path + "'");
        }
        steps.add(rest.substring(i + 1, end));
        i = end;
      } else if (c == '[') {
        int end = rest.indexOf(']', i);
        if (end < 0) {
          throw new StatesError(StatesError.RUNTIME, "malformed JSONPath '" + path + "'");
        }
        String inner = rest.substring(i + 1, end).trim();
        if (inner.startsWith("'") && inner.endsWith("'") && inner.length() >= 2) {
          steps.add(inner.substring(1, inner.length() - 1));
        } else {
          try {
            steps.add(Integer.parseInt(inner));
          } catch (NumberFormatException e) {
            throw new StatesError(StatesError.RUNTIME, "unsupported JSONPath step [" + inner + "] in '" + path + "'");
          }
        }
        i = end + 1;
      } else {
        throw new StatesError(StatesError.RUNTIME, "malformed JSONPath '" + path + "'");
      }
    }
    return steps;
  }
}
