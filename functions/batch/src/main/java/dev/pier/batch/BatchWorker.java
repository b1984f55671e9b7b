package dev.pier.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Signature;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.ServingProperties;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.PredictionPipeline;
import dev.pier.runtime.prediction.WayIn;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import dev.pier.runtime.pipeline.FeaturePipeline;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The batch worker: what the batch-scoring state machine's tasks do ({@code validate}, {@code score-chunk},
 * {@code write-results}, {@code finalize}, {@code fail}), the same code in the worker Lambda and in local mode. Every
 * action is idempotent: outputs go to keys fixed by job and chunk, and a chunk already recorded in the jobs table is
 * not scored again. Errors ({@link BatchTaskError}, named in the ASL by class): {@link InvalidJobError} (the job
 * cannot run as asked; not retried), {@link TransientError} (S3 or DynamoDB hiccups; retried with back-off),
 * {@link JobEndedError} (cancelled), {@link IncompleteJobError}.
 */
public final class BatchWorker {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final JobsTable jobs;
  private final S3Client s3;
  private final PredictionService predictions;
  private final PredictionPipeline pipeline;
  private final BatchSettings settings;
  private final Map<String, FeaturePipeline> pipelines = new ConcurrentHashMap<>();
  private volatile Triggers triggers;

  /** A worker whose model calls go through the runtime's pipeline stages alone (no audit, probes or metrics). */
  public BatchWorker(JobsTable jobs, S3Client s3, PredictionService predictions, BatchSettings settings) {
    this(jobs, s3, predictions, predictions.pipeline().build(), settings);
  }

  /**
   * @param pipeline what each model call of a chunk goes through (way in {@code batch}): the one every way in shares
   */
  public BatchWorker(JobsTable jobs, S3Client s3, PredictionService predictions, PredictionPipeline pipeline,
      BatchSettings settings) {
    this.jobs = jobs;
    this.s3 = s3;
    this.predictions = predictions;
    this.pipeline = pipeline;
    this.settings = settings;
  }

  /** What starts jobs, for the {@code upload-run} and {@code scheduled-run} actions (both need a launcher). */
  public record Triggers(BatchJobs jobs, BatchSchedules schedules) {}

  private volatile ExperimentArms arms = ExperimentArms.NONE;

  /** Set once at wiring: the arms of the experiments a job with a {@code unit_column} is scored under. */
  public void experimentArms(ExperimentArms arms) {
    this.arms = arms;
  }

  private volatile TableOutputs tables;
  private final Map<String, TableSchema> tableSchemas = new ConcurrentHashMap<>();

  /**
   * Set once at wiring: the catalogs and warehouses of {@code glue://} and {@code bigquery://} outputs
   * ({@link TableOutputs#find}; none in the API Lambda's zip, whose worker never runs batch tasks).
   */
  public void tables(TableOutputs tables) {
    this.tables = tables;
  }

  /** Set once at wiring: the launcher behind these needs the worker (locally) or the state machine (in AWS). */
  public void triggers(Triggers triggers) {
    this.triggers = triggers;
  }

  /** One invocation: {@code {"action": …, "job_id": …, …}}. */
  public JsonNode handle(JsonNode payload) {
    String action = payload.path("action").asText();
    String id = payload.path("job_id").asText();
    try {
      return switch (action) {
        case "validate" -> validate(id);
        case "score-chunk" -> scoreChunks(id, payload.path("chunks"));
        case "write-results" -> writeResults(id);
        case "finalize" -> finalizeJob(id);
        case "fail" -> fail(id, payload.path("error"));
        case "scheduled-run" -> scheduledRun(payload.path("schedule_id").asText(),
            payload.path("scheduled_time").asText());
        case "upload-run" -> uploadRun(payload.path("bucket").asText(), payload.path("key").asText(),
            payload.path("etag").asText());
        default -> throw new InvalidJobError("unknown batch worker action '" + action + "'");
      };
    } catch (BatchError e) {
      throw new InvalidJobError(e.getMessage());
    } catch (JobsTable.JobEnded e) {
      throw new JobEndedError(e.getMessage());
    } catch (PierException e) {
      throw e.status() < 500 ? new InvalidJobError(e.getMessage()) : new TransientError(e.getMessage());
    } catch (SdkClientException | UncheckedIOException e) {
      throw new TransientError(e.getMessage());
    } catch (RuntimeException e) { // a table output's catalog or warehouse (pier-batch-tables says which are transient)
      TableOutputs t = tables;
      String message = t == null || e instanceof BatchTaskError ? null : t.transientFailure(e);
      if (message != null) {
        throw new TransientError(message);
      }
      throw e;
    }
  }

  private JsonNode validate(String id) {
    BatchJob job = jobs.require(id);
    if (job.state().isFinal()) {
      throw new JobEndedError("batch job " + id + " is " + job.state());
    }
    ModelVersion version = version(job);
    FeaturePipeline pipeline = pipeline(version);
    var signature = predictions.signature(version);
    if (pipeline != null && signature.inputs().stream().noneMatch(i -> i.name().equals(pipeline.input()))) {
      throw new BatchError("the feature pipeline of version " + version.version() + " feeds input '"
          + pipeline.input() + "', which the model does not have");
    }
    if (pipeline == null) {
      for (var spec : signature.inputs()) {
        ChunkScorer.rowWidth(spec); // refuses what batch scoring cannot feed, before any chunk runs
      }
    }
    if (job.table() != null) { // before any chunk is scored: a table that refuses this job's columns fails it
      ensureTable(job, signature);
    }
    double rate = ChunkSizing.measuredRowsPerSecond(jobs.list(), job.model(), job.version());
    int chunkRows = ChunkSizing.chunkRows(rate, settings);
    ChunkPlanner.Plan plan = job.format() == InputFormat.PARQUET ? planParquet(job, version, chunkRows)
        : planText(job, chunkRows);
    ArrayNode items = NODES.arrayNode();
    for (ChunkPlanner.Chunk c : plan.chunks()) {
      ObjectNode item = items.addObject().put("chunk", c.index()).put("start", c.start()).put("end", c.end())
          .put("first_line", c.firstLine()).put("rows", c.rows());
      if (plan.header() != null) {
        item.put("header", plan.header());
      }
    }
    String planKey = "jobs/" + id + "/plan.json";
    s3.putObject(b -> b.bucket(settings.bucket()).key(planKey).contentType("application/json"),
        RequestBody.fromString(items.toString()));
    BatchJob.Plan sizes = ChunkSizing.plan(plan.rows(), plan.chunks().size(), chunkRows, rate, settings);
    if (!jobs.start(id, plan.rows(), sizes)) {
      throw new JobEndedError("batch job " + id + " ended before it started");
    }
    return NODES.objectNode().put("job_id", id).put("plan_key", planKey).put("chunks", plan.chunks().size())
        .put("chunks_per_invocation", 1).put("concurrency", sizes.concurrency())
        .put("tolerated_failure_percentage", settings.toleratedFailurePercentage());
  }

  private JsonNode scoreChunks(String id, JsonNode chunks) {
    BatchJob job = jobs.require(id);
    if (job.state() != JobState.RUNNING) {
      throw new JobEndedError("batch job " + id + " is " + job.state());
    }
    long succeeded = 0;
    long failed = 0;
    for (JsonNode c : chunks) {
      JobsTable.ChunkCounts counts = scoreChunk(job, c);
      succeeded += counts.succeeded();
      failed += counts.failed();
    }
    return NODES.objectNode().put("succeeded", succeeded).put("failed", failed);
  }

  private JobsTable.ChunkCounts scoreChunk(BatchJob job, JsonNode item) {
    int index = item.get("chunk").asInt();
    var done = jobs.chunk(job.id(), index);
    if (done.isPresent()) {
      return done.get(); // finished before a crash or a retry: not scored again
    }
    long started = System.nanoTime();
    ChunkPlanner.Chunk chunk = new ChunkPlanner.Chunk(index, item.get("start").asLong(), item.get("end").asLong(),
        item.get("first_line").asLong(), item.get("rows").asLong());
    if (job.table() != null) {
      return scoreTableChunk(job, item, chunk, started);
    }
    ModelVersion version = version(job);
    Map<String, ExperimentArms.Arm> assigned = job.unitColumn() == null ? null : new HashMap<>();
    // each unit's targeting attributes, read from its first row in the chunk before its arm is asked for
    Map<String, Map<String, Object>> unitAttributes = job.attributeColumns() == null ? null : new HashMap<>();
    List<Layout> layouts = assigned == null ? List.of(new Layout(version, null))
        : layouts(job, version, armOf(job, version, assigned, unitAttributes));
    String part = "part-%05d".formatted(index);
    StringBuilder errorLines = new StringBuilder();
    long succeeded = 0;
    long failed = 0;
    byte[] data = null; // a text chunk's bytes, fetched once for every layout's read
    for (Layout layout : layouts) {
      ChunkScorer scorer = scorer(job, layout.version());
      if (assigned != null) {
        scorer.arms(new ChunkScorer.Arms(job.unitColumn(), armOf(job, version, assigned, unitAttributes),
            v -> inputs -> pipeline.answer(PredictionCall.of(WayIn.BATCH, job.model(), Integer.toString(v),
                new InferenceRequest(job.id(), inputs, List.of()))).outputs(),
            v -> instances -> pipeline.answer(PredictionCall.of(WayIn.BATCH, job.model(), Integer.toString(v), null)
                .instances(instances).featuresAsOf(job.featuresAsOf())).outputs(),
            job.attributeColumns(), unitAttributes));
        if (layouts.size() > 1) {
          scorer.onlyUnits(layout.owns(), layout == layouts.getFirst());
        }
      }
      ChunkScorer.Scored scored;
      if (job.format() == InputFormat.PARQUET) {
        try (ParquetFileReader reader = openParquet(job.input())) {
          scored = scorer.scoreParquet(reader, chunk);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      } else {
        if (data == null) {
          data = s3.getObjectAsBytes(b -> b.bucket(job.input().bucket()).key(job.input().key())
              .range("bytes=" + chunk.start() + "-" + (chunk.end() - 1))).asByteArray();
        }
        scored = scorer.score(data, chunk, job.format(), item.path("header").asText(null));
      }
      // one result file per input layout: the job's version's layout is part-NNNNN, another's part-NNNNN-vV
      String name = layout == layouts.getFirst() ? part : part + "-v" + layout.version().version();
      S3Uri results = job.output().resolve("results/" + name + job.format().extension());
      if (scored.results().length > 0 || job.format() != InputFormat.PARQUET && layout == layouts.getFirst()) {
        s3.putObject(b -> b.bucket(results.bucket()).key(results.key()), RequestBody.fromBytes(scored.results()));
      }
      errorLines.append(new String(scored.errors(), java.nio.charset.StandardCharsets.UTF_8));
      succeeded += scored.succeeded();
      failed += scored.failed();
    }
    if (failed > 0) {
      S3Uri errors = job.output().resolve("errors/" + part + ".jsonl");
      s3.putObject(b -> b.bucket(errors.bucket()).key(errors.key()), RequestBody.fromString(errorLines.toString()));
    }
    JobsTable.ChunkCounts counts = new JobsTable.ChunkCounts(succeeded, failed);
    if (assigned != null) {
      expose(job, index, assigned);
    }
    if (counts.succeeded() + counts.failed() != chunk.rows()) {
      throw new IllegalStateException("chunk " + index + " of job " + job.id() + " has " + chunk.rows()
          + " rows but " + counts.succeeded() + " scored + " + counts.failed() + " failed");
    }
    jobs.recordChunk(job.id(), index, counts, (System.nanoTime() - started) / 1_000_000);
    return counts;
  }

  /**
   * A table output's columns ({@link TableSchema}: the input's as Spark reads it, the outputs, the error column), read
   * from the whole input, checked against the catalog's table as the job's mode says, and kept with the job's plan
   * ({@code jobs/<id>/table.json}) for its chunks. A BigQuery table is created or checked as the Spark path does it
   * ({@link TableOutputs#ensure}).
   */
  private void ensureTable(BatchJob job, Signature signature) {
    List<TableColumn> inputs;
    if (job.format() == InputFormat.PARQUET) {
      try (ParquetFileReader reader = openParquet(job.input())) {
        inputs = InputSchemas.parquet(reader.getFooter().getFileMetaData().getSchema());
      } catch (IOException e) {
        throw new BatchError("the input " + job.input() + " is not a readable Parquet file: " + e.getMessage());
      }
    } else {
      try (InputStream in = s3.getObject(b -> b.bucket(job.input().bucket()).key(job.input().key()))) {
        inputs = InputSchemas.of(job.format(), in);
      } catch (NoSuchKeyException e) {
        throw new BatchError("the input " + job.input() + " does not exist");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    TableSchema schema = TableSchema.of(inputs, signature);
    tables().ensure(job, schema);
    s3.putObject(b -> b.bucket(settings.bucket()).key(tableSchemaKey(job.id())).contentType("application/json"),
        RequestBody.fromString(schema.toJson()));
    tableSchemas.put(job.id(), schema);
  }

  /**
   * A chunk of a table output: its rows read with every input column, the readable ones scored as a Spark partition's
   * rows are ({@link ChunkScorer#scoreRows}), and all written to the table ({@link TableOutputs#chunk}: a catalog
   * table's as one Parquet file under the job's partition, {@link PartitionFiles}; a BigQuery table's through one
   * committed stream) — a retried or resumed chunk replaces its own rows, so each row is in the table once.
   */
  private JobsTable.ChunkCounts scoreTableChunk(BatchJob job, JsonNode item, ChunkPlanner.Chunk chunk,
      long started) {
    TableSchema schema = tableSchema(job);
    ModelVersion version = version(job);
    TableRows rows;
    if (job.format() == InputFormat.PARQUET) {
      try (ParquetFileReader reader = openParquet(job.input())) {
        rows = TableRows.parquet(reader, chunk, schema.inputs());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    } else {
      byte[] data = s3.getObjectAsBytes(b -> b.bucket(job.input().bucket()).key(job.input().key())
          .range("bytes=" + chunk.start() + "-" + (chunk.end() - 1))).asByteArray();
      rows = job.format() == InputFormat.JSONL ? TableRows.jsonl(data, chunk.firstLine(), schema.inputs())
          : TableRows.csv(data, chunk.firstLine(), item.path("header").asText(""), schema.inputs());
    }
    int[] readable = java.util.stream.IntStream.range(0, rows.size()).filter(r -> rows.error(r) == null).toArray();
    ChunkScorer.ScoredRows scored = scorer(job, version).scoreRows(new Readable(rows, readable));
    StringBuilder errors = new StringBuilder();
    long succeeded = 0;
    long failed = 0;
    try (TableOutputs.Chunk out = tables().chunk(job, schema, chunk.index())) {
      for (int r = 0, k = 0; r < rows.size(); r++) {
        String error = rows.error(r);
        List<dev.pier.runtime.Tensor> outputs = null;
        int offset = 0;
        if (error == null) {
          int s = k++;
          outputs = scored.outputs(s);
          offset = outputs == null ? 0 : scored.offset(s);
          error = outputs == null ? scored.error(s) : null;
        }
        out.write(rows.values(r), outputs, offset, error);
        if (error == null) {
          succeeded++;
        } else {
          failed++;
          errors.append("{\"id\":").append(rows.id(r)).append(",\"error\":");
          RowIds.quote(errors, error);
          errors.append("}\n");
        }
      }
      out.commit();
    }
    return recordTableChunk(job, chunk, succeeded, failed, errors, started);
  }

  /**
   * A table chunk's end, once its rows are in the table: its error rows (if any) under the job's output, its counts
   * checked against the chunk's rows and recorded.
   */
  private JobsTable.ChunkCounts recordTableChunk(BatchJob job, ChunkPlanner.Chunk chunk, long succeeded, long failed,
      StringBuilder errors, long started) {
    if (failed > 0) {
      S3Uri errorsFile = job.output().resolve("errors/" + "part-%05d".formatted(chunk.index()) + ".jsonl");
      s3.putObject(b -> b.bucket(errorsFile.bucket()).key(errorsFile.key()),
          RequestBody.fromString(errors.toString()));
    }
    if (succeeded + failed != chunk.rows()) {
      throw new IllegalStateException("chunk " + chunk.index() + " of job " + job.id() + " has " + chunk.rows()
          + " rows but " + succeeded + " scored + " + failed + " failed");
    }
    JobsTable.ChunkCounts counts = new JobsTable.ChunkCounts(succeeded, failed);
    jobs.recordChunk(job.id(), chunk.index(), counts, (System.nanoTime() - started) / 1_000_000);
    return counts;
  }

  /** The readable rows of a chunk ({@code index}: their places among all its rows), as the scorer reads them. */
  private record Readable(TableRows rows, int[] index) implements RowSource {
    @Override
    public int size() {
      return index.length;
    }

    @Override
    public List<String> columns() {
      return rows.columns();
    }

    @Override
    public Object value(int row, String column) {
      return rows.value(index[row], column);
    }
  }

  /** A table output's columns, as {@link #ensureTable} kept them. */
  private TableSchema tableSchema(BatchJob job) {
    return tableSchemas.computeIfAbsent(job.id(), id -> {
      try {
        return TableSchema.fromJson(s3.getObjectAsBytes(b -> b.bucket(settings.bucket())
            .key(tableSchemaKey(id))).asUtf8String());
      } catch (NoSuchKeyException e) {
        throw new BatchError("batch job " + id + " has no table columns: it was not validated");
      }
    });
  }

  private static String tableSchemaKey(String id) {
    return "jobs/" + id + "/table.json";
  }

  private TableOutputs tables() {
    TableOutputs t = tables;
    if (t == null) {
      throw new BatchError("this batch worker cannot write table outputs (glue://, bigquery://): it was built without"
          + " pier-batch-tables (the batch worker's zip and the plain server carry it; the API Lambda's zip does not)");
    }
    return t;
  }

  /** The scorer of a chunk's rows for {@code version}: its signature and feature pipeline read the rows. */
  private ChunkScorer scorer(BatchJob job, ModelVersion version) {
    String versionRef = Integer.toString(version.version());
    FeaturePipeline features = pipeline(version);
    return features != null && version.metadata().properties().containsKey(ServingProperties.FEATURE_SERVICE)
        // rows carry entity keys: the prediction pipeline looks their features up (online, or as of each row's
        // timestamp for a point-in-time job), then runs the pipeline
        ? ChunkScorer.ofInstances(predictions.signature(version), features, settings.batchRows(),
            instances -> pipeline.answer(PredictionCall.of(WayIn.BATCH, job.model(),
                versionRef, null).instances(instances).featuresAsOf(job.featuresAsOf())).outputs())
        : new ChunkScorer(predictions.signature(version), features, settings.batchRows(),
            inputs -> pipeline.answer(PredictionCall.of(WayIn.BATCH, job.model(), versionRef,
                new InferenceRequest(job.id(), inputs, List.of()))).outputs());
  }

  /** Each unit's arm, asked once per chunk ({@code assigned}); the job's own version scores a unit in no arm. */
  private java.util.function.Function<String, ChunkScorer.RowArm> armOf(BatchJob job, ModelVersion version,
      Map<String, ExperimentArms.Arm> assigned, Map<String, Map<String, Object>> unitAttributes) {
    return unit -> {
      ExperimentArms.Arm arm = assigned.computeIfAbsent(unit, u -> unitAttributes == null
          ? arms.arm(job.model(), job.reference(), u)
          : arms.arm(job.model(), job.reference(), u, unitAttributes.getOrDefault(u, Map.of())));
      // no experiment any more (stopped meanwhile): the job's own version; held out: the alias's (the job's) version
      return arm == null ? new ChunkScorer.RowArm(null, version.version())
          : new ChunkScorer.RowArm(arm.name(), arm.version() == ExperimentArms.BASELINE ? version.version()
              : arm.version());
    };
  }

  /**
   * One way of reading a chunk's rows: {@code version}'s inputs (signature, feature pipeline), for the units whose
   * arms' versions read rows that way ({@code owns}).
   */
  private record Layout(ModelVersion version, java.util.function.Predicate<String> owns) {}

  /**
   * The input layouts of the versions a job under an experiment scores with, the job's own version's first. Arms whose
   * versions take the same inputs and give the same outputs share one read of the chunk (one model call per version
   * per batch); a version that reads rows differently (another signature or feature pipeline) gets its own read of
   * the chunk, keeping only its units' rows, and its own result file. A version that was in no arm when the chunk
   * started (an experiment started meanwhile) is read the job's version's way.
   */
  private List<Layout> layouts(BatchJob job, ModelVersion version,
      java.util.function.Function<String, ChunkScorer.RowArm> armOf) {
    Map<String, ModelVersion> byKey = new java.util.LinkedHashMap<>();
    Map<Integer, String> keyOf = new HashMap<>();
    String jobKey = layoutKey(version);
    byKey.put(jobKey, version);
    keyOf.put(version.version(), jobKey);
    for (int v : arms.versions(job.model(), job.reference())) {
      if (!keyOf.containsKey(v)) {
        ModelVersion mv = predictions.resolve(job.model(), Integer.toString(v));
        String key = layoutKey(mv);
        byKey.putIfAbsent(key, mv);
        keyOf.put(v, key);
      }
    }
    List<Layout> out = new ArrayList<>();
    byKey.forEach((key, mv) -> out.add(new Layout(mv,
        unit -> key.equals(keyOf.getOrDefault(armOf.apply(unit).version(), jobKey)))));
    return out;
  }

  /** What decides how a version reads rows and what its results hold: inputs, outputs, pipeline, feature service. */
  private String layoutKey(ModelVersion version) {
    Signature signature = predictions.signature(version);
    StringBuilder key = new StringBuilder();
    for (var list : List.of(signature.inputs(), signature.outputs())) {
      for (var spec : list) {
        key.append(spec.name()).append(':').append(spec.datatype()).append(java.util.Arrays.toString(spec.shape()))
            .append(';');
      }
      key.append('|');
    }
    key.append(version.serving().pipeline()).append('|')
        .append(version.metadata().properties().get(ServingProperties.FEATURE_SERVICE));
    return key.toString();
  }

  /**
   * Stores the chunk's exposures, per experiment in batches of {@value #EXPOSURES_PER_BATCH} units (sorted, so a
   * unit is always in the same batch), under the batch ids {@code batch-job:<job>:<chunk>:<n>}: a chunk scored again
   * (a crash before it was recorded, a retry) stores none twice. A unit's exposure time is this scoring's.
   */
  private void expose(BatchJob job, int chunk, Map<String, ExperimentArms.Arm> assigned) {
    long now = System.currentTimeMillis();
    Map<String, List<Object[]>> byExperiment = new java.util.TreeMap<>();
    new java.util.TreeMap<>(assigned).forEach((unit, arm) -> {
      if (arm != null) {
        byExperiment.computeIfAbsent(arm.experiment(), e -> new ArrayList<>()).add(new Object[] {unit, arm.name(), now});
      }
    });
    byExperiment.forEach((experiment, rows) -> {
      for (int from = 0, part = 0; from < rows.size(); from += EXPOSURES_PER_BATCH, part++) {
        arms.expose(experiment, "batch-job:" + job.id() + ":" + chunk + ":" + part,
            rows.subList(from, Math.min(rows.size(), from + EXPOSURES_PER_BATCH)));
      }
    });
  }

  /** Exposures per stored batch: one DynamoDB item each, as the server's exposure writer cuts them. */
  static final int EXPOSURES_PER_BATCH = 1000;

  private JsonNode writeResults(String id) {
    BatchJob job = jobs.require(id);
    if (job.total() == null || job.done() != job.total()) {
      throw new IncompleteJobError("batch job " + id + " has " + job.done() + " of " + job.total()
          + " rows finished");
    }
    List<String> resultFiles = new ArrayList<>();
    for (S3Object o : list(job.output().resolve("results/"))) {
      resultFiles.add("s3://" + job.output().bucket() + "/" + o.key());
    }
    if (job.table() != null) { // every chunk's rows are written: they become the table's
      resultFiles.addAll(tables().register(job, tableSchema(job)));
    }
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    for (S3Object o : list(job.output().resolve("errors/"))) {
      errors.writeBytes(s3.getObjectAsBytes(b -> b.bucket(job.output().bucket()).key(o.key())).asByteArray());
    }
    s3.putObject(b -> b.bucket(job.errorsFile().bucket()).key(job.errorsFile().key()),
        RequestBody.fromBytes(errors.toByteArray()));
    ObjectNode manifest = NODES.objectNode();
    manifest.put("job_id", id).put("model", job.model()).put("version", job.version())
        .put("input", job.input().toString()).put("format", job.format().id());
    manifest.putObject("records").put("total", job.total()).put("succeeded", job.succeeded())
        .put("failed", job.failed());
    ArrayNode files = manifest.putArray("results");
    resultFiles.forEach(files::add);
    if (job.table() != null) {
      manifest.put("engine", job.engine().id()).put("table", job.tableUri())
          .put("results_format", job.bigQuery() ? "bigquery" : job.iceberg() ? "iceberg" : InputFormat.PARQUET.id());
    }
    manifest.put("errors", job.errorsFile().toString());
    manifest.put("created_at", job.createdAt().toString());
    s3.putObject(b -> b.bucket(job.manifest().bucket()).key(job.manifest().key()).contentType("application/json"),
        RequestBody.fromString(manifest.toPrettyString()));
    return NODES.objectNode().put("manifest", job.manifest().toString());
  }

  private JsonNode finalizeJob(String id) {
    jobs.finish(id, JobState.SUCCEEDED, null);
    BatchJob job = jobs.require(id);
    ObjectNode out = NODES.objectNode().put("state", job.state().name());
    out.putObject("records").put("total", job.total()).put("succeeded", job.succeeded()).put("failed", job.failed());
    return out;
  }

  /** An object created under {@code incoming/} (from the batch-upload rule): its job, created and started once. */
  private JsonNode uploadRun(String bucket, String key, String etag) {
    if (triggers == null) {
      throw new InvalidJobError("this batch worker cannot start jobs (no launcher configured)");
    }
    if (bucket.isEmpty() || key.isEmpty() || etag.isEmpty()) {
      throw new InvalidJobError("an upload event needs bucket, key and etag");
    }
    BatchJob job = triggers.jobs().submitUpload(bucket, key, etag);
    return NODES.objectNode().put("job_id", BatchJobs.uploadId(bucket, key, etag)).put("started", job != null);
  }

  /** A schedule's fire time (from EventBridge Scheduler): its run's job, created and started once. */
  private JsonNode scheduledRun(String scheduleId, String scheduledTime) {
    if (triggers == null) {
      throw new InvalidJobError("this batch worker cannot start jobs (no launcher configured)");
    }
    java.time.Instant fireTime;
    try {
      fireTime = java.time.Instant.parse(scheduledTime);
    } catch (java.time.format.DateTimeParseException e) {
      throw new InvalidJobError("scheduled_time must be an ISO-8601 instant, not '" + scheduledTime
          + "'");
    }
    var started = triggers.schedules().fire(scheduleId, fireTime);
    return NODES.objectNode().put("job_id", BatchSchedules.runId(scheduleId, fireTime))
        .put("started", started.isPresent());
  }

  private JsonNode fail(String id, JsonNode error) {
    String message = error.path("Cause").asText(error.path("Error").asText("failed"));
    try {
      JsonNode cause = JSON.readTree(message); // Lambda errors arrive as {"errorMessage": …} in the cause
      if (cause.has("errorMessage")) {
        message = cause.get("errorMessage").asText();
      }
    } catch (IOException notJson) {
      // a plain message
    }
    jobs.finish(id, JobState.FAILED, message);
    return NODES.objectNode().put("state", "FAILED");
  }

  /** Line-aligned byte ranges of a JSONL or CSV input, by one streaming pass. */
  private ChunkPlanner.Plan planText(BatchJob job, int chunkRows) {
    try (InputStream in = s3.getObject(b -> b.bucket(job.input().bucket()).key(job.input().key()))) {
      return ChunkPlanner.plan(in, job.format(), chunkRows);
    } catch (NoSuchKeyException e) {
      throw new BatchError("the input " + job.input() + " does not exist");
    } catch (software.amazon.awssdk.services.s3.model.NoSuchBucketException e) {
      throw new BatchError("the input bucket of " + job.input() + " does not exist");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Row groups as chunks; the file's columns are checked against the model's inputs before any chunk runs. */
  private ChunkPlanner.Plan planParquet(BatchJob job, ModelVersion version, int chunkRows) {
    try (ParquetFileReader reader = openParquet(job.input())) {
      var inputs = predictions.signature(version).inputs();
      if (pipeline(version) == null) { // named features need no column per input
        int[] widths = inputs.stream().mapToInt(ChunkScorer::rowWidth).toArray();
        new ParquetColumns(reader.getFooter().getFileMetaData().getSchema(), inputs, widths, job.unitColumn(),
            job.attributeColumns() == null ? List.of() : job.attributeColumns().values());
      }
      return ChunkPlanner.planParquet(reader.getRowGroups().stream().map(BlockMetaData::getRowCount).toList(),
          chunkRows);
    } catch (IOException e) {
      // not a Parquet file (bad magic, truncated footer) is the input's fault, not a transient one
      throw new BatchError("the input " + job.input() + " is not a readable Parquet file: " + e.getMessage());
    } catch (RuntimeException e) {
      if (e instanceof BatchError || e instanceof SdkClientException || e instanceof PierException) {
        throw e;
      }
      throw new BatchError("the input " + job.input() + " is not a readable Parquet file: " + e.getMessage());
    }
  }

  private ParquetFileReader openParquet(S3Uri input) throws IOException {
    return ParquetFileReader.open(S3InputFile.open(s3, input),
        ParquetReadOptions.builder(new PlainParquetConfiguration()).build());
  }

  /** The version's feature pipeline, parsed once per version (versions are immutable), or null. */
  private FeaturePipeline pipeline(ModelVersion version) {
    if (version.serving().pipeline() == null) {
      return null;
    }
    return pipelines.computeIfAbsent(version.model() + "#" + version.version(), k -> {
      try {
        return FeaturePipeline.parse(JSON.readTree(version.serving().pipeline()), "pipeline");
      } catch (IOException e) {
        throw new BatchError("the feature pipeline of version " + version.version() + " is not JSON");
      }
    });
  }

  private ModelVersion version(BatchJob job) {
    return predictions.resolve(job.model(), Integer.toString(job.version()));
  }

  private List<S3Object> list(S3Uri prefix) {
    List<S3Object> out = new ArrayList<>();
    s3.listObjectsV2Paginator(b -> b.bucket(prefix.bucket()).prefix(prefix.key())).contents().forEach(out::add);
    out.sort(java.util.Comparator.comparing(S3Object::key));
    return out;
  }

  /** The state machine's view of this worker: {@code lambda:invoke} returns {@code {"Payload": …}}. */
  public JsonNode invoke(JsonNode parameters) {
    return NODES.objectNode().put("StatusCode", 200).set("Payload", handle(parameters.path("Payload")));
  }

  /** The placeholders batch-scoring.asl.json needs locally. */
  public static Map<String, String> substitutions(BatchSettings settings) {
    return Map.of("BatchBucket", settings.bucket(), "BatchWorkerFunction", BatchSettings.WORKER_FUNCTION,
        "BatchUploadsQueueUrl", "", "RegistryTable", "");
  }
}
