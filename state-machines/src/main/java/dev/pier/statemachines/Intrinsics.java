package dev.pier.statemachines;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;

/**
 * ASL intrinsic functions ({@code States.Format('{}-{}', $.a, $.b)} and friends), evaluated where a {@code .$}
 * field holds one. Arguments are string literals in single quotes (with {@code \'}, {@code \{}, {@code \}} and
 * {@code \\} escapes), numbers, {@code true}/{@code false}/{@code null}, paths and nested intrinsics.
 */
public final class Intrinsics {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Intrinsics() {}

  public static boolean isIntrinsic(String expression) {
    return expression.startsWith("States.");
  }

  public static JsonNode evaluate(String expression, JsonNode input, JsonNode context) {
    Parser p = new Parser(expression, input, context);
    JsonNode result = p.call();
    p.skipSpaces();
    if (p.pos != expression.length()) {
      throw p.fail("unexpected text after the call");
    }
    return result;
  }

  private static final class Parser {
    private final String text;
    private final JsonNode input;
    private final JsonNode context;
    private int pos;

    Parser(String text, JsonNode input, JsonNode context) {
      this.text = text;
      this.input = input;
      this.context = context;
    }

    JsonNode call() {
      skipSpaces();
      int open = text.indexOf('(', pos);
      if (open < 0) {
        throw fail("expected '('");
      }
      String name = text.substring(pos, open).trim();
      pos = open + 1;
      List<JsonNode> args = new ArrayList<>();
      skipSpaces();
      if (peek() == ')') {
        pos++;
      } else {
        while (true) {
          args.add(argument());
          skipSpaces();
          char c = next();
          if (c == ')') {
            break;
          }
          if (c != ',') {
            throw fail("expected ',' or ')'");
          }
        }
      }
      return apply(name, args);
    }

    JsonNode argument() {
      skipSpaces();
      char c = peek();
      if (c == '\'') {
        pos++;
        StringBuilder s = new StringBuilder();
        while (true) {
          char d = next();
          if (d == '\\') {
            s.append(next());
          } else if (d == '\'') {
            return NODES.textNode(s.toString());
          } else {
            s.append(d);
          }
        }
      }
      int start = pos;
      if (text.startsWith("States.", pos)) {
        return call();
      }
      int depth = 0;
      while (pos < text.length()) {
        char d = text.charAt(pos);
        if (d == '[') {
          depth++;
        } else if (d == ']') {
          depth--;
        } else if ((d == ',' || d == ')') && depth == 0) {
          break;
        }
        pos++;
      }
      String token = text.substring(start, pos).trim();
      if (token.startsWith("$")) {
        return JsonPath.read(token, input, context);
      }
      try {
        return JSON.readTree(token);
      } catch (JsonProcessingException e) {
        throw fail("cannot read argument '" + token + "'");
      }
    }

    void skipSpaces() {
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
    }

    char peek() {
      if (pos >= text.length()) {
        throw fail("unexpected end");
      }
      return text.charAt(pos);
    }

    char next() {
      char c = peek();
      pos++;
      return c;
    }

    StatesError fail(String why) {
      return new StatesError(StatesError.INTRINSIC_FAILURE, why + " at " + pos + " in '" + text + "'");
    }

    private JsonNode apply(String name, List<JsonNode> a) {
      return switch (name) {
        case "States.Format" -> {
          String template = a.get(0).asText();
          StringBuilder out = new StringBuilder();
          int arg = 1;
          for (int i = 0; i < template.length(); i++) {
            if (template.startsWith("{}", i)) {
              if (arg >= a.size()) {
                throw fail("States.Format has more {} than arguments");
              }
              JsonNode v = a.get(arg++);
              out.append(v.isValueNode() ? v.asText() : v.toString());
              i++;
            } else {
              out.append(template.charAt(i));
            }
          }
          if (arg != a.size()) {
            throw fail("States.Format has more arguments than {}");
          }
          yield NODES.textNode(out.toString());
        }
        case "States.StringToJson" -> {
          try {
            yield JSON.readTree(a.get(0).asText());
          } catch (JsonProcessingException e) {
            throw fail("States.StringToJson: not JSON");
          }
        }
        case "States.JsonToString" -> NODES.textNode(a.get(0).toString());
        case "States.Array" -> NODES.arrayNode().addAll(a);
        case "States.ArrayLength" -> NODES.numberNode(a.get(0).size());
        case "States.ArrayGetItem" -> {
          JsonNode item = a.get(0).get(a.get(1).asInt());
          if (item == null) {
            throw fail("States.ArrayGetItem: index out of range");
          }
          yield item;
        }
        case "States.ArrayContains" -> {
          boolean found = false;
          for (JsonNode n : a.get(0)) {
            found |= n.equals(a.get(1));
          }
          yield NODES.booleanNode(found);
        }
        case "States.ArrayPartition" -> {
          ArrayNode out = NODES.arrayNode();
          int size = a.get(1).asInt();
          if (size <= 0) {
            throw fail("States.ArrayPartition: chunk size must be positive");
          }
          ArrayNode current = null;
          for (JsonNode n : a.get(0)) {
            if (current == null || current.size() == size) {
              current = out.addArray();
            }
            current.add(n);
          }
          yield out;
        }
        case "States.ArrayRange" -> {
          ArrayNode out = NODES.arrayNode();
          int start = a.get(0).asInt();
          int end = a.get(1).asInt();
          int step = a.get(2).asInt();
          if (step == 0) {
            throw fail("States.ArrayRange: step must not be 0");
          }
          for (int i = start; step > 0 ? i <= end : i >= end; i += step) {
            out.add(i);
          }
          yield out;
        }
        case "States.ArrayUnique" -> {
          ArrayNode out = NODES.arrayNode();
          new LinkedHashSet<JsonNode>(toList(a.get(0))).forEach(out::add);
          yield out;
        }
        case "States.JsonMerge" -> {
          if (!a.get(0).isObject() || !a.get(1).isObject()) {
            throw fail("States.JsonMerge merges two objects");
          }
          ObjectNode merged = ((ObjectNode) a.get(0)).deepCopy();
          merged.setAll((ObjectNode) a.get(1)); // shallow merge, as Step Functions does with deep merge false
          yield merged;
        }
        case "States.MathAdd" -> NODES.numberNode(a.get(0).asLong() + a.get(1).asLong());
        case "States.StringSplit" -> {
          ArrayNode out = NODES.arrayNode();
          String s = a.get(0).asText();
          String delims = a.get(1).asText();
          StringBuilder token = new StringBuilder();
          for (char c : s.toCharArray()) {
            if (delims.indexOf(c) >= 0) {
              if (!token.isEmpty()) {
                out.add(token.toString());
              }
              token.setLength(0);
            } else {
              token.append(c);
            }
          }
          if (!token.isEmpty()) {
            out.add(token.toString());
          }
          yield out;
        }
        case "States.UUID" -> NODES.textNode(UUID.randomUUID().toString());
        case "States.Base64Encode" -> NODES.textNode(
            Base64.getEncoder().encodeToString(a.get(0).asText().getBytes(StandardCharsets.UTF_8)));
        case "States.Base64Decode" -> NODES.textNode(
            new String(Base64.getDecoder().decode(a.get(0).asText()), StandardCharsets.UTF_8));
        default -> throw fail("unsupported intrinsic function " + name);
      };
    }

    private static List<JsonNode> toList(JsonNode array) {
      List<JsonNode> out = new ArrayList<>();
      array.forEach(out::add);
      return out;
    }
  }
}
