package dev.pier.experiments;

import dev.pier.experiments.metrics.MetricType;

/**
 * A metric an experiment measures. For a guardrail, {@code maxRelativeHarm} is the relative change in the harmful
 * direction it tolerates (0.05: five percent worse); {@code higherIsBetter} says which direction is harmful
 * (guardrails such as error rate or latency are lower-is-better).
 */
public record Metric(String name, MetricType type, boolean higherIsBetter, Double maxRelativeHarm) {

  public static Metric goal(String name, MetricType type) {
    return new Metric(name, type, true, null);
  }
}
