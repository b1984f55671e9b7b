package dev.pier.registry.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.SignatureJson;
import dev.pier.registry.Alias;
import dev.pier.registry.AliasChange;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.RegisteredModel;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The control plane's JSON for registry objects, as records Jackson writes (snake_case, as MLflow and OIP spell
 * fields). Absent optional fields are left out; maps are always present, empty when empty.
 */
final class RegistryJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RegistryJson() {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Version(
      String model,
      int version,
      String framework,
      String sha256,
      @JsonProperty("size_bytes") Long sizeBytes,
      @JsonProperty("artifact_uri") String artifactUri,
      boolean servable,
      @JsonProperty("status_message") String statusMessage,
      String status,
      String stage,
      long revision,
      String source,
      @JsonProperty("run_id") String runId,
      @JsonProperty("created_by") String createdBy,
      JsonNode signature,
      String description,
      Map<String, String> tags,
      Map<String, Double> metrics,
      Batching batching,
      Placement placement,
      JsonNode pipeline,
      @JsonProperty("response_cache") ResponseCache responseCache,
      Map<String, String> params,
      Map<String, String> properties,
      @JsonProperty("created_at") String createdAt,
      @JsonProperty("updated_at") String updatedAt) {}

  /** Size and delay always; the endpoint's extensions only where the version sets them. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Batching(@JsonProperty("max_batch_size") int maxBatchSize, @JsonProperty("max_delay_ms") double maxDelayMs,
      @JsonProperty("preferred_batch_sizes") List<Integer> preferredBatchSizes,
      @JsonProperty("priority_levels") Integer priorityLevels,
      @JsonProperty("default_priority") Integer defaultPriority,
      @JsonProperty("queue_timeout_ms") Double queueTimeoutMs,
      @JsonProperty("max_queue_size") Integer maxQueueSize,
      Integer instances,
      AdaptiveBatching adaptive) {
    static Batching of(dev.pier.registry.Batching b) {
      if (!b.extended()) {
        return new Batching(b.maxBatchSize(), b.maxDelayMicros() / 1000.0, null, null, null, null, null, null, null);
      }
      return new Batching(b.maxBatchSize(), b.maxDelayMicros() / 1000.0,
          b.preferredBatchSizes().isEmpty() ? null : b.preferredBatchSizes(), b.priorityLevels(), b.defaultPriority(),
          b.queueTimeoutMicros() == 0 ? null : b.queueTimeoutMicros() / 1000.0,
          b.maxQueueSize() == 0 ? null : b.maxQueueSize(), b.instances(),
          b.p95TargetMillis() == null ? null : new AdaptiveBatching(b.p95TargetMillis()));
    }
  }

  record AdaptiveBatching(@JsonProperty("p95_target_ms") double p95TargetMs) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Placement(String kind, @JsonProperty("endpoint_name") String endpointName,
      @JsonProperty("instance_type") String instanceType, @JsonProperty("instance_count") Integer instanceCount,
      @JsonProperty("memory_mb") Integer memoryMb) {}

  record ResponseCache(@JsonProperty("ttl_seconds") long ttlSeconds, @JsonProperty("max_entries") long maxEntries) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Model(String name, @JsonProperty("latest_version") int latestVersion, String description,
      Map<String, String> tags, @JsonProperty("approval_policy") Policy approvalPolicy, long revision,
      Map<String, Integer> aliases, @JsonProperty("created_at") String createdAt,
      @JsonProperty("updated_at") String updatedAt) {}

  record Policy(boolean required, int approvals, @JsonProperty("protected_aliases") List<String> protectedAliases) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record AliasBody(String model, String alias, int version, Canary canary, long revision,
      @JsonProperty("updated_at") String updatedAt) {}

  record Canary(int version, double weight) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Target(int version, Canary canary) {}

  record Change(long revision, @JsonInclude(JsonInclude.Include.ALWAYS) Target from, Target to, String reason,
      String at) {}

  /** {@code GET /api/v1/models}. */
  record Models(List<Model> models,
      @JsonProperty("next_page_token") @JsonInclude(JsonInclude.Include.NON_NULL) String nextPageToken) {}

  /** {@code GET …/versions} and version search. */
  record Versions(List<Version> versions,
      @JsonProperty("next_page_token") @JsonInclude(JsonInclude.Include.NON_NULL) String nextPageToken) {}

  /** {@code GET …/audit}: one entry per change; {@code version} left out when the change concerns none. */
  record Audit(List<AuditEntry> entries,
      @JsonProperty("next_page_token") @JsonInclude(JsonInclude.Include.NON_NULL) String nextPageToken) {}

  record AuditEntry(String at, String actor, String action,
      @JsonInclude(JsonInclude.Include.NON_NULL) Integer version, String alias, String from, String to,
      String comment) {}

  /** {@code GET …/versions/{v}/lineage}: upstream as registered (plus run and source), downstream as found. */
  record Lineage(String model, int version, JsonNode upstream, Downstream downstream) {}

  record Downstream(List<String> aliases, List<VersionRef> versions, List<String> endpoints,
      @JsonProperty("batch_jobs") List<VersionJobs.Job> batchJobs, List<VersionExperiments.Experiment> experiments) {}

  record VersionRef(String model, int version) {}

  /** {@code GET …/aliases/{alias}/history}. */
  record History(List<Change> history) {}

  static Version version(ModelVersion v, String bucket) {
    ModelVersion.Artifact a = v.artifact();
    ModelVersion.Serving s = v.serving();
    dev.pier.registry.Placement p = s.placement();
    return new Version(v.model(), v.version(), a.framework() == null ? null : a.framework().id(),
        a.servable() ? a.sha256() : null, a.servable() ? a.sizeBytes() : null,
        a.servable() ? "s3://" + bucket + "/" + a.key() : null, a.servable(), a.statusMessage(),
        v.governance().status().name(), v.governance().stage(), v.revision(), v.provenance().source(),
        v.provenance().runId(), v.governance().createdBy(),
        a.signature() == null ? null : SignatureJson.write(a.signature()), v.metadata().description(),
        new TreeMap<>(v.metadata().tags()), new TreeMap<>(v.metadata().metrics()),
        s.batching() == null ? null : Batching.of(s.batching()),
        p == null ? null : new Placement(p.kind().name().toLowerCase(Locale.ROOT),
            p.onEndpoint() ? p.endpointFor(v.model(), v.version()) : p.endpointName(), p.instanceType(),
            p.instanceCount(), p.memoryMb()),
        s.pipeline() == null ? null : tree(s.pipeline()),
        s.responseCache() == null ? null : new ResponseCache(s.responseCache().ttlSeconds(),
            s.responseCache().maxEntries()),
        new TreeMap<>(v.metadata().params()), new TreeMap<>(v.metadata().properties()), v.createdAt().toString(),
        v.updatedAt().toString());
  }

  /** A model; {@code aliases} null leaves them out (listings). */
  static Model model(RegisteredModel m, List<Alias> aliases) {
    Map<String, Integer> byName = null;
    if (aliases != null) {
      byName = new LinkedHashMap<>();
      for (Alias a : aliases) {
        byName.put(a.name(), a.version());
      }
    }
    return new Model(m.name(), m.latestVersion(), m.description(), new TreeMap<>(m.tags()),
        m.approval() == null ? null : new Policy(m.approval().required(), m.approval().approvals(),
            m.approval().protectedAliases().stream().sorted().toList()),
        m.revision(), byName, m.createdAt().toString(), m.updatedAt().toString());
  }

  static AuditEntry entry(dev.pier.registry.AuditEntry e) {
    return new AuditEntry(e.at().toString(), e.actor(), e.action(), e.version() > 0 ? e.version() : null, e.alias(),
        e.from(), e.to(), e.comment());
  }

  static AliasBody alias(Alias a) {
    return new AliasBody(a.model(), a.name(), a.version(), canary(a.canary()), a.revision(), a.updatedAt().toString());
  }

  static Change change(AliasChange c) {
    return new Change(c.revision(), c.from() == null ? null : target(c.from()), target(c.to()), c.reason(),
        c.at().toString());
  }

  private static Target target(Alias.Target t) {
    return new Target(t.version(), canary(t.canary()));
  }

  private static Canary canary(dev.pier.registry.Canary c) {
    return c == null ? null : new Canary(c.version(), c.weight());
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new PierException(500, "stored pipeline is not JSON: " + e.getMessage(), e);
    }
  }
}
