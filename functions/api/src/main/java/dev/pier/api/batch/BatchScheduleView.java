package dev.pier.api.batch;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pier.batch.BatchSchedule;
import java.time.Instant;
import java.util.List;

/**
 * A batch schedule as {@code /api/v1/batch-schedules} answers it. {@code requested} and {@code format} are always
 * there (null: the alias {@code production}, the format from the file name); {@code last_fire} and {@code next_fire}
 * only once known; {@code point_in_time} and {@code event_timestamp_column} only for a schedule whose runs look
 * features up as of each row's timestamp.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BatchScheduleView(
    String id,
    String model,
    @JsonInclude(JsonInclude.Include.ALWAYS) String requested,
    String input,
    String output,
    @JsonInclude(JsonInclude.Include.ALWAYS) String format,
    String priority,
    String schedule,
    @JsonProperty("created_at") String createdAt,
    @JsonProperty("last_fire") String lastFire,
    @JsonProperty("next_fire") String nextFire,
    @JsonProperty("point_in_time") Boolean pointInTime,
    @JsonProperty("event_timestamp_column") String eventTimestampColumn) {

  /** One page of schedules. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Page(List<BatchScheduleView> schedules, @JsonProperty("next_page_token") String nextPageToken) {}

  public static BatchScheduleView of(BatchSchedule s) {
    Instant next = s.expression().next(s.lastFire() != null ? s.lastFire() : Instant.now());
    return new BatchScheduleView(s.id(), s.model(), s.reference(), s.input().toString(), s.output().toString(),
        s.format() == null ? null : s.format().id(), s.priority().id(), s.schedule(), s.createdAt().toString(),
        s.lastFire() == null ? null : s.lastFire().toString(), next == null ? null : next.toString(),
        s.featuresAsOf() != null ? Boolean.TRUE : null, s.featuresAsOf());
  }
}
