package dev.pier.api.platform;

import dev.pier.features.ModelUsage;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.ServingProperties;
import java.util.ArrayList;
import java.util.List;

/**
 * Lineage from the registry's side: the versions registered with {@code "feature_service": "<name>"}, read from the
 * registry's feature-service index (one query of that service's partition, not every model's versions).
 */
final class RegistryModelUsage implements ModelUsage {
  private final ModelRegistry registry;

  RegistryModelUsage(ModelRegistry registry) {
    this.registry = registry;
  }

  @Override
  public List<String> versionsUsing(String featureService) {
    return usages(featureService).stream().map(Usage::modelVersion).toList();
  }

  @Override
  public List<Usage> usages(String featureService) {
    List<Usage> out = new ArrayList<>();
    for (ModelVersion v : registry.searchIndex().usingFeatureService(featureService)) {
      out.add(new Usage(v.model() + "/" + v.version(), dev.pier.features.Lineage.parse(
          v.metadata().properties().get(ServingProperties.FEATURE_VIEW_VERSIONS))));
    }
    return out;
  }
}
