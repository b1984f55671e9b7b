package dev.pier.sdk;

import java.util.List;

/** What to read: named features ({@code "view:feature"}, on-demand ones included) or one feature service. */
public record FeatureSelection(List<String> features, String featureService) {
  public FeatureSelection {
    if ((features == null) == (featureService == null)) {
      throw new IllegalArgumentException("give either features or a feature service");
    }
    features = features == null ? null : List.copyOf(features);
  }

  public static FeatureSelection features(String... names) {
    return new FeatureSelection(List.of(names), null);
  }

  public static FeatureSelection service(String name) {
    return new FeatureSelection(null, name);
  }
}
