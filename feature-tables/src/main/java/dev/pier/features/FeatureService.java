package dev.pier.features;

import java.util.List;
import java.util.Map;

/** A named set of features a model uses, so a model version names one thing instead of a list of features. */
public record FeatureService(String name, List<FeatureRef> features, Map<String, String> tags, String owner,
    String description) {
  public FeatureService {
    features = List.copyOf(features);
    tags = Map.copyOf(tags);
  }
}
