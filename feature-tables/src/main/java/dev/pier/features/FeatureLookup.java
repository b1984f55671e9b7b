package dev.pier.features;

import java.util.List;
import java.util.Map;

/**
 * The prediction pipeline's "features" stage calls this: for each instance (its fields carrying the entity join
 * keys), the values of a feature service's features from the online store. Instances keep their order; each result
 * maps {@link FeatureRef#fullName() view__feature} to the value found, with its status, so the stage can let a value
 * sent in the instance win and impute the missing ones.
 *
 * <p>How the stage plugs in: the api app injects {@code FeatureStore} and hands {@code featureStore.lookup()} to the
 * stage. For a call whose version names a {@code feature_service}, the stage decodes the instances as field maps,
 * calls {@link #lookup} once for the whole batch (one BatchGetItem per 100 distinct keys per view, all views at once,
 * the definitions from memory), then for each feature the version's pipeline names — by feature name or full name —
 * takes the instance's own value if it sent one, else the looked-up value when its status is {@code PRESENT}, else
 * the pipeline's {@code impute}, else answers 400 naming the entity key and feature. Exceptions are {@code
 * PierException}s (400 for a missing or mistyped join key, 404 for an unknown service) that the ways in map as usual.
 */
@FunctionalInterface
public interface FeatureLookup {
  /**
   * @param featureService a feature service's name; 404 when there is none
   * @param instances the instances' fields by name (numbers, text, booleans as decoded from the request); each must
   *     carry the join keys of the service's views (400 naming the missing key or a value of the wrong type)
   */
  List<Map<String, FeatureValue>> lookup(String featureService, List<Map<String, Object>> instances);
}
