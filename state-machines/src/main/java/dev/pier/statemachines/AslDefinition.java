package dev.pier.statemachines;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A state machine definition in Amazon States Language, after {@code ${Placeholder}} substitution (the same
 * substitutions the CDK app's {@code definitionSubstitutions} make in AWS).
 *
 * <p>Its states are parsed once, here: a definition that Step Functions would refuse is refused with an
 * {@link IllegalArgumentException} naming the state, before any execution starts.
 *
 */
public final class AslDefinition {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The state machines this module ships. */
  public static final String BATCH_SCORING = "batch-scoring";

  private final String name;
  private final JsonNode json;
  private final StateMachine machine;

  private AslDefinition(String name, JsonNode json, StateMachine machine) {
    this.name = name;
    this.json = json;
    this.machine = machine;
  }

  /** The file name without {@code .asl.json}, e.g. {@code batch-scoring}. */
  public String name() {
    return name;
  }

  /** The definition as written (after substitution). */
  public JsonNode json() {
    return json;
  }

  /** Its states, parsed. */
  StateMachine machine() {
    return machine;
  }

  public static AslDefinition parse(String name, String text, Map<String, String> substitutions) {
    String substituted = text;
    for (Map.Entry<String, String> s : substitutions.entrySet()) {
      substituted = substituted.replace("${" + s.getKey() + "}", s.getValue());
    }
    try {
      JsonNode json = JSON.readTree(substituted);
      if (!json.has("StartAt") || !json.path("States").isObject()) {
        throw new IllegalArgumentException(name + " is not a state machine: it needs StartAt and States");
      }
      return new AslDefinition(name, json, StateMachineParser.parse(name, json));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(name + " is not JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** A definition shipped in this module's resources, e.g. {@link #BATCH_SCORING}. */
  public static AslDefinition bundled(String name, Map<String, String> substitutions) {
    String resource = "/" + name + ".asl.json";
    try (InputStream in = AslDefinition.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no state machine " + resource + " in this build");
      }
      return parse(name, new String(in.readAllBytes(), StandardCharsets.UTF_8), substitutions);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
