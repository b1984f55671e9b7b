package dev.pier.batch;

import java.time.Instant;

/**
 * A batch scoring job as stored in the jobs table.
 *
 * @param reference the version or alias asked for; {@code version} is what it resolved to when the job was created,
 *     so every chunk of a job is scored by the same version even if the alias moves meanwhile
 * @param output the job's own output prefix ({@code s3://…/}): results, {@code errors.jsonl}, {@code manifest.json}
 * @param total the rows in the input, known once the job is validated (null before)
 * @param scoringMillis time spent scoring, summed over chunks (for throughput and cost)
 * @param source what started the job: {@code api}, {@code upload:<key>#<etag>} or {@code schedule:<id>@<fire time>}
 * @param plan how the job was cut up and run, known once it is validated (null before)
 * @param featuresAsOf for a version with a feature service: the rows' field holding each row's event timestamp, whose
 *     features are then looked up as of that moment in the offline store ({@code "point_in_time": true}); null: the
 *     online store's current values
 * @param engine what runs it: the Lambda path or Spark
 * @param table the table its results are written to, or null: a Glue Data Catalog table as {@code db.table}, a
 *     BigQuery table as {@code bigquery://project.dataset.table} ({@link #tableUri()} names either with its scheme)
 * @param unitColumn the rows' field holding each row's unit, for a job scored under the experiment running on its
 *     alias (each row scored by its unit's arm, see {@link ExperimentArms}); null: every row by {@code version}
 * @param attributeColumns for a job with a {@code unitColumn}: each targeting attribute's column (attribute → column),
 *     read from the rows and checked against the experiment's targeting as online {@code X-Pier-Attributes} are;
 *     null: none
 * @param tableFormat how a {@code glue://} table holds the rows ({@link TableFormat}); null without a Glue table
 */
public record BatchJob(
    String id,
    String model,
    String reference,
    int version,
    JobState state,
    Priority priority,
    S3Uri input,
    S3Uri output,
    InputFormat format,
    Long total,
    long succeeded,
    long failed,
    long scoringMillis,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    String error,
    String source,
    Plan plan,
    String featuresAsOf,
    Engine engine,
    String table,
    String unitColumn,
    TableMode tableMode,
    java.util.Map<String, String> attributeColumns,
    TableFormat tableFormat) {

  /** {@code tableMode}: what a table output does when the table exists; null without a table output. */
  public BatchJob {
    engine = engine == null ? Engine.LAMBDA : engine;
    tableMode = table == null ? null : tableMode == null ? TableMode.ERROR_IF_EXISTS : tableMode;
    attributeColumns = attributeColumns == null || attributeColumns.isEmpty() ? null
        : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(attributeColumns));
    tableFormat = table == null || table.startsWith(BIGQUERY) ? null
        : tableFormat == null ? TableFormat.PARQUET : tableFormat;
  }

  /** A job without targeting attributes whose Glue table (if any) is Parquet. */
  public BatchJob(String id, String model, String reference, int version, JobState state, Priority priority,
      S3Uri input, S3Uri output, InputFormat format, Long total, long succeeded, long failed, long scoringMillis,
      Instant createdAt, Instant startedAt, Instant finishedAt, String error, String source, Plan plan,
      String featuresAsOf, Engine engine, String table, String unitColumn, TableMode tableMode) {
    this(id, model, reference, version, state, priority, input, output, format, total, succeeded, failed,
        scoringMillis, createdAt, startedAt, finishedAt, error, source, plan, featuresAsOf, engine, table, unitColumn,
        tableMode, null, null);
  }

  /** Whether its results go to an Iceberg table in the Glue catalog. */
  public boolean iceberg() {
    return tableFormat == TableFormat.ICEBERG;
  }

  /** A job of the Lambda path whose features (if any) come from the online store. */
  public BatchJob(String id, String model, String reference, int version, JobState state, Priority priority,
      S3Uri input, S3Uri output, InputFormat format, Long total, long succeeded, long failed, long scoringMillis,
      Instant createdAt, Instant startedAt, Instant finishedAt, String error, String source, Plan plan) {
    this(id, model, reference, version, state, priority, input, output, format, total, succeeded, failed,
        scoringMillis, createdAt, startedAt, finishedAt, error, source, plan, null, Engine.LAMBDA, null, null, null,
        null, null);
  }

  /**
   * How a job runs: its chunks, the rows per chunk and the chunks scored at once, and what they were derived from.
   *
   * @param basis {@code measured} (the version's throughput on earlier jobs) or {@code default} (configured sizes)
   * @param rowsPerSecond the scoring throughput the sizes were derived from; 0 for {@code default}
   */
  public record Plan(int chunks, int chunkRows, int concurrency, String basis, double rowsPerSecond) {}

  /** The table output as the job was submitted with it ({@code glue://db.table}, {@code bigquery://p.d.t}), or null. */
  public String tableUri() {
    return table == null ? null : table.startsWith(BIGQUERY) ? table : "glue://" + table;
  }

  /** Whether its results go to a BigQuery table ({@code bigquery://project.dataset.table}). */
  public boolean bigQuery() {
    return table != null && table.startsWith(BIGQUERY);
  }

  /** The scheme of a BigQuery table output, as {@link #table} holds it. */
  public static final String BIGQUERY = "bigquery://";

  /** Rows finished so far (scored or failed). */
  public long done() {
    return succeeded + failed;
  }

  public S3Uri errorsFile() {
    return output.resolve("errors.jsonl");
  }

  public S3Uri manifest() {
    return output.resolve("manifest.json");
  }
}
