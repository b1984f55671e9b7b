package dev.pier.experiments.flags;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One test of a context attribute: {@code equals}, {@code not_equals}, {@code in}, {@code not_in} (a list of values),
 * {@code contains}, {@code starts_with}, {@code ends_with} (strings), {@code gt}, {@code gte}, {@code lt}, {@code lte}
 * (numbers). A missing attribute matches nothing but {@code not_equals} and {@code not_in}.
 */
public record Condition(String attribute, Operator operator, List<JsonNode> values) {

  public enum Operator {
    EQUALS, NOT_EQUALS, IN, NOT_IN, CONTAINS, STARTS_WITH, ENDS_WITH, GT, GTE, LT, LTE
  }

  boolean matches(JsonNode actual) {
    boolean missing = actual == null || actual.isNull() || actual.isMissingNode();
    return switch (operator) {
      case EQUALS -> !missing && same(actual, values.get(0));
      case NOT_EQUALS -> missing || !same(actual, values.get(0));
      case IN -> !missing && values.stream().anyMatch(v -> same(actual, v));
      case NOT_IN -> missing || values.stream().noneMatch(v -> same(actual, v));
      case CONTAINS -> !missing && actual.asText().contains(values.get(0).asText());
      case STARTS_WITH -> !missing && actual.asText().startsWith(values.get(0).asText());
      case ENDS_WITH -> !missing && actual.asText().endsWith(values.get(0).asText());
      case GT -> !missing && actual.isNumber() && actual.asDouble() > values.get(0).asDouble();
      case GTE -> !missing && actual.isNumber() && actual.asDouble() >= values.get(0).asDouble();
      case LT -> !missing && actual.isNumber() && actual.asDouble() < values.get(0).asDouble();
      case LTE -> !missing && actual.isNumber() && actual.asDouble() <= values.get(0).asDouble();
    };
  }

  /** Numbers compare by value (1 equals 1.0), everything else by its JSON text. */
  private static boolean same(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) return a.asDouble() == b.asDouble();
    if (a.isTextual() && b.isTextual()) return a.asText().equals(b.asText());
    return a.equals(b);
  }
}
