package dev.pier.registry.events;

import java.util.Set;

/**
 * A registered receiver of registry events.
 *
 * @param secret the HMAC-SHA256 key deliveries are signed with
 * @param eventTypes the event types it wants; empty for all
 * @param model the only model it hears about; null for all
 */
public record Webhook(String id, String url, String secret, Set<String> eventTypes, String model) {
  public Webhook {
    eventTypes = eventTypes == null ? Set.of() : Set.copyOf(eventTypes);
  }

  boolean wants(dev.pier.registry.RegistryEvent e) {
    return (eventTypes.isEmpty() || eventTypes.contains(e.type())) && (model == null || model.equals(e.model()));
  }
}
