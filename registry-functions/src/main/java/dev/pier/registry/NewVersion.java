package dev.pier.registry;

import dev.pier.kernel.tensor.Signature;
import java.util.Map;

/** What a registration says about a new version, besides its artifact. */
public record NewVersion(
    Framework framework,
    Signature signature,
    String description,
    Map<String, String> tags,
    Map<String, Double> metrics,
    Batching batching,
    Placement placement,
    ResponseCaching responseCache,
    ExplainSettings explain) {

  public NewVersion(Framework framework, Signature signature, String description, Map<String, String> tags,
      Map<String, Double> metrics) {
    this(framework, signature, description, tags, metrics, null, null, null, null);
  }

  public NewVersion {
    tags = tags == null ? Map.of() : Map.copyOf(tags);
    metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
  }

  public NewVersion withSignature(Signature s) {
    return new NewVersion(framework, s, description, tags, metrics, batching, placement, responseCache, explain);
  }
}
