package dev.pier.experiments.flags;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.experiments.assignment.UnitHash;
import java.util.Map;

/**
 * Evaluates a flag for a targeting key (the unit) and attributes, locally and without I/O: disabled → the off
 * variant; else the first rule whose conditions all hold; else the fallthrough. A rollout places the unit at
 * {@code UnitHash.position(seed, targetingKey)} among its splits in order, exactly as experiment arms are placed, so a
 * unit keeps its variant as long as the seed and the splits before it stay. A rollout without a targeting key serves
 * its first split.
 */
public final class FlagEvaluator {

  public static Evaluation evaluate(Flag flag, String targetingKey, Map<String, JsonNode> attributes) {
    if (!flag.enabled()) return answer(flag, flag.offVariant(), "DISABLED");
    for (Rule rule : flag.rules()) {
      if (matches(rule.conditions(), targetingKey, attributes)) {
        return serve(flag, rule.serve(), targetingKey, "TARGETING_MATCH");
      }
    }
    return serve(flag, flag.fallthrough(), targetingKey, null);
  }

  /**
   * Whether every condition holds for the targeting key and attributes (a flag rule's test, and an experiment's
   * targeting); an empty list always holds. {@code attributes} may be null (no attributes).
   */
  public static boolean matches(java.util.List<Condition> conditions, String targetingKey,
      Map<String, JsonNode> attributes) {
    Map<String, JsonNode> attrs = attributes == null ? Map.of() : attributes;
    for (Condition c : conditions) {
      if (!c.matches(attribute(c.attribute(), targetingKey, attrs))) {
        return false;
      }
    }
    return true;
  }

  private static Evaluation serve(Flag flag, Serve serve, String targetingKey, String matched) {
    if (serve.variant() != null) return answer(flag, serve.variant(), matched != null ? matched : "STATIC");
    String variant = serve.rollout().get(0).variant();
    if (targetingKey != null) {
      double u = UnitHash.position(flag.seed(), targetingKey), upper = 0;
      for (int i = 0; i < serve.rollout().size(); i++) {
        upper += serve.rollout().get(i).weight();
        variant = serve.rollout().get(i).variant();
        if (u < upper) break;
      }
    }
    return answer(flag, variant, matched != null ? matched : "SPLIT");
  }

  /** {@code targetingKey} is also an attribute, so rules can target units by id. */
  private static JsonNode attribute(String name, String targetingKey, Map<String, JsonNode> attributes) {
    if (name.equals("targetingKey") && targetingKey != null) {
      return com.fasterxml.jackson.databind.node.TextNode.valueOf(targetingKey);
    }
    return attributes.get(name);
  }

  private static Evaluation answer(Flag flag, String variant, String reason) {
    return new Evaluation(flag.key(), flag.variants().get(variant), variant, reason);
  }

  private FlagEvaluator() {}
}
