package dev.pier.experiments.metrics;

import java.time.LocalDate;

/** The cumulative aggregates at the end of one UTC day ({@code epochDay} as in {@link LocalDate#ofEpochDay}). */
public record DailySnapshot(long epochDay, Snapshot snapshot) {

  public LocalDate date() {
    return LocalDate.ofEpochDay(epochDay);
  }
}
