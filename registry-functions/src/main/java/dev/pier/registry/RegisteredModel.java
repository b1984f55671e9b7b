package dev.pier.registry;

import java.time.Instant;
import java.util.Map;

/**
 * A named model: the container of its versions and aliases.
 *
 * @param approval the model's own approval policy; null when it follows the platform default
 * @param revision increases by one with every change of the model's own fields; its ETag
 */
public record RegisteredModel(String name, int latestVersion, Instant createdAt, Instant updatedAt,
    String description, Map<String, String> tags, ApprovalPolicy approval, long revision) {

  public RegisteredModel {
    tags = tags == null ? Map.of() : Map.copyOf(tags);
  }

  public RegisteredModel(String name, int latestVersion, Instant createdAt, Instant updatedAt) {
    this(name, latestVersion, createdAt, updatedAt, null, Map.of(), null, 1);
  }
}
