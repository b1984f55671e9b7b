package dev.pier.registry;

import dev.pier.kernel.tensor.Signature;
import java.time.Instant;
import java.util.Map;

/**
 * One immutable version of a registered model: the artifact it serves (by content address and SHA-256) and what
 * was said about it at registration.
 *
 * @param signature what the model takes and gives; null when neither the model nor the registration said
 * @param batching how concurrent requests may be combined; null for none
 * @param placement where the version runs; null means in the serving process
 * @param responseCache the opt-in response cache; null for none
 * @param explain background data for model-agnostic explanations; null for none
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
    Instant createdAt) {

  public ModelVersion {
    tags = Map.copyOf(tags);
    metrics = Map.copyOf(metrics);
  }

  /** Whether the version is served by a SageMaker endpoint rather than in this process. */
  public boolean onEndpoint() {
    return placement != null && placement.onEndpoint();
  }
}
