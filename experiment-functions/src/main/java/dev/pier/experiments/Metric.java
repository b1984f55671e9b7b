package dev.pier.experiments;

import dev.pier.experiments.metrics.FeedbackValue;
import dev.pier.experiments.metrics.MetricType;

/**
 * A metric an experiment measures. For a guardrail, {@code maxRelativeHarm} is the relative change in the harmful
 * direction it tolerates (0.05: five percent worse); {@code higherIsBetter} says which direction is harmful
 * (guardrails such as error rate or latency are lower-is-better). A {@link MetricType#PERCENTILE} metric is the
 * {@code quantile} (in (0, 1)) of the events of metric {@code of}; both are null for the other types. A metric with
 * {@code feedback} takes its events from ground truth ({@code POST /api/v1/feedback}) joined to the predictions the
 * experiment routed, valued as {@link FeedbackValue} says; null for a metric fed by events.
 */
public record Metric(String name, MetricType type, boolean higherIsBetter, Double maxRelativeHarm, String of,
                     Double quantile, FeedbackValue feedback) {

  public Metric(String name, MetricType type, boolean higherIsBetter, Double maxRelativeHarm, String of,
      Double quantile) {
    this(name, type, higherIsBetter, maxRelativeHarm, of, quantile, null);
  }

  public Metric(String name, MetricType type, boolean higherIsBetter, Double maxRelativeHarm) {
    this(name, type, higherIsBetter, maxRelativeHarm, null, null, null);
  }

  /** Whether this is a percentile of another metric's events. */
  public boolean percentile() {
    return type == MetricType.PERCENTILE;
  }

  /** Whether this metric's values come from monitoring feedback joined to the arm's predictions. */
  public boolean fromFeedback() {
    return feedback != null;
  }

  public static Metric goal(String name, MetricType type) {
    return new Metric(name, type, true, null);
  }
}
