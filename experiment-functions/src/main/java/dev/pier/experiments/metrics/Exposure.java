package dev.pier.experiments.metrics;

/** A unit was shown an arm at {@code epochMillis}. Only the first exposure of a unit counts. */
public record Exposure(String unit, String arm, long epochMillis) {}
