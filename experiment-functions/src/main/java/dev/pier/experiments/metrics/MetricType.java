package dev.pier.experiments.metrics;

/** How a unit's events on a metric become the unit's value. */
public enum MetricType {
  /** 1 for a unit with any event on the metric after its first exposure, else 0 (conversion). */
  BINARY,
  /** The sum of the values of the unit's events after its first exposure, 0 without any (revenue, latency sum). */
  CONTINUOUS,
  /**
   * A percentile of the values of another metric's events after exposure, per arm over every event (not per unit):
   * {@code latency_p95_ms} is the 95th percentile of the {@code latency_ms} observations. Kept as a KLL sketch per
   * arm and day, so it merges like the sums; a guardrail or secondary metric, never the primary.
   */
  PERCENTILE
}
