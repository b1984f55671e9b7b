package dev.pier.batch;

import java.time.Instant;

/**
 * A recurring batch job as stored in the jobs table.
 *
 * @param reference the version or alias each run resolves when it fires (an alias follows its moves)
 * @param input an object scored on every run, or a prefix (ending in {@code /}) whose newest object each run scores
 * @param output the prefix each run's own folder goes under
 * @param format null: each run's input extension decides
 * @param lastFire the latest fire time a run was started for (null before the first)
 * @param featuresAsOf as a one-off job's: the rows' event-timestamp field each run looks features up as of
 *     ({@code "point_in_time": true}); null: online values
 */
public record BatchSchedule(
    String id,
    String model,
    String reference,
    S3Uri input,
    S3Uri output,
    InputFormat format,
    Priority priority,
    String schedule,
    Instant createdAt,
    Instant lastFire,
    String featuresAsOf) {

  public ScheduleExpression expression() {
    return ScheduleExpression.parse(schedule, createdAt);
  }
}
