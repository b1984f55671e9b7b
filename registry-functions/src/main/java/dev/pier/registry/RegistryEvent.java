package dev.pier.registry;

import java.time.Instant;
import java.util.Map;

/**
 * A change of the registry, as published to listeners, the event bus and webhooks.
 *
 * @param type e.g. {@code model.created}, {@code version.created}, {@code version.updated}, {@code version.deleted},
 *     {@code review.requested}, {@code review.approved}, {@code review.rejected}, {@code alias.set},
 *     {@code alias.deleted}, {@code stage.changed}, {@code model.updated}, {@code model.renamed}, {@code model.deleted}
 * @param version 0 when the change is not about one version
 * @param alias null when the change is not about an alias
 * @param detail small extra facts (from/to, comment)
 */
public record RegistryEvent(String type, String model, int version, String alias, String actor, Instant at,
    Map<String, String> detail) {
  public RegistryEvent {
    detail = detail == null ? Map.of() : Map.copyOf(detail);
  }
}
