package dev.pier.registry;

import dev.pier.kernel.tensor.Signature;

import dev.pier.kernel.engine.Framework;

import java.time.Instant;
import java.util.Map;

/**
 * One version of a registered model, in five parts: the {@link Artifact} it serves (fixed at registration), what was
 * said about it ({@link Metadata}, editable), how it is served ({@link Serving}, fixed), where it came from ({@link
 * Provenance}, fixed) and its review status and stage ({@link Governance}). Every change increases {@code revision},
 * the version's ETag.
 *
 * @param revision increases by one with every change
 * @param updatedAt the time of the last change; {@code createdAt} until the first
 */
public record ModelVersion(
    String model,
    int version,
    Artifact artifact,
    Metadata metadata,
    Serving serving,
    Provenance provenance,
    Governance governance,
    long revision,
    Instant createdAt,
    Instant updatedAt) {

  public ModelVersion {
    metadata = metadata == null ? Metadata.NONE : metadata;
    serving = serving == null ? Serving.NONE : serving;
    provenance = provenance == null ? Provenance.NONE : provenance;
    governance = governance == null ? Governance.NEW : governance;
    updatedAt = updatedAt == null ? createdAt : updatedAt;
  }

  /**
   * The model file a version serves and what it takes and gives; never changes.
   *
   * @param framework null for a version registered by reference whose framework is unknown
   * @param signature what the model takes and gives; null when neither the model nor the registration said
   * @param sha256 null when the version is not servable (no artifact in the content-addressed store)
   * @param key the artifact's key in the content-addressed store; null with {@code sha256}
   * @param servable whether the artifact is in Pier's store and may be served
   * @param statusMessage why a version is not servable; null otherwise
   */
  public record Artifact(Framework framework, dev.pier.kernel.tensor.Signature signature, String sha256,
      long sizeBytes, String key, boolean servable, String statusMessage) {

    /** A servable artifact in the content-addressed store. */
    public static Artifact stored(Framework framework, dev.pier.kernel.tensor.Signature signature, String sha256,
        long sizeBytes, String key) {
      return new Artifact(framework, signature, sha256, sizeBytes, key, true, null);
    }
  }

  /**
   * What a registration (and later edits) said about a version: the MLflow-visible, editable part.
   *
   * @param params training parameters
   * @param properties custom key/values that are neither tags nor parameters
   */
  public record Metadata(String description, Map<String, String> tags, Map<String, Double> metrics,
      Map<String, String> params, Map<String, String> properties) {
    public static final Metadata NONE = new Metadata(null, Map.of(), Map.of(), Map.of(), Map.of());

    public Metadata {
      tags = tags == null ? Map.of() : Map.copyOf(tags);
      metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
      params = params == null ? Map.of() : Map.copyOf(params);
      properties = properties == null ? Map.of() : Map.copyOf(properties);
    }

    public Metadata(String description, Map<String, String> tags, Map<String, Double> metrics) {
      this(description, tags, metrics, Map.of(), Map.of());
    }

    public Metadata withProperties(Map<String, String> p) {
      return new Metadata(description, tags, metrics, params, p);
    }
  }

  /**
   * How a version is served; fixed at registration.
   *
   * @param batching how concurrent requests may be combined; null for none
   * @param placement where the version runs; null means in the serving process
   * @param responseCache the opt-in response cache; null for none
   * @param explain background data for model-agnostic explanations; null for none
   * @param pipeline the feature pipeline (JSON text) that turns named features into the model's input; null for none
   */
  public record Serving(Batching batching, Placement placement, ResponseCaching responseCache,
      ExplainSettings explain, String pipeline) {
    public static final Serving NONE = new Serving(null, null, null, null, null);

    public Serving(Batching batching, Placement placement) {
      this(batching, placement, null, null, null);
    }

    public Serving withPlacement(Placement p) {
      return new Serving(batching, p, responseCache, explain, pipeline);
    }

    /** Whether the version is served by a SageMaker endpoint rather than in this process. */
    public boolean onEndpoint() {
      return placement != null && placement.onEndpoint();
    }
  }

  /**
   * Where a version came from; fixed at registration.
   *
   * @param source where the artifact came from (an MLflow {@code source} URI); null for an upload
   * @param runId the training run (MLflow run id); null when unknown
   * @param lineage provenance as JSON text (datasets, code, parents, engine); null when none was given
   */
  public record Provenance(String source, String runId, String lineage) {
    public static final Provenance NONE = new Provenance(null, null, null);
  }

  /**
   * Who registered a version and how far it has come through review and the MLflow stages.
   *
   * @param status the review status
   * @param stage the MLflow stage: None, Staging, Production or Archived
   * @param createdBy the principal that registered it; null when unknown
   */
  public record Governance(ApprovalStatus status, String stage, String createdBy) {
    public static final Governance NEW = new Governance(ApprovalStatus.NONE, "None", null);

    public Governance {
      status = status == null ? ApprovalStatus.NONE : status;
      stage = stage == null ? "None" : stage;
    }

    public Governance withStatus(ApprovalStatus s) {
      return new Governance(s, stage, createdBy);
    }

    public Governance withStage(String s) {
      return new Governance(status, s, createdBy);
    }
  }

  /** A servable, never-changed version with only an artifact and serving settings (tests, benchmarks, seeding). */
  public static ModelVersion of(String model, int version, Artifact artifact, Metadata metadata, Serving serving,
      Instant createdAt) {
    return new ModelVersion(model, version, artifact, metadata, serving, null, null, 1, createdAt, createdAt);
  }

  // Shortcuts for what the serving path reads on every load: the groups stay the record's components.

  public Framework framework() {
    return artifact.framework();
  }

  public dev.pier.kernel.tensor.Signature signature() {
    return artifact.signature();
  }

  public Placement placement() {
    return serving.placement();
  }

  /** Whether the version is served by a SageMaker endpoint rather than in this process. */
  public boolean onEndpoint() {
    return serving.onEndpoint();
  }

  /** This version with new metadata and governance, the next revision and {@code at} as its update time. */
  public ModelVersion edited(Metadata metadata, Governance governance, Instant at) {
    return new ModelVersion(model, version, artifact, metadata, serving, provenance, governance, revision + 1,
        createdAt, at);
  }

  /** This version with new metadata, the next revision and {@code at} as its update time. */
  public ModelVersion edited(Metadata metadata, Instant at) {
    return edited(metadata, governance, at);
  }
}
