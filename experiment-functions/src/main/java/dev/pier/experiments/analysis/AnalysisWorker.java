package dev.pier.experiments.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.experiments.Decision;
import dev.pier.experiments.Experiments;
import dev.pier.statemachines.StatesError;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The tasks of {@code experiment-analysis.asl.json} (the experiments worker): {@code {"action": "running"}} answers
 * {@code {"experiments": [ids]}}; {@code {"action": "analyze", "experiment", "at"}} runs {@link Experiments#analyze(
 * String, Instant)} as the analysis at {@code at} (the execution's start time) and answers {@code {"experiment",
 * "decision"}} (decision null for an experiment no longer running). A malformed payload fails with
 * {@code Pier.InvalidPayload}, which the workflow does not retry.
 */
public final class AnalysisWorker {

  /** The task actions this worker answers (the Lambda handler routes payloads naming one of them here). */
  public static final java.util.Set<String> ACTIONS = java.util.Set.of("running", "analyze");

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Experiments experiments;

  public AnalysisWorker(Experiments experiments) {
    this.experiments = experiments;
  }

  /** Handles one task's {@code Payload} (locally, the task's {@code Parameters.Payload}). */
  public JsonNode invoke(JsonNode payload) {
    String action = payload.path("action").asText();
    return switch (action) {
      case "running" -> {
        ObjectNode out = JSON.createObjectNode();
        experiments.runningIds().forEach(out.putArray("experiments")::add);
        yield out;
      }
      case "analyze" -> {
        String id = payload.path("experiment").asText();
        if (id.isEmpty()) throw new StatesError("Pier.InvalidPayload", "analyze: experiment is required");
        Instant at;
        try {
          at = Instant.parse(payload.path("at").asText());
        } catch (DateTimeParseException x) {
          throw new StatesError("Pier.InvalidPayload", "analyze: at is not an ISO-8601 instant: '"
              + payload.path("at").asText() + "'");
        }
        Decision d = experiments.analyze(id, at);
        ObjectNode out = JSON.createObjectNode().put("experiment", id);
        out.set("decision", JSON.valueToTree(d));
        yield out;
      }
      default -> throw new StatesError("Pier.InvalidPayload", "unknown action '" + action + "'");
    };
  }
}
