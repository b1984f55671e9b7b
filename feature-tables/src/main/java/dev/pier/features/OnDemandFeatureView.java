package dev.pier.features;

import java.util.List;
import java.util.Map;

/**
 * Features computed at request time, as Feast's {@code OnDemandFeatureView}: from the features of its source views
 * (by feature name, or {@code view__feature} where two sources share a name) and the fields of its request source
 * (sent with each request: Feast's {@code RequestSource}), each output of {@code schema} is one sandboxed expression
 * ({@link Expressions}) compiled once when the definition is read. Nothing is stored: the values are computed by
 * {@link OnDemand} wherever features are read — online, in the prediction pipeline, and in historical retrieval.
 */
public record OnDemandFeatureView(String name, List<String> sources, List<Field> request, List<Field> schema,
    Map<String, String> expressions, Map<String, Expressions.Compiled> compiled, Map<String, String> tags,
    String owner, String description) {
  public OnDemandFeatureView {
    sources = List.copyOf(sources);
    request = List.copyOf(request);
    schema = List.copyOf(schema);
    expressions = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(expressions));
    compiled = Map.copyOf(compiled);
    tags = Map.copyOf(tags);
  }

  /** The output feature of this name, or null. */
  public Field feature(String featureName) {
    for (Field f : schema) {
      if (f.name().equals(featureName)) {
        return f;
      }
    }
    return null;
  }

  /** The request field of this name, or null. */
  public Field requestField(String fieldName) {
    for (Field f : request) {
      if (f.name().equals(fieldName)) {
        return f;
      }
    }
    return null;
  }
}
