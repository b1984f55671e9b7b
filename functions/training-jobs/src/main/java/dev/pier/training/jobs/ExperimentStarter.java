package dev.pier.training.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * What the workflow's experiment step needs of the experiments API (issue #16's {@code /api/v1/experiments}): check a
 * design before the job runs, find the experiment an earlier attempt of the step made, create one, start it.
 * {@link ExperimentsStarter} is the one over Pier's experiments.
 */
public interface ExperimentStarter {
  /** An experiment as the step sees it. */
  record Started(String id, String state) {}

  /** A 400 naming what is wrong with {@code definition} (a full experiment body, arms included). */
  void check(JsonNode definition);

  /** The experiment on {@code model} whose hypothesis carries {@code marker}, if an earlier attempt made one. */
  Optional<Started> find(String model, String marker);

  /** Creates the experiment (a draft); a 4xx from the experiments API for a design it refuses. */
  Started create(JsonNode definition);

  /** Starts it; idempotent (a running experiment is answered as it is). */
  Started start(String id);
}
