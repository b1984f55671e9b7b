package dev.pier.statemachines;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** A Choice Rule, parsed: a boolean combination of comparisons of one input value each. */
sealed interface ChoiceRule {
  record And(List<ChoiceRule> rules) implements ChoiceRule {}

  record Or(List<ChoiceRule> rules) implements ChoiceRule {}

  record Not(ChoiceRule rule) implements ChoiceRule {}

  /**
   * {@code Variable} compared by {@code operator} with {@code operand}, or with the value at {@code operand} when
   * {@code operandIsPath} (the {@code …Path} forms, e.g. {@code StringEqualsPath}).
   */
  record Comparison(String variable, Operator operator, JsonNode operand, boolean operandIsPath)
      implements ChoiceRule {}

  /** The comparison operators, named exactly as in ASL so that a rule's field name is the constant's name. */
  enum Operator {
    IsPresent, IsNull, IsNumeric, IsString, IsBoolean, IsTimestamp,
    StringEquals, StringLessThan, StringGreaterThan, StringLessThanEquals, StringGreaterThanEquals, StringMatches,
    NumericEquals, NumericLessThan, NumericGreaterThan, NumericLessThanEquals, NumericGreaterThanEquals,
    BooleanEquals,
    TimestampEquals, TimestampLessThan, TimestampGreaterThan, TimestampLessThanEquals, TimestampGreaterThanEquals
  }
}
