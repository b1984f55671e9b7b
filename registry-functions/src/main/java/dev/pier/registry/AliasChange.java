package dev.pier.registry;

import java.time.Instant;

/**
 * One entry of an alias's history: what it pointed at before and after a change.
 *
 * @param from null for the change that created the alias
 * @param reason {@code set} or {@code rollback}
 */
public record AliasChange(String model, String alias, long revision, Alias.Target from, Alias.Target to,
    String reason, Instant at) {}
