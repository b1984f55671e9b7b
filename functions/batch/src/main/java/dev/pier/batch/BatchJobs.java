package dev.pier.batch;

import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.S3SourcePolicy;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.ServingProperties;
import dev.pier.runtime.PredictionService;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import java.util.Locale;
import java.util.Map;

/**
 * Batch jobs as the API and the upload trigger see them: submit, list, get, cancel. A job resolves its version when it
 * is created and writes under its own output prefix ({@code <output>/<id>/}).
 */
public final class BatchJobs {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final JobsTable jobs;
  private final PredictionService predictions;
  private final JobLauncher launcher;
  private final BatchSettings settings;
  private final S3SourcePolicy locations;
  private final S3Client s3;
  private final JobLauncher spark;

  /**
   * @param locations where callers may point inputs and outputs (never Pier's own prefixes)
   * @param s3 reads the input's metadata at submission, so a job whose input cannot be read is never accepted
   */
  public BatchJobs(JobsTable jobs, PredictionService predictions, JobLauncher launcher, BatchSettings settings,
      S3SourcePolicy locations, S3Client s3) {
    this(jobs, predictions, launcher, null, settings, locations, s3);
  }

  /** @param spark starts jobs of engine {@code spark}; null where this process cannot */
  public BatchJobs(JobsTable jobs, PredictionService predictions, JobLauncher launcher, JobLauncher spark,
      BatchSettings settings, S3SourcePolicy locations, S3Client s3) {
    this.spark = spark;
    this.s3 = s3;
    this.jobs = jobs;
    this.predictions = predictions;
    this.launcher = launcher;
    this.settings = settings;
    this.locations = locations;
  }

  /**
   * What a caller asks for; {@code output} is a prefix the job's own folder goes under (default: the batch bucket).
   *
   * @param featuresAsOf the rows' event-timestamp field for a point-in-time feature lookup, or null (online values)
   */
  public record Submission(String model, String reference, String input, String output, String format,
      String priority, String featuresAsOf, String engine, String unitColumn, String mode,
      Map<String, String> attributeColumns, String tableFormat) {
    public Submission(String model, String reference, String input, String output, String format, String priority,
        String featuresAsOf, String engine, String unitColumn, String mode) {
      this(model, reference, input, output, format, priority, featuresAsOf, engine, unitColumn, mode, null, null);
    }

    public Submission(String model, String reference, String input, String output, String format, String priority,
        String featuresAsOf, String engine, String unitColumn, String mode, Map<String, String> attributeColumns) {
      this(model, reference, input, output, format, priority, featuresAsOf, engine, unitColumn, mode,
          attributeColumns, null);
    }

    public Submission(String model, String reference, String input, String output, String format, String priority,
        String featuresAsOf, String engine, String unitColumn, String mode, String tableFormat) {
      this(model, reference, input, output, format, priority, featuresAsOf, engine, unitColumn, mode, null,
          tableFormat);
    }

    public Submission(String model, String reference, String input, String output, String format, String priority) {
      this(model, reference, input, output, format, priority, null, null, null, null, null, null);
    }

    public Submission(String model, String reference, String input, String output, String format, String priority,
        String featuresAsOf, String engine) {
      this(model, reference, input, output, format, priority, featuresAsOf, engine, null, null, null, null);
    }
  }

  private volatile ExperimentArms arms = ExperimentArms.NONE;

  /** Set once at wiring: what a job with a {@code unit_column} is checked against (a running experiment). */
  public void experimentArms(ExperimentArms arms) {
    this.arms = arms;
  }

  public BatchJob submit(Submission s) {
    Engine engine = Engine.parse(s.engine());
    JobLauncher launcher = launcher(engine);
    if (engine == Engine.SPARK && (launcher == null || !launcher.available())) {
      throw new PierException(501, "this server cannot start Spark jobs: set pier.batch.spark.classpath"
          + " (PIER_BATCH_SPARK_CLASSPATH) locally, or pier.batch.spark.application-id and"
          + " pier.batch.spark.job-role-arn in AWS");
    }
    if (!launcher.available()) {
      throw new PierException(501, "this server cannot start batch jobs: set pier.batch.state-machine-arn"
          + " (PIER_BATCH_STATE_MACHINE_ARN) to the batch-scoring state machine, or upload the input under"
          + " incoming/<model>/ of the batch bucket");
    }
    if (s.model() == null || s.model().isBlank()) {
      throw PierException.badRequest("model is required");
    }
    S3Uri input = S3Uri.parse(s.input(), "input");
    locations.check(input.bucket(), input.key(), "input");
    InputFormat format = s.format() != null ? InputFormat.parse(s.format()) : InputFormat.ofKey(input.key());
    if (format == null) {
      throw PierException.badRequest("format is required when the input's extension does not name one"
          + " (.jsonl, .csv, .parquet)");
    }
    Priority priority = Priority.parse(s.priority());
    String reference = s.reference() == null || s.reference().isBlank() ? "production" : s.reference();
    String table = null;
    String output = s.output();
    if (output != null && output.startsWith("glue://")) {
      table = output.substring("glue://".length());
      if (!table.matches("[a-z0-9_]{1,255}\\.[a-z0-9_]{1,255}")) {
        throw PierException.badRequest("output glue://" + table + " must name a table as glue://database.table"
            + " (lower-case letters, digits and underscores)");
      }
      output = null; // manifest and errors under the batch bucket; the table's files under tables/<db>/<table>/
      // (either engine: the Lambda path writes the Spark path's columns, see TableSchema)
    } else if (output != null && output.startsWith(BatchJob.BIGQUERY)) {
      table = bigQueryTable(output.substring(BatchJob.BIGQUERY.length()));
      output = null; // manifest and errors under the batch bucket; the rows in BigQuery
    }
    if (table != null && s.unitColumn() != null) {
      throw PierException.badRequest("unit_column (rows scored by their experiment arms) writes s3:// outputs, whose"
          + " results carry model_version and experiment_arm; a table output (" + s.output() + ") takes no"
          + " unit_column");
    }
    TableMode mode = TableMode.parse(s.mode());
    TableFormat tableFormat = tableFormat(s, table, engine);
    if (s.mode() != null && table == null) {
      throw PierException.badRequest("mode (" + s.mode() + ") applies to table outputs (glue://database.table,"
          + " bigquery://project.dataset.table); an s3:// output is a new folder of the job's own");
    }
    ModelVersion version = predictions.resolve(s.model(), reference); // 404 for unknown models, versions, aliases
    if (s.featuresAsOf() != null) {
      checkPointInTime(version, s.model());
    }
    String id = "bj-" + HexFormat.of().formatHex(randomBytes());
    S3Uri base = output == null || output.isBlank() ? new S3Uri(settings.bucket(), "outputs/")
        : S3Uri.parse(output, "output").asPrefix();
    if (output != null && !output.isBlank()) {
      locations.check(base.bucket(), base.key(), "output"); // the default is Pier's own choice
    }
    String unitColumn = unitColumn(s, reference, engine);
    checkReadable(input); // last: a refused location never costs an S3 call
    Map<String, String> attributeColumns = attributeColumns(s, unitColumn);
    if (unitColumn != null) {
      UnitColumnCheck.require(s3, input, format, unitColumn);
      if (attributeColumns != null) {
        for (var a : attributeColumns.entrySet()) {
          UnitColumnCheck.require(s3, input, format, a.getValue(), "attribute_columns." + a.getKey());
        }
      }
    }
    BatchJob job = newJob(id, s.model(), reference, version.version(), priority, input, base.resolve(id + "/"),
        format, "api", s.featuresAsOf(), engine, table, unitColumn, mode, tableFormat);
    if (attributeColumns != null) {
      job = new BatchJob(job.id(), job.model(), job.reference(), job.version(), job.state(), job.priority(),
          job.input(), job.output(), job.format(), job.total(), job.succeeded(), job.failed(), job.scoringMillis(),
          job.createdAt(), job.startedAt(), job.finishedAt(), job.error(), job.source(), job.plan(),
          job.featuresAsOf(), job.engine(), job.table(), job.unitColumn(), job.tableMode(), attributeColumns,
          job.tableFormat());
    }
    jobs.create(job);
    launcher.launch(job);
    return job;
  }

  /**
   * A {@code bigquery://project.dataset.table} output (given without its scheme), checked as BigQuery names them: a
   * project id of 6–30 lower-case letters, digits and hyphens (an optional {@code domain:} prefix), a dataset and a
   * table of letters, digits and underscores. Written by either engine ({@code dev.pier.batch.bigquery}).
   */
  private static String bigQueryTable(String name) {
    if (!name.matches("([a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,28}[a-z0-9]"
        + "\\.[A-Za-z0-9_]{1,1024}\\.[A-Za-z_][A-Za-z0-9_]{0,1023}")) {
      throw PierException.badRequest("output bigquery://" + name + " must name a table as"
          + " bigquery://project.dataset.table (a project id of 6 to 30 lower-case letters, digits and hyphens; dataset"
          + " and table of letters, digits and underscores)");
    }
    return BatchJob.BIGQUERY + name;
  }

  /**
   * The job's targeting attributes' columns (attribute → column), checked: they need a unit column (the unit they
   * describe), and each names a column other than {@code id} and the unit's. Null when there are none.
   */
  private static Map<String, String> attributeColumns(Submission s, String unitColumn) {
    Map<String, String> columns = s.attributeColumns();
    if (columns == null || columns.isEmpty()) {
      return null;
    }
    if (unitColumn == null) {
      throw PierException.badRequest("attribute_columns are the targeting attributes of each row's unit; they need"
          + " unit_column");
    }
    for (var a : columns.entrySet()) {
      String column = a.getValue();
      if (a.getKey() == null || a.getKey().isBlank() || column == null || column.isBlank()) {
        throw PierException.badRequest("attribute_columns must map each attribute name to the rows' field holding"
            + " it, e.g. {\"country\": \"country\"}");
      }
      if (column.equals("id") || column.equals(unitColumn)) {
        throw PierException.badRequest("attribute_columns." + a.getKey() + " cannot be '" + column + "', the rows' "
            + (column.equals("id") ? "id" : "unit column"));
      }
    }
    return columns;
  }

  /**
   * The job's unit column, checked: it assigns rows to the arms of the experiment running on the job's alias, so it
   * needs an alias with one (a 400 otherwise) and the Lambda path (whose model calls go through the pipeline).
   */
  private String unitColumn(Submission s, String reference, Engine engine) {
    String column = s.unitColumn();
    if (column == null) {
      return null;
    }
    if (column.isBlank()) {
      throw PierException.badRequest("unit_column must name the rows' field that holds each row's unit");
    }
    if (column.equals("id")) {
      throw PierException.badRequest("unit_column cannot be 'id', the rows' own id; name the unit's field");
    }
    if (engine == Engine.SPARK) {
      throw PierException.badRequest("unit_column is scored by the Lambda path (engine lambda), not by spark");
    }
    if (reference.chars().allMatch(Character::isDigit)) {
      throw PierException.badRequest("unit_column assigns rows to the arms of the experiment running on an alias;"
          + " version " + reference + " names no alias");
    }
    if (!arms.running(s.model(), reference)) {
      throw PierException.badRequest("unit_column '" + column + "': no experiment is running on model '" + s.model()
          + "' alias '" + reference + "' to assign rows to");
    }
    return column;
  }

  /**
   * Refuses, as a 400 naming it, an input that does not exist or that Pier may not read — checked before the job is
   * accepted, so a caller learns it from the submission rather than from a job that fails later. (Uploads under
   * {@code incoming/} exist by definition; a job of theirs that fails later records why on the job.)
   */
  private void checkReadable(S3Uri input) {
    try {
      s3.headObject(b -> b.bucket(input.bucket()).key(input.key()));
    } catch (NoSuchKeyException | NoSuchBucketException e) {
      throw PierException.badRequest("input " + input + " does not exist");
    } catch (S3Exception e) {
      throw PierException.badRequest(switch (e.statusCode()) {
        case 404 -> "input " + input + " does not exist";
        case 403 -> "input " + input + " cannot be read: access denied to Pier's role";
        default -> "input " + input + " cannot be read: S3 answered " + e.statusCode();
      });
    }
  }

  /**
   * The job for an object uploaded under {@code incoming/<model>/}: its id is derived from bucket, key and ETag, so
   * one object makes one job however often it is seen (restarts included). Null when the job exists already.
   */
  public BatchJob submitUpload(String bucket, String key, String etag) {
    String[] parts = key.split("/");
    String id = uploadId(bucket, key, etag);
    if (jobs.get(id).isPresent()) {
      return null;
    }
    S3Uri input = new S3Uri(bucket, key);
    S3Uri output = new S3Uri(settings.bucket(), "outputs/" + id + "/");
    String model = parts.length >= 3 ? parts[1] : "";
    InputFormat format = InputFormat.ofKey(key);
    String source = "upload:" + key + "#" + etag;
    String problem = null;
    int version = 0;
    if (parts.length < 3 || model.isEmpty()) {
      problem = "uploads go under incoming/<model>/; " + key + " names no model";
    } else if (format == null) {
      problem = "unsupported file type: " + key + " (batch scoring reads .jsonl, .csv and .parquet)";
    } else {
      try {
        version = predictions.resolve(model, "production").version();
      } catch (PierException e) {
        problem = e.getMessage();
      }
    }
    BatchJob job = newJob(id, model, "production", version, Priority.NORMAL, input, output,
        format == null ? InputFormat.JSONL : format, source);
    if (!jobs.create(job)) {
      return null;
    }
    if (problem != null) {
      jobs.finish(id, JobState.FAILED, problem); // never dropped silently: the job says why it did not run
      return jobs.require(id);
    }
    launcher.launch(job);
    return job;
  }

  /**
   * The job id of an uploaded object: the same for every sighting of that object version — S3 listings quote ETags,
   * EventBridge events do not, so the quoted form (the one ids were always derived from) is used.
   */
  public static String uploadId(String bucket, String key, String etag) {
    String quoted = etag.startsWith("\"") ? etag : "\"" + etag + "\"";
    return "up-" + sha256(bucket + "/" + key + "#" + quoted).substring(0, 24);
  }

  /**
   * Starts again, each on its engine's launcher, the jobs a previous process left unfinished (local mode, at start);
   * a Spark job on a server with no Spark engine fails, saying so.
   */
  public void resumeUnfinished() {
    for (BatchJob job : jobs.list()) {
      if (job.state().isFinal()) {
        continue;
      }
      JobLauncher l = launcher(job.engine());
      if (l == null || !l.available()) {
        jobs.finish(job.id(), JobState.FAILED, "this server cannot resume the " + job.engine().id() + " job: its"
            + " engine is not configured here");
      } else {
        l.launch(job);
      }
    }
  }

  public List<BatchJob> list(String model, String state) {
    JobState wanted = state == null ? null : parseState(state);
    return jobs.list().stream()
        .filter(j -> model == null || j.model().equals(model))
        .map(this::refresh)
        .filter(j -> wanted == null || j.state() == wanted)
        .toList();
  }

  public BatchJob get(String id) {
    return refresh(jobs.require(id));
  }

  /** An unfinished job as its engine's execution stands (an EMR Serverless run that ended on its own). */
  private BatchJob refresh(BatchJob job) {
    JobLauncher l = job.state().isFinal() ? null : launcher(job.engine());
    if (l == null) {
      return job;
    }
    try {
      return l.refresh(job);
    } catch (RuntimeException e) { // the engine's API unreachable: the job as recorded
      return job;
    }
  }

  /** Cancels a QUEUED or RUNNING job (409 for a finished one); finished chunks' output stays. */
  public BatchJob cancel(String id) {
    BatchJob job = jobs.require(id);
    if (!jobs.finish(id, JobState.CANCELLED, null)) {
      throw new PierException(409, "batch job " + id + " is " + jobs.require(id).state() + " and cannot be cancelled");
    }
    launcher(job.engine()).stop(id);
    return jobs.require(job.id());
  }

  public BatchSettings settings() {
    return settings;
  }

  private static JobState parseState(String s) {
    try {
      return JobState.valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw PierException.badRequest("state must be one of QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED");
    }
  }

  /** A 400 unless {@code version} looks features up (a feature service and a pipeline): point_in_time needs both. */
  static void checkPointInTime(ModelVersion version, String model) {
    if (version.serving().pipeline() == null
        || !version.metadata().properties().containsKey(ServingProperties.FEATURE_SERVICE)) {
      throw PierException.badRequest("point_in_time looks features up as of each row's timestamp, but version "
          + version.version() + " of model '" + model + "' has no feature_service and pipeline to look them up"
          + " for");
    }
  }

  static BatchJob newJob(String id, String model, String reference, int version, Priority priority,
      S3Uri input, S3Uri output, InputFormat format, String source) {
    return newJob(id, model, reference, version, priority, input, output, format, source, null, Engine.LAMBDA, null,
        null, null);
  }

  static BatchJob newJob(String id, String model, String reference, int version, Priority priority,
      S3Uri input, S3Uri output, InputFormat format, String source, String featuresAsOf, Engine engine, String table,
      String unitColumn, TableMode mode) {
    return newJob(id, model, reference, version, priority, input, output, format, source, featuresAsOf, engine, table,
        unitColumn, mode, null);
  }

  static BatchJob newJob(String id, String model, String reference, int version, Priority priority,
      S3Uri input, S3Uri output, InputFormat format, String source, String featuresAsOf, Engine engine, String table,
      String unitColumn, TableMode mode, TableFormat tableFormat) {
    return new BatchJob(id, model, reference, version, JobState.QUEUED, priority, input, output, format, null, 0, 0,
        0, Instant.now().truncatedTo(ChronoUnit.MILLIS), null, null, null, source, null, featuresAsOf, engine, table,
        unitColumn, mode, null, tableFormat);
  }

  /**
   * The job's {@code table_format}, checked: it applies to {@code glue://} outputs only, and Iceberg tables are written
   * by either engine; a format for another output is refused as a 400 before any job exists.
   */
  private static TableFormat tableFormat(Submission s, String table, Engine engine) {
    TableFormat format = TableFormat.parse(s.tableFormat());
    if (s.tableFormat() == null) {
      return table == null || table.startsWith(BatchJob.BIGQUERY) ? null : format;
    }
    if (table == null || table.startsWith(BatchJob.BIGQUERY)) {
      throw PierException.badRequest("table_format (" + s.tableFormat() + ") applies to glue://database.table"
          + " outputs");
    }
    return format;
  }

  private JobLauncher launcher(Engine engine) {
    return engine == Engine.SPARK ? spark : launcher;
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return b;
  }

  static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
