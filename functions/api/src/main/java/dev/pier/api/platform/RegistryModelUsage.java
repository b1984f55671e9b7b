package dev.pier.api.platform;

import dev.pier.features.ModelUsage;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.RegisteredModel;
import dev.pier.registry.ServingProperties;
import java.util.ArrayList;
import java.util.List;

/**
 * Lineage from the registry's side: the versions registered with {@code "feature_service": "<name>"}. Reads every
 * model's versions, so it is for apply-time checks and discovery, never for serving.
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
    String token = null;
    do {
      var page = registry.models(token, 100);
      for (RegisteredModel m : page.items()) {
        for (ModelVersion v : registry.allVersions(m.name())) {
          if (featureService.equals(v.metadata().properties().get(ServingProperties.FEATURE_SERVICE))) {
            out.add(new Usage(v.model() + "/" + v.version(), dev.pier.features.Lineage.parse(
                v.metadata().properties().get(ServingProperties.FEATURE_VIEW_VERSIONS))));
          }
        }
      }
      token = page.nextPageToken();
    } while (token != null);
    return out;
  }
}
