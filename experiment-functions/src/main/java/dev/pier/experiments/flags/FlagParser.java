package dev.pier.experiments.flags;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a flag from {@code POST /api/v1/flags} (or {@code PUT …/{key}}), naming every problem by its JSON path in one
 * 400:
 * <pre>
 * {"key": "new-checkout", "type": "boolean", "variants": {"on": true, "off": false},
 *  "rules": [{"conditions": [{"attribute": "country", "operator": "in", "values": ["NL", "BE"]}],
 *             "serve": {"rollout": [{"variant": "on", "weight": 0.2}, {"variant": "off", "weight": 0.8}]}}],
 *  "default": {"variant": "off"}, "off_variant": "off", "enabled": true}
 * </pre>
 */
public final class FlagParser {

  private static final Set<Condition.Operator> NUMERIC = EnumSet.of(Condition.Operator.GT, Condition.Operator.GTE,
      Condition.Operator.LT, Condition.Operator.LTE);
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");

  private final List<String> problems = new ArrayList<>();
  private Map<String, JsonNode> variants = Map.of();

  /** A new flag with {@code seed} and revision 1 (the caller keeps an existing flag's seed on updates). */
  public static Flag parse(JsonNode body, String seed, long revision) {
    return new FlagParser().read(body, seed, revision);
  }

  private Flag read(JsonNode body, String seed, long revision) {
    if (body == null || !body.isObject()) throw PierException.badRequest("the body must be a JSON object");
    String key = body.path("key").asText(null);
    if (key == null || !KEY.matcher(key).matches()) {
      problems.add("key: required, 1-100 letters, digits, '_', '.', '-' (starting with a letter or digit)");
    }
    FlagType type = null;
    try {
      type = FlagType.valueOf(body.path("type").asText("").toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      problems.add("type: required, one of boolean, string, number, json");
    }
    variants = variants(body.get("variants"), type);
    List<Rule> rules = new ArrayList<>();
    JsonNode rulesNode = body.get("rules");
    if (rulesNode != null && !rulesNode.isNull()) {
      if (!rulesNode.isArray()) problems.add("rules: must be a list");
      else for (int i = 0; i < rulesNode.size(); i++) rules.add(rule(rulesNode.get(i), "rules[" + i + "]"));
    }
    Serve fallthrough = serve(body.get("default"), "default");
    String off = body.path("off_variant").asText(null);
    if (off == null && fallthrough != null && fallthrough.variant() != null) off = fallthrough.variant();
    if (off == null) problems.add("off_variant: required when the default is a rollout");
    else if (!variants.isEmpty() && !variants.containsKey(off)) problems.add("off_variant: unknown variant '" + off + "'");
    boolean enabled = !body.has("enabled") || body.get("enabled").asBoolean(true);
    if (body.has("enabled") && !body.get("enabled").isBoolean()) problems.add("enabled: must be true or false");
    if (!problems.isEmpty()) throw PierException.badRequest("invalid flag: " + String.join("; ", problems));
    return new Flag(key, body.path("description").asText(null), type, enabled, variants, rules, fallthrough, off, seed,
        revision);
  }

  /**
   * Reads a list of conditions in a flag rule's shape ({@code [{"attribute", "operator", "value" | "values"}]}), for
   * an experiment's targeting; each problem, named under {@code path}, is added to {@code problems}.
   */
  public static List<Condition> conditions(JsonNode node, String path, List<String> problems) {
    FlagParser parser = new FlagParser();
    List<Condition> out = new ArrayList<>();
    if (node == null || !node.isArray() || node.isEmpty()) {
      problems.add(path + ": required, a non-empty list of conditions");
      return out;
    }
    for (int i = 0; i < node.size(); i++) {
      Condition c = parser.condition(node.get(i), path + "[" + i + "]");
      if (c != null) out.add(c);
    }
    problems.addAll(parser.problems);
    return out;
  }

  private Map<String, JsonNode> variants(JsonNode node, FlagType type) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    if (node == null || !node.isObject() || node.isEmpty()) {
      problems.add("variants: required, an object of variant name to value");
      return out;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      var e = it.next();
      JsonNode v = e.getValue();
      boolean fits = type == null || switch (type) {
        case BOOLEAN -> v.isBoolean();
        case STRING -> v.isTextual();
        case NUMBER -> v.isNumber();
        case JSON -> !v.isNull();
      };
      if (!fits) problems.add("variants." + e.getKey() + ": must be a " + type.name().toLowerCase(Locale.ROOT) + " value");
      out.put(e.getKey(), v);
    }
    return out;
  }

  private Rule rule(JsonNode node, String path) {
    List<Condition> conditions = new ArrayList<>();
    JsonNode cs = node.get("conditions");
    if (cs == null || !cs.isArray() || cs.isEmpty()) {
      problems.add(path + ".conditions: required, a non-empty list");
    } else {
      for (int i = 0; i < cs.size(); i++) {
        Condition c = condition(cs.get(i), path + ".conditions[" + i + "]");
        if (c != null) conditions.add(c);
      }
    }
    return new Rule(conditions, serve(node.get("serve"), path + ".serve"));
  }

  private Condition condition(JsonNode node, String path) {
    String attribute = node.path("attribute").asText(null);
    if (attribute == null || attribute.isBlank()) problems.add(path + ".attribute: required");
    Condition.Operator op = null;
    try {
      op = Condition.Operator.valueOf(node.path("operator").asText("").toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      problems.add(path + ".operator: one of equals, not_equals, in, not_in, contains, starts_with, ends_with, gt,"
          + " gte, lt, lte");
    }
    List<JsonNode> values = new ArrayList<>();
    if (node.has("values") && node.get("values").isArray()) node.get("values").forEach(values::add);
    else if (node.has("value")) values.add(node.get("value"));
    if (values.isEmpty()) problems.add(path + ": needs a value (or values for in / not_in)");
    if (op != null && !values.isEmpty() && NUMERIC.contains(op) && !values.get(0).isNumber()) {
      problems.add(path + ".value: " + op.name().toLowerCase(Locale.ROOT) + " compares numbers");
    }
    return attribute == null || op == null || values.isEmpty() ? null : new Condition(attribute, op, values);
  }

  private Serve serve(JsonNode node, String path) {
    if (node == null || !node.isObject()) {
      problems.add(path + ": required, {\"variant\": …} or {\"rollout\": [{\"variant\", \"weight\"}, …]}");
      return null;
    }
    if (node.has("variant")) {
      String v = node.get("variant").asText();
      if (!variants.isEmpty() && !variants.containsKey(v)) problems.add(path + ".variant: unknown variant '" + v + "'");
      return new Serve(v, null);
    }
    JsonNode rollout = node.get("rollout");
    if (rollout == null || !rollout.isArray() || rollout.isEmpty()) {
      problems.add(path + ": needs a variant or a rollout");
      return null;
    }
    List<Serve.Split> splits = new ArrayList<>();
    double sum = 0;
    for (int i = 0; i < rollout.size(); i++) {
      JsonNode s = rollout.get(i);
      String v = s.path("variant").asText(null);
      double w = s.path("weight").asDouble(-1);
      if (v == null || (!variants.isEmpty() && !variants.containsKey(v))) {
        problems.add(path + ".rollout[" + i + "].variant: unknown variant '" + v + "'");
      }
      if (!(w >= 0 && w <= 1) || !s.path("weight").isNumber()) {
        problems.add(path + ".rollout[" + i + "].weight: a number in [0, 1]");
      }
      sum += w;
      splits.add(new Serve.Split(v, w));
    }
    if (Math.abs(sum - 1) > 1e-9) problems.add(path + ".rollout: weights must sum to 1, they sum to " + sum);
    return new Serve(null, splits);
  }
}
