package dev.pier.registry.mlflow;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.registry.Alias;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.RegisteredModel;
import dev.pier.tracking.Experiment;
import dev.pier.tracking.Metric;
import dev.pier.tracking.Run;
import java.util.List;
import java.util.Map;

/** MLflow's JSON shapes (snake_case; a model version's {@code version} is a string; tags as key/value lists). */
final class MlflowJson {
  private MlflowJson() {}

  static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  static ArrayNode keyValues(Map<String, String> map) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    map.forEach((k, v) -> a.addObject().put("key", k).put("value", v));
    return a;
  }

  static ObjectNode version(ModelVersion v, List<Alias> aliases) {
    ObjectNode o = object();
    o.put("name", v.model());
    o.put("version", Integer.toString(v.version()));
    o.put("creation_timestamp", v.createdAt().toEpochMilli());
    o.put("last_updated_timestamp", v.updatedAt().toEpochMilli());
    if (v.governance().createdBy() != null) {
      o.put("user_id", v.governance().createdBy());
    }
    o.put("current_stage", v.governance().stage());
    if (v.metadata().description() != null) {
      o.put("description", v.metadata().description());
    }
    if (v.provenance().source() != null) {
      o.put("source", v.provenance().source());
    }
    if (v.provenance().runId() != null) {
      o.put("run_id", v.provenance().runId());
    }
    o.put("status", "READY");
    if (!v.artifact().servable()) {
      o.put("status_message", "not servable: " + v.artifact().statusMessage());
    }
    o.set("tags", keyValues(v.metadata().tags()));
    ArrayNode a = o.putArray("aliases");
    if (aliases != null) {
      aliases.stream().filter(x -> x.version() == v.version()).forEach(x -> a.add(x.name()));
    }
    // Pier's own fields; MLflow clients ignore fields they do not know.
    o.put("pier_servable", v.artifact().servable());
    o.put("pier_review_status", v.governance().status().name());
    return o;
  }

  static ObjectNode model(RegisteredModel m, List<ModelVersion> latest, List<Alias> aliases) {
    ObjectNode o = object();
    o.put("name", m.name());
    o.put("creation_timestamp", m.createdAt().toEpochMilli());
    o.put("last_updated_timestamp", m.updatedAt().toEpochMilli());
    if (m.description() != null) {
      o.put("description", m.description());
    }
    ArrayNode lv = o.putArray("latest_versions");
    latest.forEach(v -> lv.add(version(v, aliases)));
    o.set("tags", keyValues(m.tags()));
    ArrayNode a = o.putArray("aliases");
    aliases.forEach(x -> a.addObject().put("alias", x.name()).put("version", Integer.toString(x.version())));
    return o;
  }

  static ObjectNode experiment(Experiment e) {
    ObjectNode o = object();
    o.put("experiment_id", e.id());
    o.put("name", e.name());
    o.put("artifact_location", e.artifactLocation());
    o.put("lifecycle_stage", e.lifecycleStage());
    o.put("last_update_time", e.lastUpdateTime());
    o.put("creation_time", e.creationTime());
    o.set("tags", keyValues(e.tags()));
    return o;
  }

  static ObjectNode runInfo(Run r) {
    ObjectNode o = object();
    o.put("run_id", r.runId());
    o.put("run_uuid", r.runId());
    o.put("run_name", r.name());
    o.put("experiment_id", r.experimentId());
    o.put("user_id", r.userId());
    o.put("status", r.status());
    o.put("start_time", r.startTime());
    if (r.endTime() > 0) {
      o.put("end_time", r.endTime());
    }
    o.put("artifact_uri", r.artifactUri());
    o.put("lifecycle_stage", r.lifecycleStage());
    return o;
  }

  static ObjectNode run(Run r) {
    ObjectNode o = object();
    o.set("info", runInfo(r));
    ObjectNode data = o.putObject("data");
    ArrayNode metrics = data.putArray("metrics");
    r.metrics().forEach(m -> metrics.add(metric(m)));
    data.set("params", keyValues(r.params()));
    data.set("tags", keyValues(r.tags()));
    o.putObject("inputs");
    return o;
  }

  static ObjectNode metric(Metric m) {
    ObjectNode o = object();
    o.put("key", m.key());
    o.put("value", m.value());
    o.put("timestamp", m.timestamp());
    o.put("step", m.step());
    return o;
  }
}
