package dev.pier.registry.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The online experiments a version was in, for its lineage's downstream: the experiments domain provides it, so the
 * registry needs to know nothing of experiments.
 */
public interface VersionExperiments {
  /**
   * An experiment as lineage names it: its id and name, the arm that served the version, its state and dates (null
   * until it started, stopped).
   */
  record Experiment(String id, String name, String arm, String state,
      @JsonProperty("started_at") String startedAt, @JsonProperty("stopped_at") String stoppedAt) {}

  List<Experiment> experiments(String model, int version);

  /** Where no experiments module is wired. */
  VersionExperiments NONE = (model, version) -> List.of();
}
