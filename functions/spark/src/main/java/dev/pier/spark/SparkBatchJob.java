package dev.pier.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.batch.BatchJob;
import dev.pier.batch.InputFormat;
import dev.pier.batch.JobState;
import dev.pier.batch.JobsTable;
import dev.pier.batch.S3Uri;
import dev.pier.batch.bigquery.BigQueryChunks;
import dev.pier.batch.bigquery.BigQueryConnection;
import dev.pier.batch.bigquery.BigQuerySchema;
import dev.pier.batch.bigquery.BigQueryTables;
import dev.pier.batch.bigquery.BigQueryTarget;
import dev.pier.kernel.aws.AwsClients;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A batch job of engine {@code spark}, run by {@code spark-submit} on EMR Serverless or by local mode's
 * {@code LocalSparkLauncher} in a child JVM: reads the job from the jobs table, scores its input with
 * {@link PierSpark} at the version the job resolved when it was created, records each partition as a finished chunk
 * (rows done, scoring time: the job's progress, rate and cost), and writes the results as Parquet partitioned by
 * {@code job_id} and {@code date} under the job's output ({@code results/}), the error rows as {@code errors.jsonl}
 * and a manifest naming the engine and version. Resumable: partitions whose chunk is recorded are skipped when the
 * job runs again (after {@code kill -9} of the server or of this JVM), and every file is named by its partition alone,
 * so a resumed job's output is the same as an uninterrupted one's. With {@code "table_format": "iceberg"} the rows go
 * to an Iceberg table instead ({@link IcebergTables}), each wave of partitions one commit. Usage: {@code SparkBatchJob JOB_ID}; the registry and tables from
 * the environment ({@link ScoringOptions#fromEnvironment()}, {@code PIER_BATCH_JOBS_TABLE}).
 */
public final class SparkBatchJob {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SparkBatchJob() {}

  public static void main(String[] args) throws Exception {
    String id = args[0];
    ScoringOptions options = ScoringOptions.fromEnvironment();
    String table = System.getenv().getOrDefault("PIER_BATCH_JOBS_TABLE", "pier-batch-jobs");
    try (AwsClients aws = new AwsClients(options.aws())) {
      JobsTable jobs = new JobsTable(aws.dynamoDb(), table);
      BatchJob job = jobs.require(id);
      if (job.state().isFinal()) {
        System.out.println("pier-spark: batch job " + id + " is " + job.state());
        return;
      }
      SparkSession.Builder builder = SparkSession.builder().appName("pier-batch-" + id)
          .config("spark.ui.enabled", "false");
      if (job.plan() != null) { // a resumed job: its input must split into the partitions it recorded
        builder.config("spark.sql.files.minPartitionNum", Integer.toString(job.plan().concurrency()));
      }
      String maxPartitionBytes = System.getenv("PIER_SPARK_MAX_PARTITION_BYTES");
      if (maxPartitionBytes != null && !maxPartitionBytes.isBlank()) {
        builder.config("spark.sql.files.maxPartitionBytes", maxPartitionBytes.strip());
      }
      String master = System.getenv("PIER_SPARK_MASTER");
      if (master != null && !master.isBlank()) {
        builder.master(master); // local mode; spark-submit sets the master on EMR
      }
      SparkSession spark = builder.getOrCreate();
      try {
        run(spark, aws.s3(), jobs, job, options, table, options.s3Endpoint() != null);
      } catch (RuntimeException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        jobs.finish(id, JobState.FAILED, message);
        System.out.println("pier-spark: " + message);
        throw e;
      } finally {
        spark.stop();
      }
    }
  }

  static void run(SparkSession spark, S3Client s3, JobsTable jobs, BatchJob job, ScoringOptions options,
      String table, boolean local) throws IOException {
    Path work = Files.createTempDirectory("pier-spark-" + job.id());
    String input;
    if (local) { // the S3 stand-in is not a Hadoop file system here: read a local copy
      Path copy = work.resolve("input" + job.format().extension());
      s3.getObject(b -> b.bucket(job.input().bucket()).key(job.input().key()), copy);
      input = copy.toString();
    } else {
      input = job.input().toString(); // EMR reads s3:// through EMRFS
    }
    Dataset<Row> df = switch (job.format()) {
      case JSONL -> spark.read().json(input);
      case CSV -> spark.read().option("header", "true").option("inferSchema", "true").csv(input);
      case PARQUET -> spark.read().parquet(input);
    };
    PierSpark.Job plan = PierSpark.plan(df.schema(), job.model() + "/" + job.version(), options);
    GlueTables glue = null;
    IcebergTables iceberg = null;
    BigQueryOutput bigQuery = null;
    S3Uri resultsUri = job.output().resolve("results/");
    String date = LocalDate.ofInstant(job.createdAt(), ZoneOffset.UTC).toString();
    if (job.bigQuery()) { // before anything is scored: columns BigQuery cannot hold, or a table that refuses them
      BigQueryTarget target = BigQueryTarget.parse(job.table());
      BigQuerySchema schema = SparkBigQuery.schema(plan.schema());
      BigQueryConnection connection = BigQueryConnection.fromEnvironment(System.getenv());
      new BigQueryTables(connection.tables(target.project(), bytes(s3))).ensure(target, schema, job.tableMode(),
          job.id());
      S3Uri markers = job.output().resolve("bigquery/");
      bigQuery = new BigQueryOutput(connection, target, schema, markers.bucket(), markers.key(), job.id(), date);
    } else if (job.iceberg()) { // before anything is scored: a table with other columns refuses the job
      String[] parts = job.table().split("\\.", 2);
      resultsUri = new S3Uri(job.output().bucket(), "tables/" + parts[0] + "/" + parts[1] + "/");
      IcebergTables.configure(spark, new S3Uri(job.output().bucket(), "tables/").toString(), System.getenv());
      iceberg = new IcebergTables(spark, job.table());
      iceberg.ensure(plan.schema(), resultsUri.toString().replaceAll("/$", ""), job.tableMode(), job.id());
    } else if (job.table() != null) { // before anything is scored: a table with other columns refuses the job
      String[] parts = job.table().split("\\.", 2);
      resultsUri = new S3Uri(job.output().bucket(), "tables/" + parts[0] + "/" + parts[1] + "/");
      glue = new GlueTables(glue(options));
      glue.ensure(job.table(), plan.schema(), resultsUri.toString(), job.tableMode(), job.id());
    }
    int partitions = df.rdd().getNumPartitions();
    if (job.plan() != null && job.plan().chunks() != partitions) {
      throw new IllegalStateException("the input now reads as " + partitions + " partitions, but the job recorded "
          + job.plan().chunks() + ": it cannot be resumed");
    }
    long total = job.total() != null && job.plan() != null ? job.total() : df.count();
    int parallelism = job.plan() != null ? job.plan().concurrency() : spark.sparkContext().defaultParallelism();
    jobs.start(job.id(), total, new BatchJob.Plan(partitions, (int) Math.min(Integer.MAX_VALUE,
        (total + partitions - 1) / Math.max(1, partitions)), parallelism, "spark", 0));

    // A partition is done once its chunk is recorded: its results file and error lines are in S3 by then, under
    // names that depend only on the partition, so a resumed run (after kill -9) writes the same files as one run.
    List<Integer> pending = new java.util.ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      if (jobs.chunk(job.id(), p).isEmpty()) {
        pending.add(p);
      }
    }
    if (iceberg != null) { // chunks the table holds but the jobs table does not (stopped between the two): record them
      Map<Integer, String> committed = iceberg.committed(job.id());
      List<String> counts = pending.stream().filter(committed::containsKey).map(committed::get).toList();
      record(jobs, job, counts);
      pending.removeIf(committed::containsKey);
      System.out.println("pier-spark: " + counts.size() + " partitions found committed to Iceberg table "
          + job.table() + " and recorded without scoring them again");
    }
    System.out.println("pier-spark: " + (partitions - pending.size()) + " of " + partitions
        + " partitions recorded before this run; scoring " + pending.size());
    S3Uri partition = resultsUri.resolve("job_id=" + job.id() + "/date=" + date + "/");
    boolean hasId = List.of(df.columns()).contains("id");
    int wave = Math.max(1, spark.sparkContext().defaultParallelism());
    for (int from = 0; from < pending.size(); from += wave) {
      List<Integer> these = pending.subList(from, Math.min(pending.size(), from + wave));
      scoreWave(spark, s3, jobs, job, options, table, plan, df, these, hasId, partition,
          local ? work.resolve("staging-" + from) : null, bigQuery, iceberg);
    }

    if (glue != null) {
      if (job.tableMode() == dev.pier.batch.TableMode.OVERWRITE) {
        glue.replace(job.table(), plan.schema(), resultsUri.toString(), job.id(), s3);
      }
      glue.addPartition(job.table(), plan.schema(), job.id(), date, partition.toString(), job.version());
    }
    StringBuilder errors = new StringBuilder(); // the partitions' error lines, in partition order
    S3Uri errorParts = job.output().resolve("errors/");
    for (var o : s3.listObjectsV2Paginator(b -> b.bucket(errorParts.bucket()).prefix(errorParts.key())).contents()
        .stream().sorted(java.util.Comparator.comparing(o -> o.key())).toList()) {
      errors.append(s3.getObjectAsBytes(b -> b.bucket(errorParts.bucket()).key(o.key())).asUtf8String());
    }
    s3.putObject(b -> b.bucket(job.errorsFile().bucket()).key(job.errorsFile().key()),
        RequestBody.fromString(errors.toString()));
    BatchJob now = jobs.require(job.id());
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("job_id", job.id()).put("model", job.model()).put("version", job.version())
        .put("engine", "spark").put("input", job.input().toString()).put("format", job.format().id());
    manifest.putObject("records").put("total", total).put("succeeded", now.succeeded()).put("failed", now.failed());
    ArrayNode files = manifest.putArray("results");
    if (bigQuery == null && iceberg == null) {
      files.add(partition.toString());
    }
    if (job.table() != null) {
      manifest.put("table", job.tableUri());
    }
    manifest.put("results_format", bigQuery != null ? "bigquery" : iceberg != null ? "iceberg"
        : InputFormat.PARQUET.id());
    manifest.put("errors", job.errorsFile().toString());
    manifest.put("created_at", job.createdAt().toString());
    s3.putObject(b -> b.bucket(job.manifest().bucket()).key(job.manifest().key()).contentType("application/json"),
        RequestBody.fromString(manifest.toPrettyString()));
    jobs.finish(job.id(), JobState.SUCCEEDED, null);
    System.out.println("pier-spark: batch job " + job.id() + " SUCCEEDED: " + now.succeeded() + " scored, "
        + now.failed() + " failed");
  }

  /**
   * Scores the input's partitions {@code these} in one Spark job: each task scores its partition and puts its error
   * lines under {@code errors/part-NNNNN.jsonl}; Spark writes the results to a staging folder ({@code localStaging},
   * or under the job's output in S3); each partition's file then goes to {@code partition} as
   * {@code part-NNNNN-c000.snappy.parquet} (Spark's name without its write's UUID), and last its chunk is recorded.
   * With a BigQuery output each task writes its partition's rows to the table instead ({@link BigQueryChunks}: once,
   * however often the partition is tried), and nothing is staged.
   */
  private static void scoreWave(SparkSession spark, S3Client s3, JobsTable jobs, BatchJob job, ScoringOptions options,
      String table, PierSpark.Job plan, Dataset<Row> df, List<Integer> these, boolean hasId, S3Uri partition,
      Path localStaging, BigQueryOutput bigQuery, IcebergTables iceberg) throws IOException {
    Dataset<Row> only = spark.createDataFrame(df.javaRDD().mapPartitionsWithIndex(
        new OnlyPartitions(java.util.Set.copyOf(these)), true), df.schema());
    S3Uri errorParts = job.output().resolve("errors/");
    if (bigQuery != null) {
      record(jobs, job, plan.apply(only).mapPartitions(new PartitionCounts(options, options.errorColumn(), hasId,
          errorParts.bucket(), errorParts.key(), bigQuery), Encoders.STRING()).collectAsList());
      return;
    }
    Dataset<Row> scored = plan.apply(only).persist(StorageLevel.MEMORY_AND_DISK());
    // the first action scores (and caches) every partition of the wave; the write below reads the cache
    List<String> counts = scored.mapPartitions(new PartitionCounts(options, options.errorColumn(), hasId,
        errorParts.bucket(), errorParts.key(), null), Encoders.STRING()).collectAsList();
    if (iceberg != null) { // one commit for the wave, its snapshot naming the chunks; then they are recorded
      if (!counts.isEmpty()) {
        iceberg.append(scored, job.id(), LocalDate.ofInstant(job.createdAt(), ZoneOffset.UTC), counts);
      }
      record(jobs, job, counts);
      scored.unpersist();
      return;
    }
    S3Uri staging = job.output().resolve("staging/" + java.util.UUID.randomUUID() + "/");
    String target = localStaging != null ? localStaging.toString()
        : "s3://" + staging.bucket() + "/" + staging.key();
    scored.write().mode(org.apache.spark.sql.SaveMode.Overwrite).parquet(target);
    java.util.regex.Pattern name = java.util.regex.Pattern.compile("part-(\\d{5})-[0-9a-f-]{36}(.*\\.parquet)");
    if (localStaging != null) {
      try (Stream<Path> files = Files.list(localStaging)) {
        for (Path f : files.toList()) {
          var m = name.matcher(f.getFileName().toString());
          if (m.matches() && these.contains(Integer.parseInt(m.group(1)))) {
            s3.putObject(b -> b.bucket(partition.bucket()).key(partition.key() + "part-" + m.group(1) + m.group(2)), f);
          }
        }
      }
    } else {
      for (var o : s3.listObjectsV2Paginator(b -> b.bucket(staging.bucket()).prefix(staging.key())).contents()) {
        String file = o.key().substring(o.key().lastIndexOf('/') + 1);
        var m = name.matcher(file);
        if (m.matches() && these.contains(Integer.parseInt(m.group(1)))) {
          s3.copyObject(b -> b.sourceBucket(staging.bucket()).sourceKey(o.key()).destinationBucket(partition.bucket())
              .destinationKey(partition.key() + "part-" + m.group(1) + m.group(2)));
        }
        s3.deleteObject(b -> b.bucket(staging.bucket()).key(o.key()));
      }
    }
    record(jobs, job, counts);
    scored.unpersist();
  }

  /** Records each partition's chunk: its counts and scoring time (the job's progress). */
  private static void record(JobsTable jobs, BatchJob job, List<String> counts) throws IOException {
    for (String c : counts) {
      var n = JSON.readTree(c);
      jobs.recordChunk(job.id(), n.get("partition").asInt(), new JobsTable.ChunkCounts(n.get("ok").asLong(),
          n.get("bad").asLong()), n.get("ms").asLong());
    }
  }

  /** Reads an S3 object (a BigQuery key named by an {@code s3://} URI). */
  private static java.util.function.Function<S3Uri, byte[]> bytes(S3Client s3) {
    return u -> s3.getObjectAsBytes(b -> b.bucket(u.bucket()).key(u.key())).asByteArray();
  }

  /** Where a job's rows go in BigQuery, and how its chunks are recorded ({@code markers}); shipped to executors. */
  record BigQueryOutput(BigQueryConnection connection, BigQueryTarget target, BigQuerySchema schema,
      String markersBucket, String markersPrefix, String jobId, String date) implements Serializable {}

  /** The Glue client: AWS's, or {@code AWS_ENDPOINT_URL_GLUE}'s where set (a stand-in). */
  private static software.amazon.awssdk.services.glue.GlueClient glue(ScoringOptions options) {
    String endpoint = System.getenv("AWS_ENDPOINT_URL_GLUE");
    return new AwsClients(options.aws()).client(software.amazon.awssdk.services.glue.GlueClient.builder(),
        endpoint == null || endpoint.isBlank() ? null : java.net.URI.create(endpoint));
  }

  /** Uploads a local Parquet tree's data files under {@code to}, keeping their relative paths. */
  private static void upload(S3Client s3, Path dir, S3Uri to) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList()) {
        String key = to.key() + dir.relativize(f).toString().replace('\\', '/');
        s3.putObject(b -> b.bucket(to.bucket()).key(key), f);
      }
    }
  }

  /** The rows of the partitions {@code wanted}; the other partitions are empty (their input is not read). */
  private record OnlyPartitions(java.util.Set<Integer> wanted)
      implements org.apache.spark.api.java.function.Function2<Integer, Iterator<Row>, Iterator<Row>> {
    @Override
    public Iterator<Row> call(Integer partition, Iterator<Row> rows) {
      return wanted.contains(partition) ? rows : java.util.Collections.emptyIterator();
    }
  }

  /**
   * Counts a scored partition's rows and puts its error lines ({@code {"id":…,"error":…}}) under
   * {@code errors/part-NNNNN.jsonl}; one JSON line per non-empty partition: {@code partition}, {@code ok}, {@code bad},
   * {@code ms} (the time to score it). With {@code bigQuery}, also writes the partition's rows to its table, unless
   * they are there already (a retried task, a resumed job).
   */
  private record PartitionCounts(ScoringOptions options, String errorColumn, boolean hasId, String bucket,
      String prefix, BigQueryOutput bigQuery) implements MapPartitionsFunction<Row, String>, Serializable {
    @Override
    public Iterator<String> call(Iterator<Row> rows) {
      if (bigQuery == null) {
        return count(rows, null);
      }
      var s3 = ScoringRuntime.of(options).s3();
      try (var client = bigQuery.connection().writer(bytes(s3))) {
        BigQueryChunks chunks = new BigQueryChunks(client, bigQuery.target(), bigQuery.schema(), s3,
            new S3Uri(bigQuery.markersBucket(), bigQuery.markersPrefix()));
        int partition = TaskContext.getPartitionId();
        BigQueryChunks.Chunk chunk = chunks.committed(partition) ? null : chunks.open(partition);
        Iterator<String> counts = count(rows, chunk == null ? null : new java.util.function.Consumer<Row>() {
          private final LocalDate date = LocalDate.parse(bigQuery.date());

          @Override
          public void accept(Row row) {
            chunk.add(bigQuery.schema().encode(SparkBigQuery.values(row), bigQuery.jobId(), date));
          }
        });
        if (chunk != null && counts.hasNext()) {
          chunk.commit();
        }
        return counts; // a failure fails the task: Spark tries it again (a new stream), or the job is resumed
      }
    }

    private Iterator<String> count(Iterator<Row> rows, java.util.function.Consumer<Row> sink) {
      long started = System.nanoTime();
      long ok = 0;
      long bad = 0;
      StringBuilder errors = new StringBuilder();
      while (rows.hasNext()) {
        Row row = rows.next();
        if (sink != null) {
          sink.accept(row);
        }
        String error = row.getAs(errorColumn);
        if (error == null) {
          ok++;
        } else {
          bad++;
          ObjectNode line = JSON.createObjectNode();
          Object id = hasId ? row.getAs("id") : null;
          line.put("id", id == null ? null : id.toString());
          line.put("error", error);
          errors.append(line).append('\n');
        }
      }
      if (ok + bad == 0) {
        return java.util.Collections.emptyIterator();
      }
      int partition = TaskContext.getPartitionId();
      long millis = (System.nanoTime() - started) / 1_000_000;
      if (bad > 0) {
        ScoringRuntime.of(options).s3().putObject(b -> b.bucket(bucket)
            .key(prefix + String.format("part-%05d.jsonl", partition)), RequestBody.fromString(errors.toString()));
      }
      ObjectNode counts = JSON.createObjectNode().put("partition", partition).put("ok", ok).put("bad", bad)
          .put("ms", millis);
      return List.of(counts.toString()).iterator();
    }
  }
}
