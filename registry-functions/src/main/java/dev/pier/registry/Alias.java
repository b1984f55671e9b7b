package dev.pier.registry;

import java.time.Instant;

/** A movable name (such as {@code production}) pointing at one version of a model. */
public record Alias(String model, String name, int version, Instant updatedAt) {}
