package dev.pier.training.sagemaker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.pier.experiments.Experiments;
import dev.pier.kernel.aws.DynamoTables;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.RegistryTable;
import dev.pier.statemachines.AslDefinition;
import dev.pier.statemachines.LocalStateMachineRunner;
import dev.pier.statemachines.LocalStateMachineRunner.ExecutionResult;
import dev.pier.training.StandIns;
import dev.pier.training.cost.PriceTable;
import dev.pier.training.datasets.DatasetFiles;
import dev.pier.training.datasets.Datasets;
import dev.pier.training.datasets.DatasetsTable;
import dev.pier.training.jobs.Searches;
import dev.pier.training.jobs.TrainingJob;
import dev.pier.training.jobs.TrainingJobs;
import dev.pier.training.jobs.TrainingJobsTable;
import dev.pier.training.jobs.TrainingLauncher;
import dev.pier.training.jobs.TrainingSettings;
import dev.pier.training.jobs.TrainingWorker;
import dev.pier.training.jobs.TrainingWorkerHandler;
import dev.pier.training.jobs.TuningTrials;
import dev.pier.training.jobs.XGBoostModelTrainer;
import dev.pier.training.tracking.JobTracking;
import dev.pier.tracking.TrackingStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/**
 * The training workflow in AWS mode in one JVM, for the SageMaker tests: the DynamoDB and S3 stand-ins with the jobs,
 * registry and experiments tables and bucket {@code data}; the SageMaker stand-in (training and tuning jobs that really
 * train XGBoost) and the CloudWatch Logs stand-in its containers log to, each behind the real SDK client; settings
 * for the worker ({@link #local}) and for SageMaker ({@link #remote}); jobs submitted as the API submits them; and
 * training.asl.json run on the local runner with the worker behind its Lambda tasks (through
 * {@link TrainingWorkerHandler}, as Lambda calls it) and the SageMaker stand-in behind the rest.
 *
 * <p>No state waits real time: each Wait (and retry back-off) is one {@link SageMakerTrainingStandIn#tick}, so a
 * training job the stand-in paces shows one more round per poll of the workflow's watch loop. Every state the last
 * runs entered, children included, is in {@link #entered} (what Step Functions bills as transitions).
 */
final class SageMakerFixture implements AutoCloseable {
  static final String IMAGE = SageMakerSettings.XGBOOST_US_EAST_1;
  static final ObjectMapper JSON = new ObjectMapper();
  /** What the CDK app fills into the SageMaker states. */
  static final Map<String, String> SAGEMAKER_PLACES = Map.of("SageMakerRoleArn",
      "arn:aws:iam::000000000000:role/pier-sagemaker-training", "TrainingBucket", "data",
      "TrainingKmsKey", "arn:aws:kms:us-east-1:000000000000:key/k");

  final StandIns standIns;
  final SageMakerTrainingStandIn sagemaker;
  final SageMakerClient client;
  final LogsStandIn logs;
  final CloudWatchLogsClient logsClient;
  final TrainingJobsTable jobs;
  final Datasets datasets;
  final ModelRegistry registry;
  final TrackingStore tracking;
  final Experiments experiments;
  final TrainingSettings local;
  final TrainingSettings remote;
  /** The states entered by runs since {@link #entered}'s last clear, parents' and children's. */
  final List<String> entered = new CopyOnWriteArrayList<>();

  SageMakerFixture(Path work) throws Exception {
    standIns = new StandIns(work.resolve("aws"));
    var dynamo = standIns.clients.dynamoDb();
    standIns.clients.s3().createBucket(b -> b.bucket("data"));
    DynamoTables.createIfMissing(dynamo, "jobs", DynamoTables.SINGLE_TABLE, null);
    RegistryTable.createIfMissing(dynamo, "registry");
    dev.pier.experiments.store.ExperimentsTable.createIfMissing(dynamo, "experiments");
    ArtifactStore artifacts = new ArtifactStore(standIns.clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    registry = new ModelRegistry(dynamo, "registry", artifacts);
    tracking = new TrackingStore(dynamo, "registry", "s3://data/mlflow");
    experiments = new Experiments(new dev.pier.experiments.store.ExperimentStore(dynamo, "experiments"),
        new dev.pier.experiments.RegistryCatalog(registry), Clock.systemUTC());
    jobs = new TrainingJobsTable(dynamo, "jobs");
    datasets = new Datasets(new DatasetsTable(dynamo, "jobs"), standIns.clients.s3(),
        new DatasetFiles(standIns.clients.s3(), work.resolve("cache")), StandIns.ANY_S3, Clock.systemUTC());
    local = new TrainingSettings("data", "jobs", PriceTable.defaults(), Map.of(), 2, 1);
    remote = local.withSageMaker(new SageMakerSettings(IMAGE, 86_400));
    sagemaker = new SageMakerTrainingStandIn(standIns.clients.s3());
    sagemaker.trainingSeconds(100);
    client = SageMakerClient.builder().endpointOverride(sagemaker.endpoint()).region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    logs = new LogsStandIn();
    logsClient = CloudWatchLogsClient.builder().endpointOverride(logs.endpoint()).region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    sagemaker.logTo(logsClient); // the containers' round lines, as SageMaker ships them to CloudWatch Logs
  }

  /**
   * {@code rows} rows {@code a,b,c,y} at {@code s3://data/<key>}, seeded: y is 1 where {@code a + 0.3 c} plus noise
   * passes 0.6.
   */
  void rows(String key, long seed, int rows) {
    Random r = new Random(seed);
    StringBuilder csv = new StringBuilder("a,b,c,y\n");
    for (int i = 0; i < rows; i++) {
      double a = r.nextDouble();
      double b = r.nextDouble();
      double c = r.nextGaussian();
      csv.append(String.format(Locale.ROOT, "%.5f,%.5f,%.5f,%d%n", a, b, c,
          a + 0.3 * c + 0.4 * r.nextGaussian() > 0.6 ? 1 : 0));
    }
    standIns.clients.s3().putObject(b -> b.bucket("data").key(key), RequestBody.fromString(csv.toString()));
  }

  /** Submits {@code body} (a job's JSON) as the API does, with nothing launched. */
  TrainingJob submit(TrainingSettings settings, String body) throws Exception {
    XGBoostModelTrainer trainer = new XGBoostModelTrainer(1);
    TrainingJobs api = new TrainingJobs(jobs, datasets, trainer, new TrainingLauncher() {
      @Override
      public void launch(TrainingJob job) {}

      @Override
      public void stop(String id) {}
    }, settings, new Searches(jobs, trainer), Clock.systemUTC())
        .withExperiments(new dev.pier.training.jobs.ExperimentsStarter(experiments));
    return api.submit(JSON.readTree(body));
  }

  /** The worker as the training worker Lambda wires it: training logs, Automatic Model Tuning, watched trials. */
  TrainingWorker worker(TrainingSettings settings) {
    XGBoostModelTrainer trainer = new XGBoostModelTrainer(1);
    TrainingLogs trainingLogs = new TrainingLogs(() -> logsClient);
    return new TrainingWorker(jobs, datasets, trainer, new Searches(jobs, trainer), new JobTracking(tracking),
        registry, standIns.clients.s3(), settings, Clock.systemUTC())
        .withTrainingLogs(trainingLogs)
        .withTuning(new TuningTrials(jobs, new JobTracking(tracking), () -> client, settings, Clock.systemUTC()))
        .withTrialWatch(new TrialWatch(() -> client, trainingLogs));
  }

  /** Runs the job's training.asl.json to its end: the worker behind its Lambda tasks, SageMaker behind the rest. */
  ExecutionResult run(TrainingSettings settings, String id) {
    return run(settings, id, new TrainingWorkerHandler(worker(settings)));
  }

  /** {@link #run} with {@code handler} behind the Lambda tasks. */
  ExecutionResult run(TrainingSettings settings, String id, TrainingWorkerHandler handler) {
    LocalStateMachineRunner.Sleeper tick = (d, execution) -> sagemaker.tick();
    LocalStateMachineRunner children = LocalStateMachineRunner.builder()
        .task("arn:aws:states:::sagemaker:createTrainingJob.sync", SyncIntegrations.createTrainingJobSync(client))
        .sleeper(tick).entered(entered::add)
        .build();
    Map<String, AslDefinition> childMachines = Map.of(TrainingSettings.SAGEMAKER_TRAINING,
        AslDefinition.bundled("sagemaker-training", SAGEMAKER_PLACES));
    LocalStateMachineRunner runner = LocalStateMachineRunner.builder()
        .task("arn:aws:states:::lambda:invoke", (parameters, context) -> { // as Lambda calls the worker's handler
          var out = new java.io.ByteArrayOutputStream();
          handler.handleRequest(new java.io.ByteArrayInputStream(
              JSON.writeValueAsBytes(parameters.path("Payload"))), out);
          return JSON.createObjectNode().put("StatusCode", 200).set("Payload", JSON.readTree(out.toByteArray()));
        })
        .task("arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync",
            SyncIntegrations.createHyperParameterTuningJobSync(client))
        .task("arn:aws:states:::states:startExecution.sync:2", SyncIntegrations.startExecutionSync(childMachines,
            children))
        .sleeper(tick).entered(entered::add)
        .build();
    Map<String, String> places = new HashMap<>(settings.substitutions());
    places.putAll(SAGEMAKER_PLACES); // as the CDK app fills the workflow's tuning states
    return runner.run(AslDefinition.bundled("training", places),
        JsonNodeFactory.instance.objectNode().put("job_id", id), id);
  }

  /** Every CreateTrainingJob request for a training job of {@code job}. */
  List<JsonNode> requestsOf(String job) {
    return sagemaker.requests.stream().filter(r -> r.path("TrainingJobName").asText().startsWith(job + "-")).toList();
  }

  @Override
  public void close() {
    client.close();
    logsClient.close();
    logs.close();
    sagemaker.close();
    standIns.close();
  }
}
