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
import dev.pier.training.http.TrainingRoutes;
import dev.pier.experiments.Experiments;
import dev.pier.experiments.ModelTraffic;
import dev.pier.experiments.RegistryCatalog;
import dev.pier.experiments.flags.Flags;
import dev.pier.experiments.store.ExperimentStore;
import software.amazon.awssdk.services.sfn.SfnClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * The training worker Lambda ({@code dev.pier.training.jobs.TrainingWorkerHandler::handleRequest}). It answers two
 * kinds of event:
 * <ul>
 *   <li>a task of training.asl.json, the event being the {@code Payload} of its {@code lambda:invoke} states
 *   ({@code {"action": "prepare" | "suggest" | "trial_channels" | "trial_result" | "best" | "refit_channels" |
 *   "refit_result" | "evaluate" | "register" | "canary" | "experiment" | "finalize" | "fail" | "tuning_request" |
 *   "tuning_status" | "tuning_result", "job_id": …}}, the last three for a job tuned by SageMaker Automatic Model
 *   Tuning, {@link TuningTrials}); the
 *   answer is the task's result as JSON, and a failed task throws (Lambda reports its message, which the workflow's
 *   fail step records). In AWS trials and the refit train on SageMaker, so the worker itself only reads the dataset,
 *   writes the channels and records what SageMaker reported;</li>
 *   <li>Step Functions' "Execution Status Change" event for the training workflow ({@code FAILED}, {@code TIMED_OUT},
 *   {@code ABORTED}; an EventBridge rule delivers it, {@link TrainingWorker#executionEnded}): a job whose execution
 *   ended outside its final tasks is ended with the reason, and the queue dispatches;</li>
 *   <li>a training route the API Lambda forwards ({@code {"route": …, "caller": …}}, {@link TrainingRoutes}): the
 *   API Lambda does not carry training (its trainer, DuckDB), so submitting, reading and cancelling jobs, datasets
 *   and costs are answered here, with the plain server's validation, and a job is started as an execution of the
 *   training state machine ({@link StepFunctionsTrainingLauncher}).</li>
 * </ul>
 *
 * <p>Configured by environment: {@code PIER_JOBS_TABLE} (jobs, trials, dataset versions), {@code PIER_TRAINING_BUCKET}
 * (channels, refit models), {@code PIER_REGISTRY_TABLE} (the registry and MLflow tracking), {@code
 * PIER_ARTIFACTS_BUCKET}, {@code PIER_SAGEMAKER_XGBOOST_IMAGE} (SageMaker's XGBoost image for the region),
 * {@code PIER_TRAINING_STATE_MACHINE_ARN} (the machine a submitted job starts; without it a submit answers 501),
 * {@code PIER_EXPERIMENTS_TABLE} (the experiment step's experiments; without it a job asking for one is refused with
 * a 501 when submitted), optionally {@code PIER_TRAINING_BUDGETS} ({@code project=usd,…}, for {@code /costs}),
 * {@code PIER_LOGS_ENDPOINT} (CloudWatch Logs' endpoint, where SageMaker trials' round logs are read; default the
 * region's), {@code PIER_TRAINING_MAX_RUNTIME} (seconds, default a day), {@code PIER_TRAINING_PROJECT_CONCURRENCY} (jobs of a
 * project running at once, default 2; more wait queued, {@link QueuedStepFunctionsLauncher}) and {@code AWS_REGION}. It does not implement
 * {@code RequestStreamHandler}: Lambda's Java runtime calls a public {@code handleRequest(InputStream, OutputStream)}
 * just the same, and the zip needs no Lambda library.
 */
public final class TrainingWorkerHandler {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TrainingWorker worker;
  private final TrainingRoutes routes;

  /** What Lambda's runtime instantiates (in its init phase): clients and tables from the environment. */
  public TrainingWorkerHandler() {
    this(fromEnvironment(System.getenv(), new AwsClients(AwsClients.AwsSettings.cloud(
        System.getenv().getOrDefault("AWS_REGION", "us-east-1"))), null));
  }

  /** A handler for the workflow's tasks only (forwarded routes answer 501). */
  public TrainingWorkerHandler(TrainingWorker worker) {
    this(new Services(worker, null));
  }

  public TrainingWorkerHandler(Services services) {
    this.worker = services.worker();
    this.routes = services.routes();
  }

  /** What one worker serves: the workflow's tasks and, when it can start jobs, the forwarded routes. */
  public record Services(TrainingWorker worker, TrainingRoutes routes) {}

  public void handleRequest(InputStream input, OutputStream output) throws IOException {
    JsonNode event = JSON.readTree(input);
    if (TrainingRoutes.isRoute(event)) {
      JSON.writeValue(output, routes != null ? routes.handle(event) : JSON.createObjectNode().put("status", 501)
          .put("error", "this training worker serves no routes: PIER_TRAINING_STATE_MACHINE_ARN is not set"));
      return;
    }
    if (isExecutionStatusChange(event)) {
      JSON.writeValue(output, worker.executionEnded(event.path("detail")));
      return;
    }
    JSON.writeValue(output, worker.handle(event));
  }

  /** Step Functions' "Execution Status Change" event, as the EventBridge rule on the training workflow delivers it. */
  static boolean isExecutionStatusChange(JsonNode event) {
    return "aws.states".equals(event.path("source").asText())
        && "Step Functions Execution Status Change".equals(event.path("detail-type").asText());
  }

  /**
   * The worker's services from {@code env} (the variables above) over {@code aws}'s DynamoDB and S3 clients.
   *
   * @param sfnEndpoint Step Functions' endpoint; null for the region's
   */
  public static Services fromEnvironment(Map<String, String> env, AwsClients aws, java.net.URI sfnEndpoint) {
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
    ArtifactStore artifactStore = new ArtifactStore(aws.s3(), artifacts);
    ModelRegistry registry = new ModelRegistry(aws.dynamoDb(), registryTable, artifactStore);
    TrackingStore tracking = new TrackingStore(aws.dynamoDb(), registryTable, "s3://" + artifacts + "/mlflow");
    Searches searches = new Searches(jobs, trainer);
    TrainingWorker worker = new TrainingWorker(jobs, datasets, trainer, searches, new JobTracking(tracking),
        registry, aws.s3(), settings, Clock.systemUTC());
    // a job with tuning.service sagemaker: its tuning job's training jobs, read with a client made on first use
    var sagemaker = new java.util.concurrent.atomic.AtomicReference<software.amazon.awssdk.services.sagemaker.SageMakerClient>();
    java.util.function.Supplier<software.amazon.awssdk.services.sagemaker.SageMakerClient> sagemakerClient =
        () -> sagemaker.updateAndGet(c -> c != null ? c
            : aws.client(software.amazon.awssdk.services.sagemaker.SageMakerClient.builder(), null));
    worker.withTuning(new TuningTrials(jobs, new JobTracking(tracking), sagemakerClient, settings, Clock.systemUTC()));
    // a SageMaker trial's per-round metrics: its training jobs' logs in CloudWatch Logs, with a client made on first use
    var logs = new java.util.concurrent.atomic.AtomicReference<
        software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient>();
    String logsEndpoint = env.get("PIER_LOGS_ENDPOINT");
    var trainingLogs = new dev.pier.training.sagemaker.TrainingLogs(() -> logs.updateAndGet(c -> c != null ? c
        : aws.client(software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient.builder(),
            logsEndpoint == null || logsEndpoint.isBlank() ? null : java.net.URI.create(logsEndpoint))));
    worker.withTrainingLogs(trainingLogs);
    // a search with a pruner: its SageMaker trials watched while they train (described, their logs read, stopped)
    worker.withTrialWatch(new dev.pier.training.sagemaker.TrialWatch(sagemakerClient, trainingLogs));
    ExperimentsStarter experiments = null;
    String experimentsTable = env.get("PIER_EXPERIMENTS_TABLE");
    if (experimentsTable != null && !experimentsTable.isBlank()) {
      // the experiment step creates and starts experiments as the experiments API does, in its table
      experiments = new ExperimentsStarter(new Experiments(new ExperimentStore(aws.dynamoDb(), experimentsTable),
          new RegistryCatalog(registry), Clock.systemUTC(), ModelTraffic.NONE,
          new Flags(aws.dynamoDb(), experimentsTable, Clock.systemUTC())::get));
      worker.withExperiments(experiments);
    }
    String machine = env.get("PIER_TRAINING_STATE_MACHINE_ARN");
    TrainingRoutes routes = null;
    if (machine != null && !machine.isBlank()) {
      var queue = new QueuedStepFunctionsLauncher(new StepFunctionsTrainingLauncher(
          aws.client(SfnClient.builder(), sfnEndpoint), machine), jobs, projectConcurrency(env));
      worker.afterJobEnds(queue::dispatch); // a job's end frees its project's slot for the next queued one
      TrainingJobs api = new TrainingJobs(jobs, datasets, trainer, queue, settings, searches, Clock.systemUTC());
      if (experiments != null) {
        api.withExperiments(experiments);
      }
      routes = new TrainingRoutes(api, datasets, budgets(env.getOrDefault("PIER_TRAINING_BUDGETS", "")));
    }
    return new Services(worker, routes);
  }

  /** {@code PIER_TRAINING_PROJECT_CONCURRENCY}: jobs of one project running at once (default 2, as on a server). */
  static int projectConcurrency(Map<String, String> env) {
    String v = env.getOrDefault("PIER_TRAINING_PROJECT_CONCURRENCY", "2");
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalStateException("PIER_TRAINING_PROJECT_CONCURRENCY must be a whole number of at least 1, not '"
        + v + "'");
  }

  /** {@code a=1.5,b=2} → map; an error at start naming the variable for anything else. */
  static Map<String, Double> budgets(String text) {
    Map<String, Double> out = new java.util.HashMap<>();
    for (String pair : text.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      String[] kv = pair.split("=", 2);
      try {
        out.put(kv[0].trim(), Double.parseDouble(kv[1].trim()));
      } catch (RuntimeException e) {
        throw new IllegalStateException("PIER_TRAINING_BUDGETS must be project=usd pairs separated by commas, not '"
            + pair + "'");
      }
    }
    return out;
  }

  private static String require(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException(name + " is not set");
    }
    return v;
  }
}
