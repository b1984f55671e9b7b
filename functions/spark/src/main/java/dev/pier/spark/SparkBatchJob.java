package dev.pier.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.batch.BatchJob;
import dev.pier.batch.InputFormat;
import dev.pier.batch.JobState;
import dev.pier.batch.JobsTable;
import dev.pier.batch.S3Uri;
import dev.pier.kernel.aws.AwsClients;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A batch job of engine {@code spark}, run by {@code spark-submit} on EMR Serverless or by local mode's
 * {@code LocalSparkLauncher} in a child JVM: reads the job from the jobs table, scores its input with
 * {@link PierSpark} at the version the job resolved when it was created, records each partition as a finished chunk
 * (rows done, scoring time: the job's progress, rate and cost), and writes the results as Parquet partitioned by
 * {@code job_id} and {@code date} under the job's output ({@code results/}), the error rows as {@code errors.jsonl}
 * and a manifest naming the engine and version. Usage: {@code SparkBatchJob JOB_ID}; the registry and tables from
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
    S3Uri resultsUri = job.output().resolve("results/");
    if (job.table() != null) { // before anything is scored: a table with other columns refuses the job
      String[] parts = job.table().split("\\.", 2);
      resultsUri = new S3Uri(job.output().bucket(), "tables/" + parts[0] + "/" + parts[1] + "/");
      glue = new GlueTables(glue(options));
      glue.ensure(job.table(), plan.schema(), resultsUri.toString());
    }
    long total = df.count();
    int partitions = df.rdd().getNumPartitions();
    jobs.start(job.id(), total, new BatchJob.Plan(partitions, (int) Math.min(Integer.MAX_VALUE,
        (total + partitions - 1) / Math.max(1, partitions)), spark.sparkContext().defaultParallelism(), "spark", 0));

    Dataset<Row> scored = plan.apply(df).persist(StorageLevel.MEMORY_AND_DISK());
    // scores every partition once (cached for the writes below), recording each as a chunk as it finishes
    scored.mapPartitions(new ChunkRecorder(options, table, job.id(), options.errorColumn()), Encoders.LONG())
        .count();

    String date = LocalDate.now(ZoneOffset.UTC).toString();
    Dataset<Row> results = scored.withColumn("job_id", functions.lit(job.id()))
        .withColumn("date", functions.lit(date));
    if (local) {
      Path out = work.resolve("results");
      results.write().partitionBy("job_id", "date").parquet(out.toString());
      upload(s3, out, resultsUri);
    } else {
      results.write().partitionBy("job_id", "date").parquet("s3://" + resultsUri.bucket() + "/" + resultsUri.key());
    }
    String partition = resultsUri + "job_id=" + job.id() + "/date=" + date + "/";
    if (glue != null) {
      glue.addPartition(job.table(), plan.schema(), job.id(), date, partition);
    }
    StringBuilder errors = new StringBuilder();
    boolean hasId = List.of(df.columns()).contains("id");
    Iterator<Row> bad = scored.filter(functions.col(options.errorColumn()).isNotNull())
        .select(hasId ? functions.col("id").cast("string") : functions.lit(null).cast("string"),
            functions.col(options.errorColumn())).toLocalIterator();
    while (bad.hasNext()) {
      Row r = bad.next();
      ObjectNode line = JSON.createObjectNode();
      line.put("id", r.getString(0));
      line.put("error", r.getString(1));
      errors.append(line).append('\n');
    }
    s3.putObject(b -> b.bucket(job.errorsFile().bucket()).key(job.errorsFile().key()),
        RequestBody.fromString(errors.toString()));
    BatchJob now = jobs.require(job.id());
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("job_id", job.id()).put("model", job.model()).put("version", job.version())
        .put("engine", "spark").put("input", job.input().toString()).put("format", job.format().id());
    manifest.putObject("records").put("total", total).put("succeeded", now.succeeded()).put("failed", now.failed());
    ArrayNode files = manifest.putArray("results");
    files.add(partition);
    if (job.table() != null) {
      manifest.put("table", "glue://" + job.table());
    }
    manifest.put("results_format", InputFormat.PARQUET.id());
    manifest.put("errors", job.errorsFile().toString());
    manifest.put("created_at", job.createdAt().toString());
    s3.putObject(b -> b.bucket(job.manifest().bucket()).key(job.manifest().key()).contentType("application/json"),
        RequestBody.fromString(manifest.toPrettyString()));
    scored.unpersist();
    jobs.finish(job.id(), JobState.SUCCEEDED, null);
    System.out.println("pier-spark: batch job " + job.id() + " SUCCEEDED: " + now.succeeded() + " scored, "
        + now.failed() + " failed");
  }

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

  /** Counts a scored partition's rows and records it as the job's chunk {@code partition id} (idempotent). */
  private record ChunkRecorder(ScoringOptions options, String table, String jobId, String errorColumn)
      implements MapPartitionsFunction<Row, Long>, Serializable {
    @Override
    public Iterator<Long> call(Iterator<Row> rows) {
      long started = System.nanoTime();
      long ok = 0;
      long bad = 0;
      while (rows.hasNext()) {
        if (rows.next().getAs(errorColumn) == null) {
          ok++;
        } else {
          bad++;
        }
      }
      if (ok + bad > 0) {
        JobsTable jobs = new JobsTable(ScoringRuntime.of(options).dynamoDb(), table);
        jobs.recordChunk(jobId, TaskContext.getPartitionId(), new JobsTable.ChunkCounts(ok, bad),
            (System.nanoTime() - started) / 1_000_000);
      }
      return List.of(ok + bad).iterator();
    }
  }
}
