package dev.pier.training.sagemaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
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
import dev.pier.training.jobs.JobState;
import dev.pier.training.jobs.Searches;
import dev.pier.training.jobs.TrainingJob;
import dev.pier.training.jobs.TrainingJobs;
import dev.pier.training.jobs.TrainingJobsTable;
import dev.pier.training.jobs.TrainingLauncher;
import dev.pier.training.jobs.TrainingSettings;
import dev.pier.training.jobs.TrainingWorker;
import dev.pier.training.jobs.TrainingWorkerHandler;
import dev.pier.training.jobs.TrialRecord;
import dev.pier.training.jobs.XGBoostModelTrainer;
import dev.pier.training.tracking.JobTracking;
import dev.pier.tracking.TrackingStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/**
 * The training workflow in AWS mode: training.asl.json on the local runner with its trials' folds and its refit run as
 * SageMaker training jobs — through sagemaker-training.asl.json as a {@code startExecution.sync:2} child, SageMaker's
 * {@code createTrainingJob.sync} by the real SDK against a stand-in that trains XGBoost from the channels in S3. The
 * same job run in the worker (local mode) is the reference: the CV and holdout scores must agree. In AWS mode the
 * Lambda tasks go through {@link TrainingWorkerHandler} as Lambda's runtime calls it (JSON in, JSON out).
 */
class SageMakerTrainingTest {
  private static final String IMAGE = SageMakerSettings.XGBOOST_US_EAST_1;
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private static final Map<String, String> SAGEMAKER_PLACES = Map.of("SageMakerRoleArn",
      "arn:aws:iam::000000000000:role/pier-sagemaker-training", "TrainingBucket", "data",
      "TrainingKmsKey", "arn:aws:kms:us-east-1:000000000000:key/k");

  @TempDir static Path work;
  static StandIns standIns;
  static SageMakerTrainingStandIn sagemaker;
  static SageMakerClient client;
  static LogsStandIn logs;
  static software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient logsClient;
  static TrainingJobsTable jobs;
  static Datasets datasets;
  static ModelRegistry registry;
  static TrainingSettings local;
  static TrainingSettings remote;
  static dev.pier.experiments.Experiments experiments;

  @BeforeAll
  static void start() throws Exception {
    standIns = new StandIns(work.resolve("aws"));
    var dynamo = standIns.clients.dynamoDb();
    standIns.clients.s3().createBucket(b -> b.bucket("data"));
    DynamoTables.createIfMissing(dynamo, "jobs", DynamoTables.SINGLE_TABLE, null);
    RegistryTable.createIfMissing(dynamo, "registry");
    dev.pier.experiments.store.ExperimentsTable.createIfMissing(dynamo, "experiments");
    ArtifactStore artifacts = new ArtifactStore(standIns.clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    registry = new ModelRegistry(dynamo, "registry", artifacts);
    experiments = new dev.pier.experiments.Experiments(new dev.pier.experiments.store.ExperimentStore(dynamo,
        "experiments"), new dev.pier.experiments.RegistryCatalog(registry), Clock.systemUTC());
    jobs = new TrainingJobsTable(dynamo, "jobs");
    datasets = new Datasets(new DatasetsTable(dynamo, "jobs"), standIns.clients.s3(),
        new DatasetFiles(standIns.clients.s3(), work.resolve("cache")), StandIns.ANY_S3, Clock.systemUTC());
    local = new TrainingSettings("data", "jobs", PriceTable.defaults(), Map.of(), 2, 1);
    remote = local.withSageMaker(new SageMakerSettings(IMAGE, 86_400));
    Random r = new Random(17);
    StringBuilder csv = new StringBuilder("a,b,c,y\n");
    for (int i = 0; i < 240; i++) {
      double a = r.nextDouble();
      double b = r.nextDouble();
      double c = r.nextGaussian();
      csv.append(String.format(Locale.ROOT, "%.5f,%.5f,%.5f,%d%n", a, b, c,
          a + 0.3 * c + 0.4 * r.nextGaussian() > 0.6 ? 1 : 0));
    }
    standIns.clients.s3().putObject(b -> b.bucket("data").key("sm/rows.csv"), RequestBody.fromString(csv.toString()));
    sagemaker = new SageMakerTrainingStandIn(standIns.clients.s3());
    sagemaker.trainingSeconds(100);
    client = SageMakerClient.builder().endpointOverride(sagemaker.endpoint()).region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    logs = new LogsStandIn();
    logsClient = software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient.builder()
        .endpointOverride(logs.endpoint()).region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    sagemaker.logTo(logsClient); // the containers' round lines, as SageMaker ships them to CloudWatch Logs
  }

  @AfterAll
  static void stop() {
    client.close();
    logsClient.close();
    logs.close();
    sagemaker.close();
    standIns.close();
  }

  private static TrainingJob submit(TrainingSettings settings, String name, String extra) throws Exception {
    return submit(settings, name, extra, body -> body);
  }

  private static TrainingJob submit(TrainingSettings settings, String name, String extra,
      java.util.function.UnaryOperator<String> edit) throws Exception {
    XGBoostModelTrainer trainer = new XGBoostModelTrainer(1);
    TrainingJobs api = new TrainingJobs(jobs, datasets, trainer, new TrainingLauncher() {
      @Override
      public void launch(TrainingJob job) {}

      @Override
      public void stop(String id) {}
    }, settings, new Searches(jobs, trainer), Clock.systemUTC())
        .withExperiments(new dev.pier.training.jobs.ExperimentsStarter(experiments));
    return api.submit(JSON.readTree(edit.apply("""
        {"name": "NAME", "project": "sm", "dataset": {"uri": "s3://data/sm/rows.csv", "label": "y"},
         "params": {"objective": "binary:logistic", "num_round": 6}, "metric": "auc",
         "split": {"holdout": 0.25}, "cv": {"folds": 3}, "seed": 7,
         "resources": {"instance_type": "ml.m5.xlarge", "instance_count": 2, "spot": true, "max_runtime": "1h"},
         "tuning": {"strategy": "random", "max_trials": 2, "parallel": 2,
                    "space": {"max_depth": {"type": "int", "low": 2, "high": 5},
                              "eta": {"type": "float", "low": 0.1, "high": 0.5}}}EXTRA}
        """.replace("NAME", name).replace("EXTRA", extra))));
  }

  /** Runs the job's training.asl.json to its end: the worker behind its Lambda tasks, SageMaker behind the rest. */
  private static ExecutionResult run(TrainingSettings settings, String id) {
    XGBoostModelTrainer trainer = new XGBoostModelTrainer(1);
    TrackingStore tracking = new TrackingStore(standIns.clients.dynamoDb(), "registry", "s3://data/mlflow");
    TrainingWorker worker = new TrainingWorker(jobs, datasets, trainer, new Searches(jobs, trainer),
        new JobTracking(tracking), registry, standIns.clients.s3(), settings, Clock.systemUTC())
        .withTrainingLogs(new TrainingLogs(() -> logsClient));
    return run(settings, id, new TrainingWorkerHandler(worker));
  }

  /** {@link #run} with {@code handler} behind the Lambda tasks. */
  private static ExecutionResult run(TrainingSettings settings, String id, TrainingWorkerHandler handler) {
    LocalStateMachineRunner children = LocalStateMachineRunner.builder()
        .task("arn:aws:states:::sagemaker:createTrainingJob.sync", SyncIntegrations.createTrainingJobSync(client))
        .build();
    LocalStateMachineRunner runner = LocalStateMachineRunner.builder()
        .task("arn:aws:states:::lambda:invoke", (parameters, context) -> { // as Lambda calls the worker's handler
          var out = new java.io.ByteArrayOutputStream();
          handler.handleRequest(new java.io.ByteArrayInputStream(
              JSON.writeValueAsBytes(parameters.path("Payload"))), out);
          return JSON.createObjectNode().put("StatusCode", 200).set("Payload", JSON.readTree(out.toByteArray()));
        })
        .task("arn:aws:states:::states:startExecution.sync:2", SyncIntegrations.startExecutionSync(
            Map.of(TrainingSettings.SAGEMAKER_TRAINING, AslDefinition.bundled("sagemaker-training", SAGEMAKER_PLACES)),
            children))
        .build();
    return runner.run(AslDefinition.bundled("training", settings.substitutions()),
        JsonNodeFactory.instance.objectNode().put("job_id", id), id);
  }

  private static List<JsonNode> requestsOf(String job) {
    return sagemaker.requests.stream().filter(r -> r.path("TrainingJobName").asText().startsWith(job + "-")).toList();
  }

  @Test
  void trialsAndTheRefitTrainOnSageMakerAndScoreAsTheWorkerDoes() throws Exception {
    TrainingJob reference = submit(local, "sm-reference", "");
    assertThat(run(local, reference.id()).status()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    TrainingJob job = submit(remote, "sm-job", ", \"register\": {\"model\": \"sm-model\", \"alias\": \"prod\"}");
    ExecutionResult result = run(remote, job.id());
    assertThat(result.status()).as(result.error() + ": " + result.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);

    TrainingJob want = jobs.require(reference.id());
    TrainingJob done = jobs.require(job.id());
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.trials().succeeded()).isEqualTo(2);
    List<TrialRecord> trials = jobs.trials(job.id());
    List<TrialRecord> expected = jobs.trials(reference.id());
    for (int t = 0; t < 2; t++) { // the same params (the search is seeded), the same folds, the same XGBoost
      assertThat(trials.get(t).params()).isEqualTo(expected.get(t).params());
      assertThat(trials.get(t).cvMean()).isCloseTo(expected.get(t).cvMean(), within(1e-6));
      assertThat(trials.get(t).cvStd()).isCloseTo(expected.get(t).cvStd(), within(1e-6));
      for (int f = 0; f < 3; f++) {
        assertThat(trials.get(t).folds().get(f)).isCloseTo(expected.get(t).folds().get(f), within(1e-6));
      }
    }
    assertThat(done.best().trial()).isEqualTo(want.best().trial());
    assertThat(done.refit().holdoutScore()).isCloseTo(want.refit().holdoutScore(), within(1e-6));

    // what SageMaker was asked: 2 trials × 3 folds and the refit, managed spot with checkpoints, KMS, sharded input
    List<JsonNode> asked = requestsOf(job.id());
    assertThat(asked).hasSize(7);
    for (JsonNode r : asked) {
      String name = r.path("TrainingJobName").asText();
      assertThat(r.path("AlgorithmSpecification").path("TrainingImage").asText()).isEqualTo(IMAGE);
      assertThat(r.path("EnableManagedSpotTraining").asBoolean()).isTrue();
      // at most what is left of the job's max_runtime (1h), its wait for spot capacity included
      int runtime = r.path("StoppingCondition").path("MaxRuntimeInSeconds").asInt();
      assertThat(runtime).isBetween(3000, 3600);
      assertThat(r.path("StoppingCondition").path("MaxWaitTimeInSeconds").asInt()).isEqualTo(runtime);
      assertThat(r.path("CheckpointConfig").path("S3Uri").asText())
          .isEqualTo("s3://data/training/checkpoints/" + job.id() + "/" + name + "/");
      assertThat(r.path("OutputDataConfig").path("KmsKeyId").asText()).endsWith(":key/k");
      assertThat(r.path("ResourceConfig").path("InstanceCount").asInt()).isEqualTo(2);
      assertThat(r.path("HyperParameters").path("eval_metric").asText()).isEqualTo("auc");
      assertThat(r.path("HyperParameters").path("seed").asText()).isEqualTo("7");
      JsonNode train = r.path("InputDataConfig").get(0);
      assertThat(train.path("ChannelName").asText()).isEqualTo("train");
      assertThat(train.path("DataSource").path("S3DataSource").path("S3DataDistributionType").asText())
          .isEqualTo("ShardedByS3Key");
      String prefix = train.path("DataSource").path("S3DataSource").path("S3Uri").asText().substring("s3://data/".length());
      assertThat(standIns.clients.s3().listObjectsV2(b -> b.bucket("data").prefix(prefix)).contents()).hasSize(2);
    }
    JsonNode refit = asked.stream().filter(r -> r.path("TrainingJobName").asText().contains("-refit-")).findFirst()
        .orElseThrow();
    assertThat(refit.path("HyperParameters").path("num_round").asText())
        .isEqualTo(Integer.toString(done.best().rounds()));
    assertThat(refit.path("InputDataConfig").get(1).path("DataSource").path("S3DataSource").path("S3Uri").asText())
        .isEqualTo("s3://data/training/" + job.id() + "/channels/refit/validation/");

    // the model out of SageMaker's model.tar.gz, registered with its lineage
    var version = registry.version("sm-model", done.registered().version());
    assertThat(version.artifact().sha256()).isEqualTo(done.refit().sha256());
    assertThat(version.provenance().runId()).isEqualTo(done.refit().runId());

    // cost from BillableTimeInSeconds: each of the 7 jobs trained 100 s and was billed 30 s (spot)
    var cost = done.cost();
    PriceTable prices = PriceTable.defaults();
    assertThat(cost.instanceSeconds()).isEqualTo(7 * 30.0);
    assertThat(cost.computeUsd()).isCloseTo(prices.compute("ml.m5.xlarge", 2, false, 7 * 30), within(2e-6));
    assertThat(cost.spotSavingsUsd()).isCloseTo(prices.compute("ml.m5.xlarge", 2, false, 7 * 70), within(2e-6));
    assertThat(trials.get(0).seconds()).isEqualTo(3 * 30.0);
  }

  /**
   * The workflow's experiment step in the worker Lambda: a handler wired from the worker's environment (with
   * {@code PIER_EXPERIMENTS_TABLE}, as the CDK app sets it) starts an experiment between the alias's version and the
   * new one.
   */
  @Test
  void theExperimentStepStartsAnExperimentInTheWorkerLambda() throws Exception {
    TrainingWorkerHandler lambda = new TrainingWorkerHandler(TrainingWorkerHandler.fromEnvironment(Map.of(
        "PIER_JOBS_TABLE", "jobs", "PIER_TRAINING_BUCKET", "data", "PIER_REGISTRY_TABLE", "registry",
        "PIER_ARTIFACTS_BUCKET", "artifacts", "PIER_SAGEMAKER_XGBOOST_IMAGE", IMAGE,
        "PIER_EXPERIMENTS_TABLE", "experiments", "PIER_LOGS_ENDPOINT", logs.endpoint().toString()),
        standIns.clients, null));
    TrainingJob first = submit(remote, "sm-exp-first", ", \"register\": {\"model\": \"sm-exp\", \"alias\": \"production\"}");
    ExecutionResult firstRun = run(remote, first.id(), lambda);
    assertThat(firstRun.status()).as(firstRun.error() + ": " + firstRun.cause())
        .isEqualTo(ExecutionResult.Status.SUCCEEDED);
    TrainingJob job = submit(remote, "sm-exp", """
        , "register": {"model": "sm-exp", "experiment": {"alias": "production", "weight": 0.3, "unit": "user",
          "metrics": {"primary": {"name": "conversion", "type": "binary"}},
          "design": {"alpha": 0.05, "power": 0.8, "mde": 0.1, "baseline": 0.1}}}""");
    ExecutionResult result = run(remote, job.id(), lambda);
    assertThat(result.status()).as(result.error() + ": " + result.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);

    TrainingJob done = jobs.require(job.id());
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    var started = done.registered().experiment();
    assertThat(started.id()).isNotNull();
    assertThat(started.control()).isEqualTo(jobs.require(first.id()).registered().version());
    var made = experiments.list("sm-exp", null, null);
    assertThat(made).singleElement().satisfies(e -> {
      assertThat(e.id()).isEqualTo(started.id());
      assertThat(e.state()).isEqualTo(dev.pier.experiments.ExperimentState.RUNNING);
      assertThat(e.definition().alias()).isEqualTo("production");
      assertThat(e.definition().arms()).extracting(dev.pier.experiments.Arm::name, dev.pier.experiments.Arm::version,
          dev.pier.experiments.Arm::weight).containsExactly(
              org.assertj.core.groups.Tuple.tuple("control", started.control(), 0.7),
              org.assertj.core.groups.Tuple.tuple("treatment", done.registered().version(), 0.3));
    });
  }

  /**
   * A SageMaker trial's per-round history, read back from its folds' training logs in CloudWatch Logs (through the
   * real SDK, every FilterLogEvents page), is the history the same trial records in the worker, round by round, and
   * its best round (early stopping on) the one the worker finds; the refit trains to it. A trial one of whose folds
   * wrote no log stream still succeeds, records no history and says why.
   */
  @Test
  void aSageMakerTrialRecordsItsHistoryByRoundAsTheWorkerDoes() throws Exception {
    java.util.function.UnaryOperator<String> edit = body -> body
        .replace("\"num_round\": 6", "\"num_round\": 14, \"early_stopping_rounds\": 50")
        .replace("\"max_trials\": 2, \"parallel\": 2", "\"max_trials\": 1, \"parallel\": 1");
    TrainingJob reference = submit(local, "sm-history-reference", "", edit);
    assertThat(run(local, reference.id()).status()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    TrainingJob job = submit(remote, "sm-history", "", edit);
    int filtered = logs.filterCalls.get();
    ExecutionResult result = run(remote, job.id());
    assertThat(result.status()).as(result.error() + ": " + result.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    assertThat(logs.filterCalls.get() - filtered).as("14 rounds, 7 events a page: 3 pages a fold")
        .isEqualTo(3 * 3);

    TrackingStore tracking = new TrackingStore(standIns.clients.dynamoDb(), "registry", "s3://data/mlflow");
    TrialRecord want = jobs.trials(reference.id()).get(0);
    TrialRecord got = jobs.trials(job.id()).get(0);
    assertThat(got.params()).isEqualTo(want.params());
    assertThat(want.history()).hasSize(14);
    List<dev.pier.tracking.Metric> inWorker = tracking.metricHistory(want.runId(), "cv_auc_by_round");
    List<dev.pier.tracking.Metric> onSageMaker = tracking.metricHistory(got.runId(), "cv_auc_by_round");
    assertThat(onSageMaker).hasSize(14).hasSameSizeAs(inWorker);
    for (int step = 0; step < inWorker.size(); step++) {
      assertThat(onSageMaker.get(step).step()).isEqualTo(step);
      assertThat(onSageMaker.get(step).value()).as("round " + step)
          .isCloseTo(inWorker.get(step).value(), within(1e-6));
      assertThat(got.history().get(step)).isCloseTo(want.history().get(step), within(1e-6));
    }
    for (int f = 1; f <= 3; f++) { // and each fold's own history
      assertThat(tracking.metricHistory(got.runId(), "cv_auc_fold_" + f + "_by_round")).hasSize(14);
    }
    assertThat(got.bestRound()).isEqualTo(want.bestRound()).isLessThan(13); // early stopping found an earlier round
    // and the trial is scored at that round, as in the worker (not at the last round SageMaker reported)
    assertThat(got.cvMean()).isCloseTo(want.cvMean(), within(1e-6));
    for (int f = 0; f < 3; f++) {
      assertThat(got.folds().get(f)).isCloseTo(want.folds().get(f), within(1e-6));
    }
    System.out.println("SageMaker trial history: best round " + got.bestRound() + " of 14 (local "
        + want.bestRound() + ")");
    assertThat(tracking.run(got.runId()).metrics()).filteredOn(m -> m.key().equals("best_round"))
        .singleElement().satisfies(m -> assertThat(m.value()).isEqualTo((double) want.bestRound()));
    TrainingJob done = jobs.require(job.id());
    assertThat(done.best().rounds()).isEqualTo(jobs.require(reference.id()).best().rounds())
        .isEqualTo(want.bestRound() + 1);
    JsonNode refit = requestsOf(job.id()).stream().filter(r -> r.path("TrainingJobName").asText().contains("-refit-"))
        .findFirst().orElseThrow();
    assertThat(refit.path("HyperParameters").path("num_round").asText()).isEqualTo(Integer.toString(want.bestRound() + 1));

    // a fold whose log stream is missing: the trial succeeds without history, and its run says why
    TrainingJob unlogged = submit(remote, "sm-unlogged", "", edit);
    sagemaker.noLogsWhen(r -> r.path("TrainingJobName").asText().startsWith(unlogged.id() + "-t")
        && r.path("TrainingJobName").asText().contains("-f2-"));
    ExecutionResult second = run(remote, unlogged.id());
    assertThat(second.status()).as(second.error() + ": " + second.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    TrialRecord bare = jobs.trials(unlogged.id()).get(0);
    assertThat(bare.state()).isEqualTo("SUCCEEDED");
    assertThat(bare.history()).isNull();
    assertThat(bare.bestRound()).isEqualTo(13);
    assertThat(tracking.metricHistory(bare.runId(), "cv_auc_by_round")).isEmpty();
    assertThat(tracking.run(bare.runId()).tags().get("pier.history"))
        .startsWith("not recorded: training job " + unlogged.id() + "-t").contains("-f2-")
        .endsWith(" has no log stream in /aws/sagemaker/TrainingJobs");
  }

  @Test
  void aScriptJobWithoutAnImageIsA400BeforeAnythingRuns() {
    assertThatThrownBy(() -> submit(remote, "sm-script", ", \"algorithm\": \"script\","
        + " \"script\": {\"command\": [\"python3\", \"train.py\"], \"framework\": \"onnx\","
        + " \"metric_definitions\": [{\"name\": \"auc\", \"regex\": \"auc=([0-9.]+)\"}]}"))
        .isInstanceOf(dev.pier.kernel.PierException.class).hasMessageContaining("script.image is required")
        .satisfies(e -> assertThat(((dev.pier.kernel.PierException) e).status()).isEqualTo(400));
  }

  @Test
  void aFailedFoldFailsItsTrialWithSageMakersReasonAndTheSearchGoesOn() throws Exception {
    TrainingJob job = submit(remote, "sm-failing-trial", "");
    sagemaker.failWhen(r -> r.path("TrainingJobName").asText().startsWith(job.id() + "-t1-f2-"),
        "the algorithm ran out of memory");
    ExecutionResult result = run(remote, job.id());
    assertThat(result.status()).as(result.error() + ": " + result.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    TrainingJob done = jobs.require(job.id());
    assertThat(done.trials().succeeded()).isEqualTo(1);
    assertThat(done.trials().failed()).isEqualTo(1);
    TrialRecord failed = jobs.trial(job.id(), 1).orElseThrow();
    assertThat(failed.state()).isEqualTo("FAILED");
    assertThat(failed.error()).contains("AlgorithmError: the algorithm ran out of memory");
    assertThat(done.best().trial()).isZero();
  }

  @Test
  void aFailedRefitFailsTheJobWithTheReasonAndRegistersNothing() throws Exception {
    TrainingJob job = submit(remote, "sm-failing-refit", ", \"register\": {\"model\": \"sm-never\"}");
    sagemaker.failWhen(r -> r.path("TrainingJobName").asText().startsWith(job.id() + "-refit-"),
        "the refit's instance was lost");
    ExecutionResult result = run(remote, job.id());
    assertThat(result.status()).isEqualTo(ExecutionResult.Status.FAILED);
    TrainingJob done = jobs.require(job.id());
    assertThat(done.state()).isEqualTo(JobState.FAILED);
    assertThat(done.error()).startsWith("the refit failed").contains("the refit's instance was lost");
    assertThat(done.registered()).isNull();
    assertThat(registry.models(null, 100).items().stream().map(m -> m.name())).doesNotContain("sm-never");
  }

  @Test
  void maxCostUsdStopsTheSearchOnSageMakerAfterTheBatchThatPassedIt() throws Exception {
    // each trial bills 3 folds × 2 instances × 30 s of ml.m5.xlarge (about $0.012): the first batch passes $0.005
    TrainingJob job = submit(remote, "sm-max-cost", "", body -> body
        .replace("\"max_runtime\": \"1h\"}", "\"max_runtime\": \"1h\", \"max_cost_usd\": 0.005}")
        .replace("\"max_trials\": 2", "\"max_trials\": 6"));
    ExecutionResult result = run(remote, job.id());
    assertThat(result.status()).isEqualTo(ExecutionResult.Status.FAILED);
    TrainingJob done = jobs.require(job.id());
    assertThat(done.state()).isEqualTo(JobState.FAILED);
    assertThat(done.stopReason()).isEqualTo("max_cost_usd");
    assertThat(done.error()).isEqualTo("stopped: max_cost_usd exceeded");
    assertThat(done.trials().total()).isEqualTo(2);
    assertThat(done.cost().totalUsd()).isGreaterThan(0.005);
    assertThat(requestsOf(job.id())).hasSize(6); // one batch of 2 trials × 3 folds; no refit
  }

  @Test
  void maxRuntimeBoundsEachSageMakerJobByWhatIsLeftAndStopsTheJobOncePassed() throws Exception {
    // 50 minutes of the hour gone: every training job SageMaker is asked for may run (and wait) 10 minutes at most
    TrainingJob late = submit(remote, "sm-runtime-left", "");
    jobs.update(late.id(), j -> j.with(b -> {
      b.startedAt = java.time.Instant.now().minusSeconds(3000);
      return b;
    }), false);
    ExecutionResult result = run(remote, late.id());
    assertThat(result.status()).as(result.error() + ": " + result.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    assertThat(requestsOf(late.id())).hasSize(7).allSatisfy(r -> {
      int runtime = r.path("StoppingCondition").path("MaxRuntimeInSeconds").asInt();
      assertThat(runtime).isBetween(500, 600);
      assertThat(r.path("StoppingCondition").path("MaxWaitTimeInSeconds").asInt()).isEqualTo(runtime);
    });

    // the hour gone: the search stops before its first trial, TIMED_OUT with the reason
    TrainingJob over = submit(remote, "sm-runtime-over", "");
    jobs.update(over.id(), j -> j.with(b -> {
      b.startedAt = java.time.Instant.now().minusSeconds(3700);
      return b;
    }), false);
    result = run(remote, over.id());
    assertThat(result.status()).isEqualTo(ExecutionResult.Status.FAILED);
    TrainingJob done = jobs.require(over.id());
    assertThat(done.state()).isEqualTo(JobState.TIMED_OUT);
    assertThat(done.stopReason()).isEqualTo("max_runtime");
    assertThat(done.trials().total()).isZero();
    assertThat(requestsOf(over.id())).isEmpty();
  }
}
