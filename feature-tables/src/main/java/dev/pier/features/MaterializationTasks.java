package dev.pier.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The feature worker's tasks, one per {@code action} of the payload the {@code feature-materialization} state machine
 * sends ({@code materialize-plan}, {@code -chunk}, {@code -finish}, {@code -fail}), plus {@code materialize-incremental}
 * that a schedule sends to start a job from each view's watermark to now. Run by the local runner's tasks and, in AWS,
 * by {@link FeatureWorkerHandler}. Failures are named for the ASL's Retry and Catch: {@link FeaturesInvalidError} (bad
 * data or request, not retried) and {@link FeaturesTransientError} (AWS or I/O, retried).
 */
public final class MaterializationTasks {
  /** Chunks written at the same time (the Map's MaxConcurrency). */
  static final int CONCURRENCY = 2;
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Materialization steps;
  private final Clock clock;

  public MaterializationTasks(Materialization steps) {
    this(steps, Clock.systemUTC());
  }

  MaterializationTasks(Materialization steps, Clock clock) {
    this.steps = steps;
    this.clock = clock;
  }

  /** Runs the task the payload names and answers its result. */
  public JsonNode invoke(JsonNode payload) {
    String id = payload.path("job_id").asText();
    try {
      return switch (payload.path("action").asText()) {
        case "materialize-plan" -> {
          ObjectNode out = NODES.objectNode().put("concurrency", CONCURRENCY);
          ArrayNode chunks = out.putArray("chunks");
          for (Materialization.Chunk c : steps.plan(id)) {
            chunks.addObject().put("view", c.view()).put("file", c.file());
          }
          yield out;
        }
        case "materialize-chunk" -> NODES.objectNode().put("rows", steps.writeChunk(id,
            new Materialization.Chunk(payload.path("view").asText(), payload.path("file").asText())));
        case "materialize-finish" -> {
          Materialization.Job job = steps.complete(id);
          yield NODES.objectNode().put("state", job.state().name()).put("rows", job.rows());
        }
        case "materialize-fail" -> {
          JsonNode error = payload.path("error");
          steps.fail(id, error.path("Cause").asText(error.path("Error").asText("failed")));
          yield NODES.objectNode();
        }
        case "materialize-incremental" -> {
          List<String> views = new ArrayList<>();
          payload.path("feature_views").forEach(v -> views.add(v.asText()));
          if (views.isEmpty() && !steps.hasOnlineViews()) {
            // the schedule of a deployment with no online view yet: nothing to do, and not an error
            yield NODES.objectNode().put("state", "SKIPPED").put("reason", "no online feature view");
          }
          Materialization.Job job = steps.startIncremental(clock.instant(), views);
          yield NODES.objectNode().put("id", job.id()).put("state", job.state().name());
        }
        default -> throw new FeaturesInvalidError("unknown action " + payload.path("action"));
      };
    } catch (PierException e) {
      if (e.status() < 500) {
        throw new FeaturesInvalidError(e.getMessage());
      }
      throw new FeaturesTransientError(e.getMessage(), e);
    } catch (software.amazon.awssdk.core.exception.SdkException | java.io.UncheckedIOException e) {
      throw new FeaturesTransientError(String.valueOf(e.getMessage()), e);
    }
  }
}
