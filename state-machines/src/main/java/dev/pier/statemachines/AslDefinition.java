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
 * @param name the file name without {@code .asl.json}, e.g. {@code batch-scoring}
 */
public record AslDefinition(String name, JsonNode json) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The state machines this module ships. */
  public static final String BATCH_SCORING = "batch-scoring";

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
      return new AslDefinition(name, json);
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
