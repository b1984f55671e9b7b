package dev.pier.tracking;

import java.util.List;
import java.util.Map;

/**
 * An MLflow run: its info, the latest value of each metric (highest step, then timestamp), params and tags.
 *
 * @param endTime 0 while the run has not ended
 */
public record Run(String runId, String experimentId, String name, String userId, String status, long startTime,
    long endTime, String artifactUri, String lifecycleStage, List<Metric> metrics, Map<String, String> params,
    Map<String, String> tags) {
  public Run {
    metrics = List.copyOf(metrics);
    params = Map.copyOf(params);
    tags = Map.copyOf(tags);
  }
}
