package dev.pier.api.batch;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pier.batch.BatchJob;
import dev.pier.batch.BatchSettings;
import dev.pier.batch.Engine;
import dev.pier.batch.JobCost;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A batch job as {@code /api/v1/batch-jobs} answers it: its state, counts, throughput and, while it runs, an estimate
 * of the time left; its plan once made; and what it costs (or would cost) on AWS ({@link JobCost}). Optional parts
 * are left out while unknown; {@code requested}, {@code records.total} and {@code source} are always there, null when
 * unknown.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BatchJobView(
    String id,
    String model,
    int version,
    @JsonInclude(JsonInclude.Include.ALWAYS) String requested,
    String state,
    String priority,
    String format,
    String input,
    String output,
    String errors,
    String manifest,
    Records records,
    @JsonProperty("created_at") String createdAt,
    @JsonProperty("started_at") String startedAt,
    @JsonProperty("records_per_second") Long recordsPerSecond,
    @JsonProperty("eta_seconds") Long etaSeconds,
    @JsonProperty("finished_at") String finishedAt,
    String error,
    @JsonProperty("scoring_records_per_second") Long scoringRecordsPerSecond,
    Plan plan,
    @JsonInclude(JsonInclude.Include.ALWAYS) String source,
    @JsonProperty("estimated_cost_usd") Cost estimatedCostUsd,
    @JsonProperty("point_in_time") Boolean pointInTime,
    @JsonProperty("event_timestamp_column") String eventTimestampColumn,
    String engine,
    String table,
    @JsonProperty("unit_column") String unitColumn,
    String mode,
    @JsonProperty("attribute_columns") java.util.Map<String, String> attributeColumns,
    @JsonProperty("table_format") String tableFormat) {

  /** Rows of the input: {@code total} is null until the job has counted them. */
  public record Records(@JsonInclude(JsonInclude.Include.ALWAYS) Long total, long succeeded, long failed) {}

  /** How the job runs; {@code measured_records_per_second} only when the sizes came from measured throughput. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Plan(int chunks, @JsonProperty("chunk_rows") int chunkRows, int concurrency, String basis,
      @JsonProperty("measured_records_per_second") Long measuredRecordsPerSecond) {}

  /** {@code emr_serverless} only for Spark jobs. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Cost(double total, double lambda, @JsonProperty("step_functions") double stepFunctions, double s3,
      double dynamodb, @JsonProperty("emr_serverless") Double emrServerless) {}

  /** One page of jobs. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Page(List<BatchJobView> jobs, @JsonProperty("next_page_token") String nextPageToken) {}

  public static BatchJobView of(BatchJob j, BatchSettings settings) {
    Long rate = null;
    Long eta = null;
    if (j.startedAt() != null) {
      Instant end = j.finishedAt() != null ? j.finishedAt() : Instant.now();
      double seconds = Math.max(0.001, Duration.between(j.startedAt(), end).toMillis() / 1000.0);
      double perSecond = j.done() / seconds;
      rate = Math.round(perSecond);
      if (!j.state().isFinal() && j.total() != null && perSecond > 0) {
        eta = Math.round((j.total() - j.done()) / perSecond);
      }
    }
    BatchJob.Plan p = j.plan();
    Plan plan = p == null ? null : new Plan(p.chunks(), p.chunkRows(), p.concurrency(), p.basis(),
        p.rowsPerSecond() > 0 ? Math.round(p.rowsPerSecond()) : null);
    JobCost c = JobCost.of(j, settings);
    return new BatchJobView(j.id(), j.model(), j.version(), j.reference(), j.state().name(), j.priority().id(),
        j.format().id(), j.input().toString(), j.output().toString(), j.errorsFile().toString(),
        j.manifest().toString(), new Records(j.total(), j.succeeded(), j.failed()), j.createdAt().toString(),
        text(j.startedAt()), rate, eta, text(j.finishedAt()), j.error(),
        j.scoringMillis() > 0 ? Math.round(j.done() * 1000.0 / j.scoringMillis()) : null, plan, j.source(),
        new Cost(c.total(), c.lambda(), c.stepFunctions(), c.s3(), c.dynamodb(),
            j.engine() == Engine.SPARK ? c.emrServerless() : null),
        j.featuresAsOf() != null ? Boolean.TRUE : null, j.featuresAsOf(), j.engine().id(),
        j.tableUri(), j.unitColumn(),
        j.tableMode() == null ? null : j.tableMode().id(), j.attributeColumns(),
        j.tableFormat() == null ? null : j.tableFormat().id());
  }

  private static String text(Instant t) {
    return t == null ? null : t.toString();
  }
}
