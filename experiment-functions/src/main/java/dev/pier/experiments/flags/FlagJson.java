package dev.pier.experiments.flags;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * A flag as JSON, in exactly the shape {@link FlagParser} reads plus its {@code seed} and {@code revision}: what the
 * API answers, what is stored, and what the OpenFeature provider reads back with the same parser.
 */
public final class FlagJson {

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  public static ObjectNode write(Flag flag) {
    ObjectNode o = F.objectNode();
    o.put("key", flag.key());
    if (flag.description() != null) o.put("description", flag.description());
    o.put("type", lower(flag.type().name()));
    o.put("enabled", flag.enabled());
    ObjectNode variants = o.putObject("variants");
    flag.variants().forEach(variants::set);
    ArrayNode rules = o.putArray("rules");
    for (Rule r : flag.rules()) {
      ObjectNode rule = rules.addObject();
      ArrayNode conditions = rule.putArray("conditions");
      for (Condition c : r.conditions()) {
        ObjectNode cond = conditions.addObject().put("attribute", c.attribute()).put("operator", lower(c.operator().name()));
        ArrayNode values = cond.putArray("values");
        c.values().forEach(values::add);
      }
      rule.set("serve", serve(r.serve()));
    }
    o.set("default", serve(flag.fallthrough()));
    o.put("off_variant", flag.offVariant());
    o.put("seed", flag.seed());
    o.put("revision", flag.revision());
    return o;
  }

  /** Reads what {@link #write} wrote. */
  public static Flag read(JsonNode node) {
    return FlagParser.parse(node, node.path("seed").asText(), node.path("revision").asLong(1));
  }

  private static ObjectNode serve(Serve s) {
    ObjectNode o = F.objectNode();
    if (s.variant() != null) return o.put("variant", s.variant());
    ArrayNode rollout = o.putArray("rollout");
    for (Serve.Split split : s.rollout()) rollout.addObject().put("variant", split.variant()).put("weight", split.weight());
    return o;
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  private FlagJson() {}
}
