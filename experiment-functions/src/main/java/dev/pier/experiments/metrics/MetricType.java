package dev.pier.experiments.metrics;

/** How a unit's events on a metric become the unit's value. */
public enum MetricType {
  /** 1 for a unit with any event on the metric after its first exposure, else 0 (conversion). */
  BINARY,
  /** The sum of the values of the unit's events after its first exposure, 0 without any (revenue, latency sum). */
  CONTINUOUS
}
