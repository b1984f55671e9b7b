package dev.pier.api.batch;

import dev.pier.api.PierConfig;
import dev.pier.api.inference.Predictions;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.runtime.PredictionService;
import dev.pier.api.platform.S3Sources;


import dev.pier.batch.BatchJob;
import dev.pier.batch.BatchJobs;
import dev.pier.batch.BatchSchedules;
import dev.pier.batch.EventBridgeScheduleTrigger;
import dev.pier.batch.LocalScheduler;
import dev.pier.batch.ScheduleTrigger;
import dev.pier.batch.SchedulesTable;
import dev.pier.batch.BatchSettings;
import dev.pier.batch.BatchWorker;
import dev.pier.batch.JobLauncher;
import dev.pier.batch.JobsTable;
import dev.pier.batch.EmrServerlessLauncher;
import dev.pier.batch.LocalBatchLauncher;
import dev.pier.batch.LocalSparkLauncher;
import dev.pier.batch.Priority;
import dev.pier.batch.StepFunctionsLauncher;
import dev.pier.batch.UploadWatcher;
import dev.pier.kernel.local.LocalStandIns;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import io.quarkus.arc.Unremovable;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;

/**
 * Wires batch scoring. In local mode it creates the batch bucket and jobs table, writes {@code <data-dir>/local.env}
 * (the stand-ins' endpoint and keys, for awscli and SDKs) before the server is ready, resumes jobs a previous process
 * left unfinished and watches {@code incoming/} for uploads. In AWS the batch-scoring state machine runs jobs: the
 * control plane starts, lists and cancels them, and the batch worker function runs their tasks through the
 * {@link BatchWorker} produced here (the Lambda handler hands it each task's payload). Produces the jobs, schedules,
 * worker and, in local mode, the local launcher for injection.
 */
@Singleton
public class BatchWiring {
  private final BatchJobs jobs;
  private final BatchSchedules schedules;
  private final BatchWorker worker;
  private final LocalBatchLauncher launcher;
  private final UploadWatcher watcher;
  private final LocalScheduler scheduler;
  private final PierConfig.Batch config;

  public BatchWiring(PierConfig pier, AwsClients aws, Optional<LocalStandIns> standIns, PredictionService service,
      Predictions predictions, S3Sources sources, dev.pier.experiments.assignment.ExperimentAssigner assigner,
      dev.pier.experiments.Experiments experiments) {
    this.config = pier.batch();
    BatchSettings settings = new BatchSettings(config.bucket(), config.jobsTable(), config.chunkRows(),
        config.batchRows(), config.concurrency(),
        Map.of(Priority.HIGH, config.highLane(), Priority.NORMAL, config.normalLane(), Priority.LOW, config.lowLane()),
        config.toleratedFailurePercentage(), config.watchInterval(), config.workerMemoryGb());
    JobsTable table = new JobsTable(aws.dynamoDb(), config.jobsTable());
    this.worker = new BatchWorker(table, aws.s3(), service, predictions.pipeline(), settings);
    worker.glue(() -> aws.client(software.amazon.awssdk.services.glue.GlueClient.builder(), glueEndpoint()));
    worker.bigQuery(bigQueryConnection(pier));
    worker.iceberg(dev.pier.batch.IcebergConnection.of(aws.settings().region(), glueEndpoint(),
        aws.settings().s3Endpoint(), aws.settings().accessKeyId(), aws.settings().secretAccessKey()));
    if (standIns.isPresent()) {
      JobsTable.createIfMissing(aws.dynamoDb(), config.jobsTable());
      try {
        aws.s3().createBucket(b -> b.bucket(config.bucket()));
      } catch (BucketAlreadyOwnedByYouException e) {
        // there from an earlier start
      } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
        if (e.statusCode() != 409) {
          throw e;
        }
      }
      this.launcher = new LocalBatchLauncher(table, worker, aws.s3(), settings);
      this.jobs = new BatchJobs(table, service, launcher, localSpark(pier, standIns.get(), table), settings,
          sources.policy(), aws.s3());
      this.schedules = new BatchSchedules(new SchedulesTable(aws.dynamoDb(), config.jobsTable()), table,
          service, launcher, aws.s3(), settings, ScheduleTrigger.NONE, sources.policy());
      this.scheduler = new LocalScheduler(schedules);
      this.watcher = new UploadWatcher(aws.s3(), jobs, config.bucket());
      writeLocalEnv(Path.of(pier.dataDir()), standIns.get(), config.bucket());
    } else {
      this.launcher = null;
      this.watcher = null;
      this.scheduler = null;
      JobLauncher cloud = cloudLauncher(aws);
      this.jobs = new BatchJobs(table, service, cloud, cloudSpark(pier, aws, table), settings, sources.policy(),
          aws.s3());
      this.schedules = new BatchSchedules(new SchedulesTable(aws.dynamoDb(), config.jobsTable()), table,
          service, cloud, aws.s3(), settings, cloudTrigger(aws), sources.policy());
    }
    worker.triggers(new BatchWorker.Triggers(jobs, schedules));
    AssignerArms arms = new AssignerArms(assigner, experiments); // jobs with a unit_column: rows by their unit's arm
    worker.experimentArms(arms);
    jobs.experimentArms(arms);
  }

  /**
   * Where {@code glue://} outputs of the Lambda path go: {@code AWS_ENDPOINT_URL_GLUE} where set (a stand-in, as the
   * Spark path reads it), else Glue's own endpoint in the region.
   */
  /**
   * How the worker's {@code bigquery://} outputs reach BigQuery: {@code PIER_BIGQUERY_*} as a Spark job reads them
   * ({@link dev.pier.batch.bigquery.BigQueryConnection#fromEnvironment}), the credentials, when
   * {@code PIER_BIGQUERY_CREDENTIALS} is unset, those {@code pier.batch.spark.bigquery-credentials} names for Spark jobs.
   */
  private static dev.pier.batch.bigquery.BigQueryConnection bigQueryConnection(PierConfig pier) {
    Map<String, String> env = new java.util.HashMap<>(System.getenv());
    String credentials = env.get("PIER_BIGQUERY_CREDENTIALS");
    if (credentials == null || credentials.isBlank()) {
      pier.batch().spark().bigqueryCredentials().ifPresent(c -> env.put("PIER_BIGQUERY_CREDENTIALS", c));
    }
    return dev.pier.batch.bigquery.BigQueryConnection.fromEnvironment(env);
  }

  private static java.net.URI glueEndpoint() {
    String endpoint = System.getenv("AWS_ENDPOINT_URL_GLUE");
    return endpoint == null || endpoint.isBlank() ? null : java.net.URI.create(endpoint.strip());
  }

  /**
   * Local mode's Spark engine: a child JVM per job on the connector's class path (Spark's dependencies stay out of
   * this server's JVM; see {@link LocalSparkLauncher}); null when no class path is configured.
   */
  private static JobLauncher localSpark(PierConfig pier, LocalStandIns standIns, JobsTable table) {
    String classpath = pier.batch().spark().classpath().map(LocalSparkLauncher::expand).orElse(null);
    if (classpath == null || classpath.isBlank()) {
      return null;
    }
    return new LocalSparkLauncher(table, classpath, Map.of(
        "AWS_REGION", standIns.region(), "AWS_ENDPOINT_URL_DYNAMODB", standIns.dynamoDbEndpoint().toString(),
        "AWS_ENDPOINT_URL_S3", standIns.s3Endpoint().toString(), "AWS_ACCESS_KEY_ID", standIns.accessKeyId(),
        "AWS_SECRET_ACCESS_KEY", standIns.secretAccessKey(), "PIER_REGISTRY_TABLE", pier.registry().table(),
        "PIER_ARTIFACTS_BUCKET", pier.registry().artifactsBucket(), "PIER_BATCH_JOBS_TABLE", pier.batch().jobsTable()),
        Path.of(pier.dataDir(), "spark"), pier.batch().spark().heap());
  }

  /** EMR Serverless in AWS, when application, role and connector jar are configured; else null (501). */
  private static JobLauncher cloudSpark(PierConfig pier, AwsClients aws, JobsTable table) {
    PierConfig.Batch.Spark spark = pier.batch().spark();
    if (spark.applicationId().isEmpty() || spark.jobRoleArn().isEmpty() || spark.connectorJar().isEmpty()) {
      return null;
    }
    return new EmrServerlessLauncher(table, null,
        software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create(),
        software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider.builder().build(), aws.settings().region(),
        spark.applicationId().get(), spark.jobRoleArn().get(),
        spark.connectorJar().get(), jobEnv(pier));
  }

  /** What an EMR Serverless job run reads: the registry, the jobs table, and BigQuery's credentials if set. */
  private static Map<String, String> jobEnv(PierConfig pier) {
    Map<String, String> env = new java.util.HashMap<>(Map.of("PIER_REGISTRY_TABLE", pier.registry().table(),
        "PIER_ARTIFACTS_BUCKET", pier.registry().artifactsBucket(), "PIER_BATCH_JOBS_TABLE", pier.batch().jobsTable()));
    pier.batch().spark().bigqueryCredentials().ifPresent(c -> env.put("PIER_BIGQUERY_CREDENTIALS", c));
    return env;
  }

  /** EventBridge Scheduler schedules that start the state machine; none without state machine and role. */
  private ScheduleTrigger cloudTrigger(AwsClients aws) {
    if (config.stateMachineArn().isEmpty()) {
      return ScheduleTrigger.NONE; // create answers 501 then: the launcher is unavailable without the state machine
    }
    if (config.schedulerRoleArn().isEmpty()) {
      return new ScheduleTrigger() { // never a schedule that is stored but cannot fire
        @Override
        public void created(dev.pier.batch.BatchSchedule schedule) {
          throw new dev.pier.kernel.PierException(501, "this server cannot create batch schedules: set"
              + " pier.batch.scheduler-role-arn (PIER_BATCH_SCHEDULER_ROLE_ARN) to the role EventBridge Scheduler"
              + " assumes");
        }

        @Override
        public void deleted(String id) {}
      };
    }
    var client = aws.client(software.amazon.awssdk.services.scheduler.SchedulerClient.builder(), null);
    return new EventBridgeScheduleTrigger(client, config.stateMachineArn().get(),
        config.schedulerRoleArn().get(), config.scheduleGroup());
  }

  /** Step Functions when the state machine is configured; else a launcher that says POST is not available here. */
  private JobLauncher cloudLauncher(AwsClients aws) {
    if (config.stateMachineArn().isPresent()) {
      var sfn = aws.client(software.amazon.awssdk.services.sfn.SfnClient.builder(), null);
      return new StepFunctionsLauncher(sfn, config.stateMachineArn().get());
    }
    return new JobLauncher() {
      @Override
      public void launch(BatchJob job) {
        throw new IllegalStateException("not available");
      }

      @Override
      public void stop(String id) {
        // nothing runs: this process starts no executions
      }

      @Override
      public boolean available() {
        return false;
      }
    };
  }

  void onStart(@Observes StartupEvent event) {
    if (launcher != null) {
      jobs.resumeUnfinished();
      watcher.start(config.watchInterval());
      scheduler.start(config.watchInterval());
    }
  }

  @Produces
  @Singleton
  BatchJobs jobs() {
    return jobs;
  }

  @Produces
  @Singleton
  BatchSchedules schedules() {
    return schedules;
  }

  /** What the batch-scoring state machine's tasks run: in-process locally, in the batch worker Lambda in AWS. */
  @Produces
  @Singleton
  @Unremovable // looked up by the Lambda handler or tests, not injected
  BatchWorker worker() {
    return worker;
  }

  /** Local mode's Step Functions; empty in AWS. */
  @Produces
  @Singleton
  @Unremovable // looked up by the Lambda handler or tests, not injected
  Optional<LocalBatchLauncher> localLauncher() {
    return Optional.ofNullable(launcher);
  }

  /** {@code KEY=value} lines a shell can source; written atomically, before the server reports ready. */
  static void writeLocalEnv(Path dataDir, LocalStandIns standIns, String bucket) {
    String env = "# Pier local mode: the stand-ins' endpoint and keys (same ports on every start of this data dir).\n"
        + "# awscli 2.9 ignores AWS_ENDPOINT_URL_S3: pass it as --endpoint-url \"$AWS_ENDPOINT_URL_S3\".\n"
        + "AWS_ENDPOINT_URL_S3=" + standIns.s3Endpoint() + "\n"
        + "AWS_ENDPOINT_URL_DYNAMODB=" + standIns.dynamoDbEndpoint() + "\n"
        + "AWS_ACCESS_KEY_ID=" + standIns.accessKeyId() + "\n"
        + "AWS_SECRET_ACCESS_KEY=" + standIns.secretAccessKey() + "\n"
        + "AWS_REGION=" + standIns.region() + "\n"
        + "PIER_BATCH_BUCKET=" + bucket + "\n";
    try {
      Path file = dataDir.toAbsolutePath().resolve("local.env");
      Path tmp = file.resolveSibling("local.env.tmp");
      Files.deleteIfExists(tmp);
      // owner-only: it holds the stand-ins' secret key, which guards the local API-keys table
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, env);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      Log.infof("local endpoints for tools in %s", file);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write local.env", e);
    }
  }

  @PreDestroy
  void close() {
    if (scheduler != null) {
      scheduler.close();
    }
    if (watcher != null) {
      watcher.close();
    }
    if (launcher != null) {
      launcher.close();
    }
  }
}
