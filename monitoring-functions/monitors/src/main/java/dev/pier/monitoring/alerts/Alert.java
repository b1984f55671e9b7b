package dev.pier.monitoring.alerts;

import java.time.Instant;

/**
 * One alert of one run: a check that failed, on a column where it concerns one. Recorded once per (monitor, window,
 * check, column), so a window run again raises nothing new.
 *
 * @param check {@code dataset_drift}, {@code prediction_drift}, {@code column_drift}, {@code performance.<metric>},
 *     {@code null_share} or {@code out_of_range_share}
 * @param column the column, or null for a check of the whole run
 * @param value what the run measured (the share of drifted columns, the statistic, the metric, the share)
 * @param threshold the bound it crossed, in words ({@code "min 0.8"}, {@code "p < 0.05"})
 * @param link the run in the API
 */
public record Alert(String monitorId, String runId, String model, int version, Instant windowStart,
    Instant windowEnd, String check, String column, double value, String threshold, String message, String link) {

  /** The webhook event type of alerts. */
  public static final String EVENT = "monitor.alert";
}
