package dev.pier.features;

import java.util.List;
import java.util.Map;

/**
 * The prediction pipeline's "features" stage calls this: for each instance (its fields carrying the entity join
 * keys), the values of a feature service's features from the online store. Instances keep their order; each result
 * maps {@link FeatureRef#fullName() view__feature} to the value found, with its status, so the stage can let a value
 * sent in the instance win and impute the missing ones.
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
