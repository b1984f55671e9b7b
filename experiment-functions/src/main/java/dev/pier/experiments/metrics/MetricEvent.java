package dev.pier.experiments.metrics;

/** A unit's event on a metric: a conversion (value ignored for binary metrics), a revenue amount, a latency. */
public record MetricEvent(String unit, String metric, double value, long epochMillis) {}
