package dev.pier.experiments.store;

/**
 * One stored batch: its sort key (ingest time and id), kind ({@code X} exposures, {@code E} events, {@code P} routed
 * predictions and {@code F} feedback labels, for feedback metrics) and items.
 */
public record LogBatch(String sortKey, char kind, String itemsJson) {}
