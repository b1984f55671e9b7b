package dev.pier.registry.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.tensor.SignatureJson;
import dev.pier.registry.Alias;
import dev.pier.registry.AliasChange;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.RegisteredModel;
import java.util.List;

/** The control plane's JSON for registry objects (snake_case, as MLflow and OIP spell fields). */
final class RegistryJson {
  private RegistryJson() {}

  static ObjectNode version(ModelVersion v, String bucket) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("model", v.model());
    o.put("version", v.version());
    if (v.framework() != null) {
      o.put("framework", v.framework().id());
    }
    if (v.artifact().servable()) {
      o.put("sha256", v.artifact().sha256());
      o.put("size_bytes", v.artifact().sizeBytes());
      o.put("artifact_uri", "s3://" + bucket + "/" + v.artifact().key());
    }
    o.put("servable", v.artifact().servable());
    if (v.artifact().statusMessage() != null) {
      o.put("status_message", v.artifact().statusMessage());
    }
    o.put("status", v.governance().status().name());
    o.put("stage", v.governance().stage());
    o.put("revision", v.revision());
    if (v.provenance().source() != null) {
      o.put("source", v.provenance().source());
    }
    if (v.provenance().runId() != null) {
      o.put("run_id", v.provenance().runId());
    }
    if (v.governance().createdBy() != null) {
      o.put("created_by", v.governance().createdBy());
    }
    if (v.signature() != null) {
      o.set("signature", SignatureJson.write(v.signature()));
    }
    if (v.metadata().description() != null) {
      o.put("description", v.metadata().description());
    }
    ObjectNode tags = o.putObject("tags");
    v.metadata().tags().forEach(tags::put);
    ObjectNode metrics = o.putObject("metrics");
    v.metadata().metrics().forEach(metrics::put);
    if (v.serving().batching() != null) {
      o.putObject("batching").put("max_batch_size", v.serving().batching().maxBatchSize())
          .put("max_delay_ms", v.serving().batching().maxDelayMicros() / 1000.0);
    }
    if (v.placement() != null) {
      ObjectNode p = o.putObject("placement");
      p.put("kind", v.placement().kind().name().toLowerCase(java.util.Locale.ROOT));
      if (v.placement().onEndpoint()) {
        p.put("endpoint_name", v.placement().endpointFor(v.model(), v.version()));
      }
      if (v.placement().instanceType() != null) {
        p.put("instance_type", v.placement().instanceType());
      }
      if (v.placement().instanceCount() != null) {
        p.put("instance_count", v.placement().instanceCount());
      }
      if (v.placement().memoryMb() != null) {
        p.put("memory_mb", v.placement().memoryMb());
      }
    }
    if (v.serving().pipeline() != null) {
      try {
        o.set("pipeline", new com.fasterxml.jackson.databind.ObjectMapper().readTree(v.serving().pipeline()));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    if (v.serving().responseCache() != null) {
      o.putObject("response_cache").put("ttl_seconds", v.serving().responseCache().ttlSeconds())
          .put("max_entries", v.serving().responseCache().maxEntries());
    }
    ObjectNode params = o.putObject("params");
    v.metadata().params().forEach(params::put);
    ObjectNode properties = o.putObject("properties");
    v.metadata().properties().forEach(properties::put);
    o.put("created_at", v.createdAt().toString());
    o.put("updated_at", v.updatedAt().toString());
    return o;
  }

  static ObjectNode model(RegisteredModel m, List<Alias> aliases) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("name", m.name());
    o.put("latest_version", m.latestVersion());
    if (m.description() != null) {
      o.put("description", m.description());
    }
    ObjectNode tags = o.putObject("tags");
    m.tags().forEach(tags::put);
    if (m.approval() != null) {
      ObjectNode p = o.putObject("approval_policy");
      p.put("required", m.approval().required()).put("approvals", m.approval().approvals());
      var protectedAliases = p.putArray("protected_aliases");
      m.approval().protectedAliases().stream().sorted().forEach(protectedAliases::add);
    }
    o.put("revision", m.revision());
    if (aliases != null) {
      ObjectNode a = o.putObject("aliases");
      aliases.forEach(alias -> a.put(alias.name(), alias.version()));
    }
    o.put("created_at", m.createdAt().toString());
    o.put("updated_at", m.updatedAt().toString());
    return o;
  }

  static ObjectNode alias(Alias a) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("model", a.model());
    o.put("alias", a.name());
    o.put("version", a.version());
    if (a.canary() != null) {
      o.putObject("canary").put("version", a.canary().version()).put("weight", a.canary().weight());
    }
    o.put("revision", a.revision());
    o.put("updated_at", a.updatedAt().toString());
    return o;
  }

  static ObjectNode target(Alias.Target t) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("version", t.version());
    if (t.canary() != null) {
      o.putObject("canary").put("version", t.canary().version()).put("weight", t.canary().weight());
    }
    return o;
  }

  static ObjectNode change(AliasChange c) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("revision", c.revision());
    if (c.from() != null) {
      o.set("from", target(c.from()));
    } else {
      o.putNull("from");
    }
    o.set("to", target(c.to()));
    o.put("reason", c.reason());
    o.put("at", c.at().toString());
    return o;
  }
}
