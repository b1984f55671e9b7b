package dev.pier.features;

import java.util.Map;

/** What features describe (a driver, a customer), and the column that identifies one: its join key. */
public record Entity(String name, String joinKey, Dtype valueType, String description, Map<String, String> tags) {
  public Entity {
    tags = Map.copyOf(tags);
  }
}
