package dev.pier.api.features;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * A user-managed materialization schedule: incremental materialization of {@code feature_views} (every online view
 * when empty) up to each fire time, in EventBridge Scheduler's syntax ({@code rate(…)} or {@code cron(…)}, UTC).
 *
 * @param lastFire the latest fire time that started a job here (local mode; in AWS Scheduler invokes the worker)
 * @param lastJob the materialization job that fire time started
 * @param lastError why the latest fire time started no job (e.g. a named view was deleted), until one does
 * @param nextFire the next fire time, null when disabled or none is left
 */
public record MaterializationSchedule(String id, @JsonProperty("feature_views") List<String> featureViews,
    String schedule, boolean enabled, @JsonProperty("created_at") Instant createdAt,
    @JsonProperty("last_fire") Instant lastFire, @JsonProperty("last_job") String lastJob,
    @JsonProperty("last_error") String lastError,
    @JsonProperty("next_fire") Instant nextFire) {

  /** The page of a list. */
  public record Page(List<MaterializationSchedule> schedules) {}
}
