package dev.pier.registry;

import java.time.Instant;

/**
 * One change of a model's statuses or aliases: who made it, when, and what changed from what to what.
 *
 * @param action e.g. {@code version.created}, {@code review.approved}, {@code alias.set}, {@code stage.changed}
 * @param version the version concerned; 0 when none
 * @param alias the alias concerned; null when none
 * @param from the value before (a status, stage or alias target); null when there was none
 * @param to the value after; null when the thing was deleted
 */
public record AuditEntry(String model, Instant at, String actor, String action, int version, String alias,
    String from, String to, String comment) {}
