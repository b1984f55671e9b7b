package dev.pier.registry;

import java.time.Instant;

/** A named model: the container of its versions and aliases. */
public record RegisteredModel(String name, int latestVersion, Instant createdAt, Instant updatedAt) {}
