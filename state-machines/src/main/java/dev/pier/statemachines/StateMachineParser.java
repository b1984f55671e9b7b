package dev.pier.statemachines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.pier.statemachines.State.Amount;
import dev.pier.statemachines.State.Catcher;
import dev.pier.statemachines.State.Io;
import dev.pier.statemachines.State.MapState;
import dev.pier.statemachines.State.Retrier;
import dev.pier.statemachines.State.Wait;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an ASL definition into {@link StateMachine}s of {@link State} records, once, when the definition is loaded.
 * A definition Step Functions would refuse (an unknown Type, a Next naming no state, a Choice Rule without an
 * operator, …) is refused here with an {@link IllegalArgumentException} naming the state, instead of failing an
 * execution half-way.
 */
final class StateMachineParser {
  private static final Set<String> NOT_OPERATORS = Set.of("Variable", "Next", "Comment");

  private final String definition;

  private StateMachineParser(String definition) {
    this.definition = definition;
  }

  static StateMachine parse(String definition, JsonNode json) {
    return new StateMachineParser(definition).machine(json, "");
  }

  private StateMachine machine(JsonNode json, String where) {
    JsonNode states = json.path("States");
    if (!json.path("StartAt").isTextual() || !states.isObject() || states.isEmpty()) {
      throw error(where, "needs StartAt and a non-empty States object");
    }
    Map<String, State> parsed = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = states.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> s = it.next();
      parsed.put(s.getKey(), state(s.getKey(), s.getValue(), where + "state '" + s.getKey() + "'"));
    }
    String startAt = json.get("StartAt").asText();
    if (!parsed.containsKey(startAt)) {
      throw error(where, "StartAt names no state: '" + startAt + "'");
    }
    for (State s : parsed.values()) {
      for (String target : targets(s)) {
        if (target != null && !parsed.containsKey(target)) {
          throw error(where + "state '" + s.name() + "'", "Next names no state: '" + target + "'");
        }
      }
    }
    return new StateMachine(startAt, Map.copyOf(parsed));
  }

  /** The states {@code s} may go to next, to check each exists. */
  private static List<String> targets(State s) {
    List<String> out = new ArrayList<>();
    switch (s) {
      case State.Pass p -> out.add(p.next());
      case State.Wait w -> out.add(w.next());
      case State.Choice c -> {
        c.choices().forEach(b -> out.add(b.next()));
        out.add(c.defaultNext());
      }
      case State.Worker w -> {
        out.add(w.next());
        w.catches().forEach(c -> out.add(c.next()));
      }
      case State.Succeed ignored -> { }
      case State.Fail ignored -> { }
    }
    return out;
  }

  private State state(String name, JsonNode s, String where) {
    if (!s.isObject()) {
      throw error(where, "is not an object");
    }
    String type = s.path("Type").asText("");
    return switch (type) {
      case "Pass" -> new State.Pass(name, io(s), optional(s, "Parameters"), optional(s, "Result"),
          next(s, where));
      case "Task" -> {
        if (!s.path("Resource").isTextual()) {
          throw error(where, "is a Task without a Resource");
        }
        Long timeout = s.has("TimeoutSeconds") ? s.get("TimeoutSeconds").asLong() : null;
        yield new State.Task(name, io(s), s.get("Resource").asText(), optional(s, "Parameters"), timeout,
            optional(s, "ResultSelector"), retriers(s, where), catchers(s, where), next(s, where));
      }
      case "Choice" -> choice(name, s, where);
      case "Wait" -> new Wait(name, io(s), until(s, where), next(s, where));
      case "Succeed" -> new State.Succeed(name, io(s));
      case "Fail" -> new State.Fail(name, s.path("Error").asText("States.Fail"), text(s, "ErrorPath"),
          s.path("Cause").asText(""), text(s, "CausePath"));
      case "Parallel" -> {
        JsonNode branches = s.path("Branches");
        if (!branches.isArray() || branches.isEmpty()) {
          throw error(where, "is a Parallel state without Branches");
        }
        List<StateMachine> parsed = new ArrayList<>();
        for (int i = 0; i < branches.size(); i++) {
          parsed.add(machine(branches.get(i), where + " branch " + i + " > "));
        }
        yield new State.Parallel(name, io(s), optional(s, "Parameters"), List.copyOf(parsed),
            optional(s, "ResultSelector"), retriers(s, where), catchers(s, where), next(s, where));
      }
      case "Map" -> map(name, s, where);
      default -> throw error(where, type.isEmpty() ? "has no Type" : "has unknown Type '" + type + "'");
    };
  }

  private State.Choice choice(String name, JsonNode s, String where) {
    JsonNode choices = s.path("Choices");
    if (!choices.isArray() || choices.isEmpty()) {
      throw error(where, "is a Choice state without Choices");
    }
    List<State.Choice.Branch> branches = new ArrayList<>();
    for (int i = 0; i < choices.size(); i++) {
      JsonNode rule = choices.get(i);
      String at = where + " Choices[" + i + "]";
      if (!rule.path("Next").isTextual()) {
        throw error(at, "has no Next");
      }
      branches.add(new State.Choice.Branch(rule(rule, at), rule.get("Next").asText()));
    }
    return new State.Choice(name, io(s), List.copyOf(branches), text(s, "Default"));
  }

  private ChoiceRule rule(JsonNode rule, String where) {
    if (rule.has("And") || rule.has("Or")) {
      JsonNode list = rule.has("And") ? rule.get("And") : rule.get("Or");
      if (!list.isArray() || list.isEmpty()) {
        throw error(where, (rule.has("And") ? "And" : "Or") + " needs a non-empty array of rules");
      }
      List<ChoiceRule> rules = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        rules.add(rule(list.get(i), where + (rule.has("And") ? " And[" : " Or[") + i + "]"));
      }
      return rule.has("And") ? new ChoiceRule.And(List.copyOf(rules)) : new ChoiceRule.Or(List.copyOf(rules));
    }
    if (rule.has("Not")) {
      return new ChoiceRule.Not(rule(rule.get("Not"), where + " Not"));
    }
    if (!rule.path("Variable").isTextual()) {
      throw error(where, "a Choice Rule needs a Variable (or And, Or, Not)");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = rule.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String field = f.getKey();
      if (NOT_OPERATORS.contains(field)) {
        continue;
      }
      boolean path = field.endsWith("Path");
      String op = path ? field.substring(0, field.length() - 4) : field;
      try {
        ChoiceRule.Operator operator = ChoiceRule.Operator.valueOf(op);
        if (path && !f.getValue().isTextual()) {
          throw error(where, field + " needs a path");
        }
        return new ChoiceRule.Comparison(rule.get("Variable").asText(), operator, f.getValue(), path);
      } catch (IllegalArgumentException unknown) {
        if (unknown.getMessage() != null && unknown.getMessage().startsWith(definition + ": ")) {
          throw unknown;
        }
        throw error(where, "has unsupported Choice operator '" + field + "'");
      }
    }
    throw error(where, "a Choice Rule on " + rule.get("Variable").asText() + " has no comparison");
  }

  private Wait.Until until(JsonNode s, String where) {
    List<Wait.Until> given = new ArrayList<>();
    if (s.has("Seconds")) {
      given.add(new Wait.Seconds(s.get("Seconds").asLong()));
    }
    if (s.has("SecondsPath")) {
      given.add(new Wait.SecondsPath(s.get("SecondsPath").asText()));
    }
    if (s.has("Timestamp")) {
      given.add(new Wait.Timestamp(s.get("Timestamp").asText()));
    }
    if (s.has("TimestampPath")) {
      given.add(new Wait.TimestampPath(s.get("TimestampPath").asText()));
    }
    if (given.size() != 1) {
      throw error(where, "is a Wait state that needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath");
    }
    return given.getFirst();
  }

  private MapState map(String name, JsonNode s, String where) {
    JsonNode processor = s.has("ItemProcessor") ? s.get("ItemProcessor") : s.get("Iterator");
    if (processor == null || !processor.isObject()) {
      throw error(where, "is a Map state without an ItemProcessor");
    }
    String mode = processor.path("ProcessorConfig").path("Mode").asText("INLINE");
    if (!mode.equals("INLINE") && !mode.equals("DISTRIBUTED")) {
      throw error(where, "has unknown ProcessorConfig.Mode '" + mode + "'");
    }
    MapState.Batcher batcher = null;
    if (s.has("ItemBatcher")) {
      JsonNode b = s.get("ItemBatcher");
      batcher = new MapState.Batcher(amount(b, "MaxItemsPerBatch", 0), amount(b, "MaxInputBytesPerBatch", 256 * 1024),
          optional(b, "BatchInput"));
    }
    JsonNode selector = s.has("ItemSelector") ? s.get("ItemSelector") : optional(s, "Parameters");
    JsonNode writer = s.has("ResultWriter") ? s.get("ResultWriter").path("Parameters") : null;
    return new MapState(name, io(s), items(s, where), selector, batcher, amount(s, "MaxConcurrency", 0),
        machine(processor, where + " > "), mode.equals("DISTRIBUTED"), amount(s, "ToleratedFailurePercentage", 0),
        amount(s, "ToleratedFailureCount", 0), writer, optional(s, "ResultSelector"), retriers(s, where),
        catchers(s, where), next(s, where));
  }

  private MapState.Items items(JsonNode s, String where) {
    if (!s.has("ItemReader")) {
      return new MapState.ItemsPath(s.path("ItemsPath").asText("$"));
    }
    JsonNode reader = s.get("ItemReader");
    String resource = reader.path("Resource").asText("");
    MapState.Source source = null;
    for (MapState.Source candidate : MapState.Source.values()) {
      if (candidate.arn.equals(resource)) {
        source = candidate;
      }
    }
    if (source == null) {
      throw error(where, "has unsupported ItemReader Resource '" + resource + "'");
    }
    JsonNode config = reader.path("ReaderConfig");
    String type = config.path("InputType").asText("JSON");
    MapState.InputType inputType;
    try {
      inputType = MapState.InputType.valueOf(type);
    } catch (IllegalArgumentException e) {
      throw error(where, "has unsupported ItemReader InputType '" + type + "'");
    }
    List<String> headers = null;
    if ("GIVEN".equals(config.path("CSVHeaderLocation").asText("FIRST_ROW"))) {
      headers = new ArrayList<>();
      for (JsonNode h : config.path("CSVHeaders")) {
        headers.add(h.asText());
      }
      headers = List.copyOf(headers);
    }
    return new MapState.ItemReader(source, reader.path("Parameters"),
        new MapState.ReaderConfig(inputType, headers, amount(config, "MaxItems", 0)));
  }

  private List<Retrier> retriers(JsonNode s, String where) {
    List<Retrier> out = new ArrayList<>();
    JsonNode retry = s.path("Retry");
    for (int i = 0; i < retry.size(); i++) {
      JsonNode r = retry.get(i);
      Double maxDelay = r.has("MaxDelaySeconds") ? r.get("MaxDelaySeconds").asDouble() : null;
      out.add(new Retrier(errorEquals(r, where + " Retry[" + i + "]"), r.path("IntervalSeconds").asDouble(1),
          r.path("MaxAttempts").asInt(3), r.path("BackoffRate").asDouble(2.0), maxDelay,
          "FULL".equals(r.path("JitterStrategy").asText("NONE"))));
    }
    return List.copyOf(out);
  }

  private List<Catcher> catchers(JsonNode s, String where) {
    List<Catcher> out = new ArrayList<>();
    JsonNode catches = s.path("Catch");
    for (int i = 0; i < catches.size(); i++) {
      JsonNode c = catches.get(i);
      String at = where + " Catch[" + i + "]";
      if (!c.path("Next").isTextual()) {
        throw error(at, "has no Next");
      }
      String resultPath = c.has("ResultPath") ? nullableText(c.get("ResultPath")) : "$";
      out.add(new Catcher(errorEquals(c, at), resultPath, c.get("Next").asText()));
    }
    return List.copyOf(out);
  }

  private List<String> errorEquals(JsonNode node, String where) {
    JsonNode names = node.path("ErrorEquals");
    if (!names.isArray() || names.isEmpty()) {
      throw error(where, "needs a non-empty ErrorEquals");
    }
    List<String> out = new ArrayList<>();
    names.forEach(n -> out.add(n.asText()));
    return List.copyOf(out);
  }

  private static Io io(JsonNode s) {
    return new Io(pathField(s, "InputPath"), pathField(s, "ResultPath"), pathField(s, "OutputPath"));
  }

  private static String pathField(JsonNode s, String field) {
    return s.has(field) ? nullableText(s.get(field)) : "$";
  }

  private String next(JsonNode s, String where) {
    if (s.path("End").asBoolean(false)) {
      return null;
    }
    if (!s.path("Next").isTextual()) {
      throw error(where, "needs Next or \"End\": true");
    }
    return s.get("Next").asText();
  }

  private static Amount amount(JsonNode node, String field, double otherwise) {
    if (node.has(field + "Path")) {
      return new Amount(MissingNode.getInstance(), node.get(field + "Path").asText(), otherwise);
    }
    return new Amount(node.path(field), null, otherwise);
  }

  private static JsonNode optional(JsonNode s, String field) {
    return s.has(field) ? s.get(field) : null;
  }

  private static String text(JsonNode s, String field) {
    return s.has(field) ? s.get(field).asText() : null;
  }

  private static String nullableText(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }

  private IllegalArgumentException error(String where, String what) {
    String at = where.isEmpty() ? "" : where.endsWith("> ") ? where.substring(0, where.length() - 3) + " " : where + " ";
    return new IllegalArgumentException(definition + ": " + at + what);
  }
}
