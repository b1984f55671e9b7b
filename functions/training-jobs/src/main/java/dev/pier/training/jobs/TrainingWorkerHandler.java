package dev.pier.training.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.S3SourcePolicy;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.tracking.TrackingStore;
import dev.pier.training.cost.PriceTable;
import dev.pier.training.datasets.DatasetFiles;
import dev.pier.training.datasets.Datasets;
import dev.pier.training.datasets.DatasetsTable;
import dev.pier.training.sagemaker.SageMakerSettings;
import dev.pier.training.tracking.JobTracking;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * The training worker Lambda ({@code dev.pier.training.jobs.TrainingWorkerHandler::handleRequest}): runs one task of
 * training.asl.json per invocation, the event being the {@code Payload} of its {@code lambda:invoke} states
 * ({@code {"action": "prepare" | "suggest" | "trial_channels" | "trial_result" | "best" | "refit_channels" |
 * "refit_result" | "evaluate" | "register" | "canary" | "finalize" | "fail", "job_id": …}}); the answer is the task's
 * result as JSON, and a failed task throws (Lambda reports its message, which the workflow's fail step records). In
 * AWS trials and the refit train on SageMaker, so the worker itself only reads the dataset, writes the channels and
 * records what SageMaker reported.
 *
 * <p>Configured by environment: {@code PIER_JOBS_TABLE} (jobs, trials, dataset versions), {@code PIER_TRAINING_BUCKET}
 * (channels, refit models), {@code PIER_REGISTRY_TABLE} (the registry and MLflow tracking), {@code
 * PIER_ARTIFACTS_BUCKET}, {@code PIER_SAGEMAKER_XGBOOST_IMAGE} (SageMaker's XGBoost image for the region), optionally
 * {@code PIER_TRAINING_MAX_RUNTIME} (seconds, default a day) and {@code AWS_REGION}. It does not implement
 * {@code RequestStreamHandler}: Lambda's Java runtime calls a public {@code handleRequest(InputStream, OutputStream)}
 * just the same, and the zip needs no Lambda library. The experiment step is not served here (no experiments API in
 * the worker): a job asking for one fails at that step, after registering.
 */
public final class TrainingWorkerHandler {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TrainingWorker worker;

  /** What Lambda's runtime instantiates (in its init phase): clients and tables from the environment. */
  public TrainingWorkerHandler() {
    this(fromEnvironment(System.getenv()));
  }

  public TrainingWorkerHandler(TrainingWorker worker) {
    this.worker = worker;
  }

  public void handleRequest(InputStream input, OutputStream output) throws IOException {
    JsonNode event = JSON.readTree(input);
    JSON.writeValue(output, worker.handle(event));
  }

  static TrainingWorker fromEnvironment(Map<String, String> env) {
    String region = env.getOrDefault("AWS_REGION", "us-east-1");
    AwsClients aws = new AwsClients(AwsClients.AwsSettings.cloud(region));
    String table = require(env, "PIER_JOBS_TABLE");
    String bucket = require(env, "PIER_TRAINING_BUCKET");
    String registryTable = require(env, "PIER_REGISTRY_TABLE");
    String artifacts = require(env, "PIER_ARTIFACTS_BUCKET");
    long runtime = Long.parseLong(env.getOrDefault("PIER_TRAINING_MAX_RUNTIME", "86400"));
    TrainingSettings settings = new TrainingSettings(bucket, table, PriceTable.defaults(), Map.of(), 1, 1)
        .withSageMaker(new SageMakerSettings(require(env, "PIER_SAGEMAKER_XGBOOST_IMAGE"), runtime));
    TrainingJobsTable jobs = new TrainingJobsTable(aws.dynamoDb(), table);
    // which buckets it may read is IAM's business here: the worker's role names them
    Datasets datasets = new Datasets(new DatasetsTable(aws.dynamoDb(), table), aws.s3(),
        new DatasetFiles(aws.s3(), Path.of(System.getProperty("java.io.tmpdir"), "pier-training-data")),
        S3SourcePolicy.of(List.of("*"), List.of()), Clock.systemUTC());
    XGBoostModelTrainer trainer = new XGBoostModelTrainer(1);
    ModelRegistry registry = new ModelRegistry(aws.dynamoDb(), registryTable, new ArtifactStore(aws.s3(), artifacts));
    TrackingStore tracking = new TrackingStore(aws.dynamoDb(), registryTable, "s3://" + artifacts + "/mlflow");
    return new TrainingWorker(jobs, datasets, trainer, new Searches(jobs, trainer), new JobTracking(tracking),
        registry, aws.s3(), settings, Clock.systemUTC());
  }

  private static String require(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException(name + " is not set");
    }
    return v;
  }
}
