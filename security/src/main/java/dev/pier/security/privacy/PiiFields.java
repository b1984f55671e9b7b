package dev.pier.security.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The input fields a model version marks as personal data. Their values are replaced whole by {@link #TAG} wherever
 * Pier writes a prediction's input (audit samples, logs), whatever they contain; values of unmarked fields still
 * pass through {@link PiiMasker}'s detection.
 *
 * <p>Stored in the version's {@code properties} under {@link #PROPERTY} as a comma-separated list, so the registry's
 * records need no new column. A field is an OIP input tensor name ({@code inputs[].name}) or a named feature of
 * {@code instances[]} objects. Immutable, thread-safe.
 */
public record PiiFields(Set<String> names) {
  /** The version property that holds the marked fields. */
  public static final String PROPERTY = "pier.pii-fields";
  public static final String TAG = "[PII]";
  public static final PiiFields NONE = new PiiFields(Set.of());

  public PiiFields {
    names = Set.copyOf(names);
  }

  public static PiiFields of(Collection<String> names) {
    return names.isEmpty() ? NONE : new PiiFields(Set.copyOf(names));
  }

  /** The marked fields of a version with these properties; none when the property is absent. */
  public static PiiFields from(Map<String, String> properties) {
    String value = properties == null ? null : properties.get(PROPERTY);
    if (value == null || value.isBlank()) {
      return NONE;
    }
    return of(Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
  }

  public boolean isEmpty() {
    return names.isEmpty();
  }

  /**
   * Whether a captured column holds a marked field: the field itself ({@code email}) or a column of a marked 2-D input
   * ({@code contact[2]} when {@code contact} is marked).
   */
  public boolean marks(String column) {
    if (names.isEmpty()) {
      return false;
    }
    int bracket = column.indexOf('[');
    return names.contains(column) || (bracket > 0 && names.contains(column.substring(0, bracket)));
  }

  /** The property value: the names sorted and comma-separated. */
  public String property() {
    return names.stream().sorted().collect(Collectors.joining(","));
  }

  /**
   * A copy of an OIP request body ({@code inputs}) or a named-features body ({@code instances}) with every marked
   * field's value replaced by {@link #TAG}; the rest is untouched.
   */
  public JsonNode redact(JsonNode body) {
    JsonNode copy = body.deepCopy();
    if (isEmpty() || !copy.isObject()) {
      return copy;
    }
    for (JsonNode input : copy.path("inputs")) {
      if (input.isObject() && names.contains(input.path("name").asText(null)) && input.has("data")) {
        ((ObjectNode) input).set("data", TextNode.valueOf(TAG));
      }
    }
    for (JsonNode instance : copy.path("instances")) {
      if (instance.isObject()) {
        for (String name : names) {
          if (instance.has(name)) {
            ((ObjectNode) instance).set(name, TextNode.valueOf(TAG));
          }
        }
      }
    }
    return copy;
  }

  /** The scalar values of the marked fields in a request body, as text (for masking them in log lines). */
  public List<String> values(JsonNode body) {
    List<String> out = new ArrayList<>();
    if (isEmpty() || body == null || !body.isObject()) {
      return out;
    }
    for (JsonNode input : body.path("inputs")) {
      if (names.contains(input.path("name").asText(null))) {
        collect(input.path("data"), out);
      }
    }
    for (JsonNode instance : body.path("instances")) {
      for (String name : names) {
        collect(instance.path(name), out);
      }
    }
    return out;
  }

  private static void collect(JsonNode node, List<String> out) {
    if (node instanceof ArrayNode array) {
      array.forEach(n -> collect(n, out));
    } else if (node.isValueNode() && !node.isNull()) {
      out.add(node.asText());
    }
  }

  @Override
  public String toString() {
    return new TreeSet<>(names).toString();
  }
}
