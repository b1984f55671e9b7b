package dev.pier.registry.mlflow;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.registry.Alias;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.RegisteredModel;
import dev.pier.tracking.Experiment;
import dev.pier.tracking.Metric;
import dev.pier.tracking.Run;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * MLflow's JSON shapes as records Jackson writes (snake_case; a model version's {@code version} is a string; tags as
 * key/value lists).
 */
final class MlflowJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private MlflowJson() {}

  record KeyValue(String key, String value) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Version(String name, String version, @JsonProperty("creation_timestamp") long creationTimestamp,
      @JsonProperty("last_updated_timestamp") long lastUpdatedTimestamp, @JsonProperty("user_id") String userId,
      @JsonProperty("current_stage") String currentStage, String description, String source,
      @JsonProperty("run_id") String runId, String status, @JsonProperty("status_message") String statusMessage,
      List<KeyValue> tags, List<String> aliases,
      // Pier's own fields; MLflow clients ignore fields they do not know.
      @JsonProperty("pier_servable") boolean pierServable,
      @JsonProperty("pier_review_status") String pierReviewStatus) {}

  record AliasRef(String alias, String version) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Model(String name, @JsonProperty("creation_timestamp") long creationTimestamp,
      @JsonProperty("last_updated_timestamp") long lastUpdatedTimestamp, String description,
      @JsonProperty("latest_versions") List<Version> latestVersions, List<KeyValue> tags, List<AliasRef> aliases) {}

  record ExperimentJson(@JsonProperty("experiment_id") String experimentId, String name,
      @JsonProperty("artifact_location") String artifactLocation,
      @JsonProperty("lifecycle_stage") String lifecycleStage,
      @JsonProperty("last_update_time") long lastUpdateTime, @JsonProperty("creation_time") long creationTime,
      List<KeyValue> tags) {}

  record RunInfo(@JsonProperty("run_id") String runId, @JsonProperty("run_uuid") String runUuid,
      @JsonProperty("run_name") String runName, @JsonProperty("experiment_id") String experimentId,
      @JsonProperty("user_id") String userId, String status, @JsonProperty("start_time") long startTime,
      @JsonProperty("end_time") @JsonInclude(JsonInclude.Include.NON_NULL) Long endTime, @JsonProperty("artifact_uri") String artifactUri,
      @JsonProperty("lifecycle_stage") String lifecycleStage) {}

  record RunData(List<MetricJson> metrics, List<KeyValue> params, List<KeyValue> tags) {}

  record RunJson(RunInfo info, RunData data, Map<String, Object> inputs) {}

  record MetricJson(String key, double value, long timestamp, long step) {}

  static List<KeyValue> keyValues(Map<String, String> map) {
    return map.entrySet().stream().map(e -> new KeyValue(e.getKey(), e.getValue())).toList();
  }

  static Version version(ModelVersion v, List<Alias> aliases) {
    return new Version(v.model(), Integer.toString(v.version()), v.createdAt().toEpochMilli(),
        v.updatedAt().toEpochMilli(), v.governance().createdBy(), v.governance().stage(), v.metadata().description(),
        v.provenance().source(), v.provenance().runId(), "READY",
        v.artifact().servable() ? null : "not servable: " + v.artifact().statusMessage(),
        keyValues(v.metadata().tags()), aliases == null ? List.of()
            : aliases.stream().filter(x -> x.version() == v.version()).map(Alias::name).toList(),
        v.artifact().servable(), v.governance().status().name());
  }

  static Model model(RegisteredModel m, List<ModelVersion> latest, List<Alias> aliases) {
    return new Model(m.name(), m.createdAt().toEpochMilli(), m.updatedAt().toEpochMilli(), m.description(),
        latest.stream().map(v -> version(v, aliases)).toList(), keyValues(m.tags()),
        aliases.stream().map(x -> new AliasRef(x.name(), Integer.toString(x.version()))).toList());
  }

  /** @param location how a stored artifact location reads to clients ({@link MlflowArtifactStore#toClient}) */
  static ExperimentJson experiment(Experiment e, UnaryOperator<String> location) {
    return new ExperimentJson(e.id(), e.name(), location.apply(e.artifactLocation()), e.lifecycleStage(),
        e.lastUpdateTime(), e.creationTime(), keyValues(e.tags()));
  }

  static RunInfo runInfo(Run r, UnaryOperator<String> location) {
    return new RunInfo(r.runId(), r.runId(), r.name(), r.experimentId(), r.userId(), r.status(), r.startTime(),
        r.endTime() > 0 ? r.endTime() : null, location.apply(r.artifactUri()), r.lifecycleStage());
  }

  static RunJson run(Run r, UnaryOperator<String> location) {
    return new RunJson(runInfo(r, location), new RunData(r.metrics().stream().map(MlflowJson::metric).toList(),
        keyValues(r.params()), keyValues(r.tags())), Map.of());
  }

  static MetricJson metric(Metric m) {
    return new MetricJson(m.key(), m.value(), m.timestamp(), m.step());
  }

  /** {@code {field: value}}. */
  static String wrap(String field, Object value) {
    return write(Map.of(field, value));
  }

  /** A listing: {@code {field: items}} with {@code next_page_token} when there is a next page. */
  static String page(String field, List<?> items, String nextPageToken) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put(field, items);
    if (nextPageToken != null) {
      o.put("next_page_token", nextPageToken);
    }
    return write(o);
  }

  static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
