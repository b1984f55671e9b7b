package dev.pier.features;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A group of features of the same entities, from one source. {@code ttl} bounds how old a value may be and still be
 * served or joined (zero: no bound, as in Feast); {@code online} says whether it is served from the online store.
 */
public record FeatureView(String name, List<String> entities, Duration ttl, String source, boolean online,
    List<Field> schema, Map<String, String> tags, String owner, String description) {
  public FeatureView {
    entities = List.copyOf(entities);
    schema = List.copyOf(schema);
    tags = Map.copyOf(tags);
  }

  /** The feature of this name, or null. */
  public Field feature(String featureName) {
    for (Field f : schema) {
      if (f.name().equals(featureName)) {
        return f;
      }
    }
    return null;
  }
}
