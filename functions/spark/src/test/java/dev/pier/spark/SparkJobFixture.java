package dev.pier.spark;

import dev.pier.batch.BatchJob;
import dev.pier.batch.BatchJobs;
import dev.pier.batch.BatchSettings;
import dev.pier.batch.GlueStandIn;
import dev.pier.batch.JobLauncher;
import dev.pier.batch.JobsTable;
import dev.pier.batch.LocalSparkLauncher;
import dev.pier.batch.Priority;
import dev.pier.batch.bigquery.BigQueryStandIn;
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
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Batch scoring's Spark path in local mode for the connector's job tests: the S3 and DynamoDB stand-ins, the Glue and
 * BigQuery stand-ins, the iris model registered (alias {@code production}), the jobs table, the batch bucket, and jobs
 * submitted as the API submits them and run by {@link LocalSparkLauncher} in a child JVM on {@code classpath}, with
 * partitions of 64 KB of input (so that a job of a few hundred KB has several to resume from) on {@code local[2]}.
 */
final class SparkJobFixture implements AutoCloseable {
  final Path dir;
  final GlueStandIn glue;
  final BigQueryStandIn bigQuery;
  final LocalAws aws;
  final AwsClients clients;
  final JobsTable table;
  final BatchSettings settings;
  final PredictionService predictions;
  /** The child JVM's class path and environment: the stand-ins' endpoints and keys, the tables and buckets. */
  final String classpath;
  final Map<String, String> childEnv;
  /** The server's batch jobs, whose launcher records in {@link #table}. */
  final BatchJobs jobs;

  SparkJobFixture(String name, String classpath) throws Exception {
    this.classpath = classpath;
    dir = Files.createTempDirectory(name);
    glue = new GlueStandIn();
    bigQuery = new BigQueryStandIn();
    aws = LocalAws.start(dir.resolve("data"));
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
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
    predictions = new PredictionService(new ModelResolver(registry, Duration.ofSeconds(5), Duration.ofMinutes(1)),
        new ModelCache(artifacts, dir.resolve("staging"), 1 << 30, Duration.ofMinutes(5),
            List.of(new OnnxEngine(1))));
    childEnv = Map.ofEntries(Map.entry("AWS_REGION", aws.region()),
        Map.entry("AWS_ENDPOINT_URL_DYNAMODB", aws.dynamoDbEndpoint().toString()),
        Map.entry("AWS_ENDPOINT_URL_S3", aws.s3Endpoint().toString()),
        Map.entry("AWS_ACCESS_KEY_ID", aws.accessKeyId()), Map.entry("AWS_SECRET_ACCESS_KEY", aws.secretAccessKey()),
        Map.entry("PIER_REGISTRY_TABLE", "registry"),
        Map.entry("PIER_ARTIFACTS_BUCKET", "artifacts"), Map.entry("PIER_BATCH_JOBS_TABLE", "jobs"),
        Map.entry("PIER_SPARK_MASTER", "local[2]"), Map.entry("PIER_SPARK_MAX_PARTITION_BYTES", "65536"),
        Map.entry("AWS_ENDPOINT_URL_GLUE", glue.endpoint().toString()),
        Map.entry("PIER_BIGQUERY_ENDPOINT", bigQuery.restEndpoint()),
        Map.entry("PIER_BIGQUERY_WRITE_ENDPOINT", bigQuery.writeEndpoint()),
        Map.entry("PIER_BIGQUERY_CREDENTIALS", "none"));
    jobs = server(table);
  }

  /**
   * The class path of this build's connector (its classes and test classes, then its Spark class path): {@code
   * target}, or {@code target/spark4} under {@code -Pspark4} (system property {@code pier.spark.build}). The test
   * classes carry {@code SingleThreadModel} for Spark 4.
   */
  static String buildClasspath() {
    Path target = Path.of(System.getProperty("pier.spark.build", "target"));
    return target.resolve("classes").toAbsolutePath() + File.pathSeparator
        + target.resolve("test-classes").toAbsolutePath() + File.pathSeparator
        + LocalSparkLauncher.classpathFrom(target.resolve("spark-classpath.txt"));
  }

  /** A server's batch jobs whose Spark launcher records what it sees of its children in {@code launcherTable}. */
  BatchJobs server(JobsTable launcherTable) {
    LocalSparkLauncher spark = new LocalSparkLauncher(launcherTable, classpath, childEnv, dir.resolve("logs"), "1g");
    JobLauncher lambda = new JobLauncher() { // these tests submit Spark jobs only
      @Override
      public void launch(BatchJob job) {
        throw new AssertionError("a spark job went to the Lambda path");
      }

      @Override
      public void stop(String id) {}
    };
    return new BatchJobs(table, predictions, lambda, spark, settings, S3SourcePolicy.of(List.of("*"), List.of()),
        clients.s3());
  }

  /** The job once it has ended (a loaded, shared machine: a bound, not a timing). */
  BatchJob awaitFinal(String id) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
    while (!table.require(id).state().isFinal() && System.nanoTime() < deadline) {
      Thread.sleep(500);
    }
    return table.require(id);
  }

  /** The child JVM's log of {@code job}, or "no log". */
  String log(BatchJob job) throws java.io.IOException {
    Path log = dir.resolve("logs/" + job.id() + ".log");
    return Files.exists(log) ? Files.readString(log) : "no log";
  }

  @Override
  public void close() {
    glue.close();
    bigQuery.close();
    clients.close();
    aws.close();
  }
}
