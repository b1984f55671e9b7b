package dev.pier.registry;

import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.tensor.Signature;
import java.util.Map;

/**
 * What a registration says about a new version besides its artifact's bytes: the parts of {@link ModelVersion} a
 * caller chooses. The registry adds the rest (number, digest, review status, creator, times).
 *
 * @param framework required for an upload; null for a registration by reference of unknown framework
 * @param signature null when the registration does not say (the serving side may read it from the model)
 */
public record NewVersion(
    Framework framework,
    Signature signature,
    ModelVersion.Metadata metadata,
    ModelVersion.Serving serving,
    ModelVersion.Provenance provenance) {

  public NewVersion {
    metadata = metadata == null ? ModelVersion.Metadata.NONE : metadata;
    serving = serving == null ? ModelVersion.Serving.NONE : serving;
    provenance = provenance == null ? ModelVersion.Provenance.NONE : provenance;
  }

  public NewVersion(Framework framework, Signature signature, String description, Map<String, String> tags,
      Map<String, Double> metrics) {
    this(framework, signature, new ModelVersion.Metadata(description, tags, metrics), null, null);
  }

  public NewVersion withSignature(Signature s) {
    return new NewVersion(framework, s, metadata, serving, provenance);
  }

  public NewVersion withFramework(Framework f) {
    return new NewVersion(f, signature, metadata, serving, provenance);
  }
}
