package dev.pier.statemachines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * ASL payload templates ({@code Parameters}, {@code ResultSelector}, {@code ItemSelector}, {@code BatchInput}):
 * a field whose name ends in {@code .$} takes the value of a path or intrinsic; everything else is copied.
 */
public final class PayloadTemplate {
  private PayloadTemplate() {}

  public static JsonNode apply(JsonNode template, JsonNode input, JsonNode context) {
    if (template.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = template.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        String name = field.getKey();
        if (name.endsWith(".$")) {
          out.set(name.substring(0, name.length() - 2), valueOf(field.getValue().asText(), input, context));
        } else {
          out.set(name, apply(field.getValue(), input, context));
        }
      }
      return out;
    }
    if (template.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      template.forEach(n -> out.add(apply(n, input, context)));
      return out;
    }
    return template;
  }

  /** The value of a {@code .$} field: a path ({@code $…}, {@code $$…}) or an intrinsic call. */
  public static JsonNode valueOf(String expression, JsonNode input, JsonNode context) {
    if (Intrinsics.isIntrinsic(expression)) {
      return Intrinsics.evaluate(expression, input, context);
    }
    return JsonPath.read(expression, input, context);
  }
}
