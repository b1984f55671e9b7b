package dev.pier.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.batch.BatchJob;
import dev.pier.batch.BatchJobs;
import dev.pier.batch.BatchSettings;
import dev.pier.batch.Engine;
import dev.pier.batch.JobCost;
import dev.pier.batch.JobLauncher;
import dev.pier.batch.JobState;
import dev.pier.batch.JobsTable;
import dev.pier.batch.LocalSparkLauncher;
import dev.pier.batch.Priority;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.kernel.aws.S3SourcePolicy;
import dev.pier.kernel.engine.Framework;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelResolver;
import dev.pier.registry.NewVersion;
import dev.pier.registry.RegistryTable;
import dev.pier.runtime.ModelCache;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.onnx.OnnxEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * A batch job of engine {@code spark} submitted as {@code POST /api/v1/batch-jobs} submits it ({@link BatchJobs}),
 * run by local mode's {@link LocalSparkLauncher} in a child JVM on the connector's real class path: the job's states,
 * rows and cost as for Lambda jobs, Parquet results partitioned by job id and date, errors and manifest.
 */
class SparkBatchJobTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static Path dir;
  static LocalAws aws;
  static AwsClients clients;
  static JobsTable table;
  static BatchJobs jobs;
  static BatchSettings settings;
  static GlueStandIn glue;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("pier-spark-job-test");
    glue = new GlueStandIn();
    aws = LocalAws.start(dir.resolve("data"));
    AwsSettings s = new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(), aws.accessKeyId(),
        aws.secretAccessKey());
    clients = new AwsClients(s);
    RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
    ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    ModelRegistry registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
    registry.register("iris", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), PierSparkTest.IRIS,
        null);
    registry.setAlias("iris", "production", 1);
    JobsTable.createIfMissing(clients.dynamoDb(), "jobs");
    table = new JobsTable(clients.dynamoDb(), "jobs");
    clients.s3().createBucket(b -> b.bucket("batch"));
    settings = new BatchSettings("batch", "jobs", 1000, 256, 4, Map.of(Priority.HIGH, 1, Priority.NORMAL, 1,
        Priority.LOW, 1), 10, Duration.ofSeconds(1), 1.0);
    PredictionService predictions = new PredictionService(new ModelResolver(registry, Duration.ofSeconds(5),
        Duration.ofMinutes(1)), new ModelCache(artifacts, dir.resolve("staging"), 1 << 30, Duration.ofMinutes(5),
        List.of(new OnnxEngine(1))));
    Path target = Path.of("target");
    String classpath = target.resolve("classes").toAbsolutePath() + java.io.File.pathSeparator
        + LocalSparkLauncher.classpathFrom(target.resolve("spark-classpath.txt"));
    LocalSparkLauncher spark = new LocalSparkLauncher(table, classpath, Map.of(
        "AWS_REGION", aws.region(), "AWS_ENDPOINT_URL_DYNAMODB", aws.dynamoDbEndpoint().toString(),
        "AWS_ENDPOINT_URL_S3", aws.s3Endpoint().toString(), "AWS_ACCESS_KEY_ID", aws.accessKeyId(),
        "AWS_SECRET_ACCESS_KEY", aws.secretAccessKey(), "PIER_REGISTRY_TABLE", "registry",
        "PIER_ARTIFACTS_BUCKET", "artifacts", "PIER_BATCH_JOBS_TABLE", "jobs", "PIER_SPARK_MASTER", "local[2]",
        "AWS_ENDPOINT_URL_GLUE", glue.endpoint().toString()),
        dir.resolve("logs"), "1g");
    JobLauncher lambda = new JobLauncher() { // this test submits Spark jobs only
      @Override
      public void launch(BatchJob job) {
        throw new AssertionError("a spark job went to the Lambda path");
      }

      @Override
      public void stop(String id) {}
    };
    jobs = new BatchJobs(table, predictions, lambda, spark, settings, S3SourcePolicy.of(List.of("*"), List.of()),
        clients.s3());
  }

  @AfterAll
  static void stop() {
    glue.close();
    clients.close();
    aws.close();
  }

  private static BatchJob awaitFinal(String id) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
    while (!table.require(id).state().isFinal() && System.nanoTime() < deadline) {
      Thread.sleep(500);
    }
    return table.require(id);
  }

  @Test
  void aGlueOutputRegistersAPartitionedParquetTableAndAnotherSchemaIsRefusedBeforeScoring() throws Exception {
    clients.s3().putObject(b -> b.bucket("batch").key("in/glue.jsonl"), RequestBody.fromString(
        "{\"id\":1,\"input\":[5.1,3.5,1.4,0.2]}\n{\"id\":2,\"input\":[6.7,3.0,5.2,2.3]}\n"));
    BatchJob job = jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/glue.jsonl",
        "glue://scores.iris_daily", null, null, null, "spark"));
    BatchJob done = awaitFinal(job.id());

    assertThat(done.error()).isNull();
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    JsonNode t = glue.tables.get("scores.iris_daily");
    assertThat(t.path("StorageDescriptor").path("Location").asText()).isEqualTo("s3://batch/tables/scores/iris_daily/");
    assertThat(t.path("PartitionKeys").toString()).isEqualTo(
        "[{\"Name\":\"job_id\",\"Type\":\"string\"},{\"Name\":\"date\",\"Type\":\"string\"}]");
    assertThat(t.path("StorageDescriptor").path("Columns").toString()).startsWith(
        "[{\"Name\":\"id\",\"Type\":\"bigint\"},{\"Name\":\"input\",\"Type\":\"array<double>\"}")
        .endsWith("{\"Name\":\"pier_error\",\"Type\":\"string\"}]");
    assertThat(glue.partitions).hasSize(1);
    String location = glue.partitions.values().iterator().next().path("StorageDescriptor").path("Location").asText();
    assertThat(location).matches("s3://batch/tables/scores/iris_daily/job_id=" + done.id()
        + "/date=\\d{4}-\\d{2}-\\d{2}/");
    String prefix = location.substring("s3://batch/".length());
    assertThat(clients.s3().listObjectsV2(b -> b.bucket("batch").prefix(prefix)).contents())
        .anyMatch(o -> o.key().endsWith(".parquet"));

    // the same table, rows of another shape (a float column named differently): refused before any row is scored
    clients.s3().putObject(b -> b.bucket("batch").key("in/other.jsonl"), RequestBody.fromString(
        "{\"id\":\"a\",\"input\":[5.1,3.5,1.4,0.2],\"note\":\"x\"}\n"));
    BatchJob other = awaitFinal(jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/other.jsonl",
        "glue://scores.iris_daily", null, null, null, "spark")).id());
    assertThat(other.state()).isEqualTo(JobState.FAILED);
    assertThat(other.error()).startsWith("table scores.iris_daily exists with columns [id bigint, input array<double>");
    assertThat(other.done()).isZero();
    assertThat(glue.partitions).hasSize(1);
  }

  @Test
  void aSparkJobRunsInAChildJvmAndReportsRowsRateAndCostLikeALambdaJob() throws Exception {
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      rows.append("{\"id\":").append(i).append(",\"input\":[5.1,3.5,1.4,").append(i % 25 / 10.0).append("]}\n");
    }
    rows.append("{\"id\":300,\"input\":[5.1,3.5]}\n");
    clients.s3().putObject(b -> b.bucket("batch").key("in/rows.jsonl"), RequestBody.fromString(rows.toString()));

    BatchJob job = jobs.submit(new BatchJobs.Submission("iris", "production", "s3://batch/in/rows.jsonl", null, null,
        null, null, "spark"));
    assertThat(job.engine()).isEqualTo(Engine.SPARK);
    assertThat(table.require(job.id()).engine()).isEqualTo(Engine.SPARK);

    long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
    while (!table.require(job.id()).state().isFinal() && System.nanoTime() < deadline) {
      Thread.sleep(500);
    }
    BatchJob done = table.require(job.id());
    assertThat(done.error()).as(Files.exists(dir.resolve("logs/" + job.id() + ".log"))
        ? Files.readString(dir.resolve("logs/" + job.id() + ".log")) : "no log").isNull();
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.total()).isEqualTo(301);
    assertThat(done.succeeded()).isEqualTo(300);
    assertThat(done.failed()).isEqualTo(1);
    assertThat(done.plan().basis()).isEqualTo("spark");
    assertThat(done.scoringMillis()).isPositive();
    JobCost cost = JobCost.of(done, settings);
    assertThat(cost.emrServerless()).isPositive();
    assertThat(cost.lambda()).isZero();

    String errors = clients.s3().getObjectAsBytes(b -> b.bucket("batch").key(done.errorsFile().key())).asUtf8String();
    assertThat(errors).isEqualTo("{\"id\":\"300\",\"error\":\"column 'input' has 2 values, input 'input' takes 4\"}\n");
    JsonNode manifest = JSON.readTree(clients.s3().getObjectAsBytes(b -> b.bucket("batch")
        .key(done.manifest().key())).asByteArray());
    assertThat(manifest.get("engine").asText()).isEqualTo("spark");
    assertThat(manifest.get("version").asInt()).isEqualTo(1);
    List<String> keys = clients.s3().listObjectsV2(b -> b.bucket("batch").prefix(done.output().key() + "results/"))
        .contents().stream().map(o -> o.key()).toList();
    assertThat(keys).isNotEmpty().allMatch(k -> k.matches(".*/results/job_id=" + done.id()
        + "/date=\\d{4}-\\d{2}-\\d{2}/part-.*\\.parquet"));
  }
}
