package dev.pier.statemachines;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/** Evaluates the Choice Rules of a Choice state (comparison operators, {@code And}/{@code Or}/{@code Not}). */
final class ChoiceRules {
  private ChoiceRules() {}

  static boolean matches(ChoiceRule rule, JsonNode input, JsonNode context) {
    return switch (rule) {
      case ChoiceRule.And and -> and.rules().stream().allMatch(r -> matches(r, input, context));
      case ChoiceRule.Or or -> or.rules().stream().anyMatch(r -> matches(r, input, context));
      case ChoiceRule.Not not -> !matches(not.rule(), input, context);
      case ChoiceRule.Comparison c -> {
        JsonNode value;
        try {
          value = JsonPath.read(c.variable(), input, context);
        } catch (StatesError missing) {
          value = null;
        }
        JsonNode operand = c.operandIsPath() ? JsonPath.read(c.operand().asText(), input, context) : c.operand();
        yield compare(c.operator(), value, operand);
      }
    };
  }

  private static boolean compare(ChoiceRule.Operator op, JsonNode v, JsonNode x) {
    if (op == ChoiceRule.Operator.IsPresent) {
      return (v != null) == x.asBoolean();
    }
    if (v == null) {
      throw new StatesError(StatesError.RUNTIME, "Choice rule variable not found");
    }
    return switch (op) {
      case IsPresent -> true; // answered above, before the variable must exist
      case IsNull -> v.isNull() == x.asBoolean();
      case IsNumeric -> v.isNumber() == x.asBoolean();
      case IsString -> v.isTextual() == x.asBoolean();
      case IsBoolean -> v.isBoolean() == x.asBoolean();
      case IsTimestamp -> (v.isTextual() && timestamp(v.asText()) != null) == x.asBoolean();
      case StringEquals -> v.isTextual() && v.asText().equals(x.asText());
      case StringLessThan -> v.isTextual() && v.asText().compareTo(x.asText()) < 0;
      case StringGreaterThan -> v.isTextual() && v.asText().compareTo(x.asText()) > 0;
      case StringLessThanEquals -> v.isTextual() && v.asText().compareTo(x.asText()) <= 0;
      case StringGreaterThanEquals -> v.isTextual() && v.asText().compareTo(x.asText()) >= 0;
      case StringMatches -> v.isTextual() && glob(x.asText()).matcher(v.asText()).matches();
      case NumericEquals -> v.isNumber() && v.decimalValue().compareTo(x.decimalValue()) == 0;
      case NumericLessThan -> v.isNumber() && v.decimalValue().compareTo(x.decimalValue()) < 0;
      case NumericGreaterThan -> v.isNumber() && v.decimalValue().compareTo(x.decimalValue()) > 0;
      case NumericLessThanEquals -> v.isNumber() && v.decimalValue().compareTo(x.decimalValue()) <= 0;
      case NumericGreaterThanEquals -> v.isNumber() && v.decimalValue().compareTo(x.decimalValue()) >= 0;
      case BooleanEquals -> v.isBoolean() && v.asBoolean() == x.asBoolean();
      case TimestampEquals -> time(v, x, c -> c == 0);
      case TimestampLessThan -> time(v, x, c -> c < 0);
      case TimestampGreaterThan -> time(v, x, c -> c > 0);
      case TimestampLessThanEquals -> time(v, x, c -> c <= 0);
      case TimestampGreaterThanEquals -> time(v, x, c -> c >= 0);
    };
  }

  /** A timestamp comparison; a value that is not a timestamp matches none. */
  private static boolean time(JsonNode v, JsonNode x, java.util.function.IntPredicate holds) {
    OffsetDateTime a = v.isTextual() ? timestamp(v.asText()) : null;
    OffsetDateTime b = timestamp(x.asText());
    return a != null && b != null && holds.test(a.compareTo(b));
  }

  private static OffsetDateTime timestamp(String s) {
    try {
      return OffsetDateTime.parse(s);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** StringMatches: {@code *} matches any run of characters; {@code \*} is a literal star. */
  private static Pattern glob(String pattern) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c == '\\' && i + 1 < pattern.length()) {
        re.append(Pattern.quote(String.valueOf(pattern.charAt(++i))));
      } else if (c == '*') {
        re.append(".*");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }
}
