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
}
