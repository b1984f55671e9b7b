package dev.pier.registry;

import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.tensor.Signature;
import java.util.Map;

/**
 * What a registration says about a new version, besides its artifact.
 *
 * @param source where the artifact came from (an MLflow source URI); null for an upload
 * @param runId the training run; null when unknown
 * @param lineage provenance as JSON text; null for none
 * @param pipeline the feature pipeline as JSON text; null for none
 */
public record NewVersion(
    Framework framework,
    Signature signature,
    String description,
    Map<String, String> tags,
    Map<String, Double> metrics,
    Batching batching,
    Placement placement,
    ResponseCaching responseCache,
    ExplainSettings explain,
    String source,
    String runId,
    Map<String, String> params,
    Map<String, String> properties,
    String lineage,
    String pipeline) {

  public NewVersion(Framework framework, Signature signature, String description, Map<String, String> tags,
      Map<String, Double> metrics) {
    this(framework, signature, description, tags, metrics, null, null, null, null, null, null, null, null, null, null);
  }

  public NewVersion(Framework framework, Signature signature, String description, Map<String, String> tags,
      Map<String, Double> metrics, Batching batching, Placement placement) {
    this(framework, signature, description, tags, metrics, batching, placement, null, null, null, null, null, null,
        null, null);
  }

  public NewVersion {
    tags = tags == null ? Map.of() : Map.copyOf(tags);
    metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    params = params == null ? Map.of() : Map.copyOf(params);
    properties = properties == null ? Map.of() : Map.copyOf(properties);
  }

  public NewVersion withSignature(Signature s) {
    return new NewVersion(framework, s, description, tags, metrics, batching, placement, responseCache, explain,
        source, runId, params, properties, lineage, pipeline);
  }

  public NewVersion withFramework(Framework f) {
    return new NewVersion(f, signature, description, tags, metrics, batching, placement, responseCache, explain,
        source, runId, params, properties, lineage, pipeline);
  }
}
