package dev.pier.registry;

import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.tensor.Signature;
import java.time.Instant;
import java.util.Map;

/**
 * One version of a registered model: the artifact it serves (by content address and SHA-256), what was said about
 * it at registration, and what may change afterwards (description, tags, metrics, params, properties, review status,
 * stage), guarded by {@code revision}. The artifact, framework and signature never change.
 *
 * @param framework null for a version registered by reference whose framework is unknown
 * @param sha256 null when the version is not servable (no artifact in the content-addressed store)
 * @param signature what the model takes and gives; null when neither the model nor the registration said
 * @param batching how concurrent requests may be combined; null for none
 * @param placement where the version runs; null means in the serving process
 * @param responseCache the opt-in response cache; null for none
 * @param explain background data for model-agnostic explanations; null for none
 * @param source where the artifact came from (an MLflow {@code source} URI); null for an upload
 * @param runId the training run (MLflow run id); null when unknown
 * @param servable whether the artifact is in Pier's store and may be served
 * @param statusMessage why a version is not servable; null otherwise
 * @param status the review status
 * @param stage the MLflow stage: None, Staging, Production or Archived
 * @param params training parameters
 * @param properties custom key/values that are neither tags nor parameters
 * @param lineage provenance as JSON text (datasets, code, parents, engine); null when none was given
 * @param createdBy the principal that registered it
 * @param revision increases by one with every change; the ETag of the version
 * @param pipeline the feature pipeline (JSON text) that turns named features into the model's input; null for none
 */
public record ModelVersion(
    String model,
    int version,
    Framework framework,
    String sha256,
    long sizeBytes,
    String artifactKey,
    Signature signature,
    String description,
    Map<String, String> tags,
    Map<String, Double> metrics,
    Batching batching,
    Placement placement,
    ResponseCaching responseCache,
    ExplainSettings explain,
    Instant createdAt,
    String source,
    String runId,
    boolean servable,
    String statusMessage,
    ApprovalStatus status,
    String stage,
    Map<String, String> params,
    Map<String, String> properties,
    String lineage,
    String createdBy,
    long revision,
    Instant updatedAt,
    String pipeline) {

  public ModelVersion {
    tags = Map.copyOf(tags);
    metrics = Map.copyOf(metrics);
    params = params == null ? Map.of() : Map.copyOf(params);
    properties = properties == null ? Map.of() : Map.copyOf(properties);
    status = status == null ? ApprovalStatus.NONE : status;
    stage = stage == null ? "None" : stage;
    updatedAt = updatedAt == null ? createdAt : updatedAt;
  }

  /** A servable, never-changed version as the first registrations made them. */
  public ModelVersion(String model, int version, Framework framework, String sha256, long sizeBytes,
      String artifactKey, Signature signature, String description, Map<String, String> tags,
      Map<String, Double> metrics, Batching batching, Placement placement, Instant createdAt) {
    this(model, version, framework, sha256, sizeBytes, artifactKey, signature, description, tags, metrics, batching,
        placement, null, null, createdAt, null, null, true, null, ApprovalStatus.NONE, "None", Map.of(), Map.of(), null,
        null, 1, createdAt, null);
  }

  /** Whether the version is served by a SageMaker endpoint rather than in this process. */
  public boolean onEndpoint() {
    return placement != null && placement.onEndpoint();
  }

  /** This version with changed mutable fields, the next revision and {@code at} as its update time. */
  public ModelVersion edited(String description, Map<String, String> tags, Map<String, Double> metrics,
      Map<String, String> params, Map<String, String> properties, ApprovalStatus status, String stage,
      Instant at) {
    return new ModelVersion(model, version, framework, sha256, sizeBytes, artifactKey, signature, description, tags,
        metrics, batching, placement, responseCache, explain, createdAt, source, runId, servable, statusMessage, status,
        stage, params, properties, lineage, createdBy, revision + 1, at, pipeline);
  }
}
