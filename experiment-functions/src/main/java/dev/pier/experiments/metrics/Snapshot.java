package dev.pier.experiments.metrics;

import dev.pier.experiments.stats.MetricSums;
import java.util.List;

/**
 * An experiment's aggregates at one moment: units per arm and, per arm and metric, the sufficient statistics.
 * {@code counts} is null in the day-by-day series.
 */
public record Snapshot(List<String> arms, List<String> metrics, long[] units, MetricSums[][] sums,
                       ExperimentLedger.Counts counts) {

  public MetricSums sums(String arm, String metric) {
    return sums[arms.indexOf(arm)][metrics.indexOf(metric)];
  }

  public long units(String arm) {
    return units[arms.indexOf(arm)];
  }
}
