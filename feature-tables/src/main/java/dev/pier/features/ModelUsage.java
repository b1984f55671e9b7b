package dev.pier.features;

import java.util.List;

/**
 * The model registry's side of lineage: which registered model versions use a feature service (registered with
 * {@code "feature_service": "<name>"}). The api app answers it from the registry; without a registry, none.
 */
@FunctionalInterface
public interface ModelUsage {
  ModelUsage NONE = service -> List.of();

  /** {@code model/version} of each registered version using the service, in a stable order. */
  List<String> versionsUsing(String featureService);

  /**
   * One registered version using a service, with the version of each view the service read when it was registered
   * ({@link Lineage}); empty for versions registered before lineage was recorded.
   */
  record Usage(String modelVersion, java.util.Map<String, Integer> viewVersions) {
    public Usage {
      viewVersions = java.util.Map.copyOf(viewVersions);
    }
  }

  /** The versions using a service with their recorded view versions; by default without them. */
  default List<Usage> usages(String featureService) {
    return versionsUsing(featureService).stream().map(v -> new Usage(v, java.util.Map.of())).toList();
  }
}
