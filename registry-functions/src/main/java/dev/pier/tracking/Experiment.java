package dev.pier.tracking;

import java.util.Map;

/** An MLflow experiment: a named group of runs. Times are epoch milliseconds. */
public record Experiment(String id, String name, String artifactLocation, String lifecycleStage, long creationTime,
    long lastUpdateTime, Map<String, String> tags) {
  public Experiment {
    tags = Map.copyOf(tags);
  }
}
