package dev.pier.training.sagemaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.statemachines.LocalStateMachineRunner.ExecutionResult;
import dev.pier.training.cost.PriceTable;
import dev.pier.training.jobs.JobState;
import dev.pier.training.jobs.TrainingJob;
import dev.pier.training.jobs.TrainingJobs;
import dev.pier.training.jobs.TrainingSettings;
import dev.pier.training.jobs.TrainingWorkerHandler;
import dev.pier.training.jobs.TrialRecord;
import dev.pier.tracking.TrackingStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training workflow in AWS mode: training.asl.json on the local runner with its trials' folds and its refit run as
 * SageMaker training jobs — through sagemaker-training.asl.json as a {@code startExecution.sync:2} child, SageMaker's
 * {@code createTrainingJob.sync} by the real SDK against a stand-in that trains XGBoost from the channels in S3. The
 * same job run in the worker (local mode) is the reference: the CV and holdout scores must agree. In AWS mode the
 * Lambda tasks go through {@link TrainingWorkerHandler} as Lambda's runtime calls it (JSON in, JSON out).
 */
class SageMakerTrainingTest {
  private static final String IMAGE = SageMakerFixture.IMAGE;
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = SageMakerFixture.JSON;

  @TempDir static Path work;
  static SageMakerFixture fx;

  @BeforeAll
  static void start() throws Exception {
    fx = new SageMakerFixture(work);
    fx.rows("sm/rows.csv", 17, 240);
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  private static TrainingJob submit(TrainingSettings settings, String name, String extra) throws Exception {
    return submit(settings, name, extra, body -> body);
  }

  private static TrainingJob submit(TrainingSettings settings, String name, String extra,
      java.util.function.UnaryOperator<String> edit) throws Exception {
    return fx.submit(settings, edit.apply("""
        {"name": "NAME", "project": "sm", "dataset": {"uri": "s3://data/sm/rows.csv", "label": "y"},
         "params": {"objective": "binary:logistic", "num_round": 6}, "metric": "auc",
         "split": {"holdout": 0.25}, "cv": {"folds": 3}, "seed": 7,
         "resources": {"instance_type": "ml.m5.xlarge", "instance_count": 2, "spot": true, "max_runtime": "1h"},
         "tuning": {"strategy": "random", "max_trials": 2, "parallel": 2,
                    "space": {"max_depth": {"type": "int", "low": 2, "high": 5},
                              "eta": {"type": "float", "low": 0.1, "high": 0.5}}}EXTRA}
        """.replace("NAME", name).replace("EXTRA", extra)));
  }

  private static ExecutionResult run(TrainingSettings settings, String id) {
    return fx.run(settings, id);
  }

  private static ExecutionResult run(TrainingSettings settings, String id, TrainingWorkerHandler handler) {
    return fx.run(settings, id, handler);
  }

  private static List<JsonNode> requestsOf(String job) {
    return fx.requestsOf(job);
  }

  @Test
  void trialsAndTheRefitTrainOnSageMakerAndScoreAsTheWorkerDoes() throws Exception {
    TrainingJob reference = submit(fx.local, "sm-reference", "");
    fx.entered.clear();
    assertThat(run(fx.local, reference.id()).status()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    int inWorker = fx.entered.size();
    TrainingJob job = submit(fx.remote, "sm-job", ", \"register\": {\"model\": \"sm-model\", \"alias\": \"prod\"}");
    fx.entered.clear();
    ExecutionResult result = run(fx.remote, job.id());
    assertThat(result.status()).as(result.error() + ": " + result.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    int onSageMaker = fx.entered.size();

    TrainingJob want = fx.jobs.require(reference.id());
    TrainingJob done = fx.jobs.require(job.id());
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.trials().succeeded()).isEqualTo(2);
    List<TrialRecord> trials = fx.jobs.trials(job.id());
    List<TrialRecord> expected = fx.jobs.trials(reference.id());
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
      assertThat(fx.standIns.clients.s3().listObjectsV2(b -> b.bucket("data").prefix(prefix)).contents()).hasSize(2);
    }
    JsonNode refit = asked.stream().filter(r -> r.path("TrainingJobName").asText().contains("-refit-")).findFirst()
        .orElseThrow();
    assertThat(refit.path("HyperParameters").path("num_round").asText())
        .isEqualTo(Integer.toString(done.best().rounds()));
    assertThat(refit.path("InputDataConfig").get(1).path("DataSource").path("S3DataSource").path("S3Uri").asText())
        .isEqualTo("s3://data/training/" + job.id() + "/channels/refit/validation/");

    // the model out of SageMaker's model.tar.gz, registered with its lineage
    var version = fx.registry.version("sm-model", done.registered().version());
    assertThat(version.artifact().sha256()).isEqualTo(done.refit().sha256());
    assertThat(version.provenance().runId()).isEqualTo(done.refit().runId());

    // cost from BillableTimeInSeconds: each of the 7 fx.jobs trained 100 s and was billed 30 s (spot)
    var cost = done.cost();
    PriceTable prices = PriceTable.defaults();
    assertThat(cost.instanceSeconds()).isEqualTo(7 * 30.0);
    assertThat(cost.computeUsd()).isCloseTo(prices.compute("ml.m5.xlarge", 2, false, 7 * 30), within(2e-6));
    assertThat(cost.spotSavingsUsd()).isCloseTo(prices.compute("ml.m5.xlarge", 2, false, 7 * 70), within(2e-6));
    assertThat(trials.get(0).seconds()).isEqualTo(3 * 30.0);

    // state transitions: the states each run entered, the SageMaker children's included
    assertThat(Math.round(cost.stepFunctionsUsd() / prices.perTransition())).isEqualTo(onSageMaker);
    assertThat(Math.round(want.cost().stepFunctionsUsd() / prices.perTransition())).isEqualTo(inWorker);
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
        "PIER_EXPERIMENTS_TABLE", "experiments", "PIER_LOGS_ENDPOINT", fx.logs.endpoint().toString()),
        fx.standIns.clients, null));
    TrainingJob first = submit(fx.remote, "sm-exp-first", ", \"register\": {\"model\": \"sm-exp\", \"alias\": \"production\"}");
    ExecutionResult firstRun = run(fx.remote, first.id(), lambda);
    assertThat(firstRun.status()).as(firstRun.error() + ": " + firstRun.cause())
        .isEqualTo(ExecutionResult.Status.SUCCEEDED);
    TrainingJob job = submit(fx.remote, "sm-exp", """
        , "register": {"model": "sm-exp", "experiment": {"alias": "production", "weight": 0.3, "unit": "user",
          "metrics": {"primary": {"name": "conversion", "type": "binary"}},
          "design": {"alpha": 0.05, "power": 0.8, "mde": 0.1, "baseline": 0.1}}}""");
    ExecutionResult result = run(fx.remote, job.id(), lambda);
    assertThat(result.status()).as(result.error() + ": " + result.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);

    TrainingJob done = fx.jobs.require(job.id());
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    var started = done.registered().experiment();
    assertThat(started.id()).isNotNull();
    assertThat(started.control()).isEqualTo(fx.jobs.require(first.id()).registered().version());
    var made = fx.experiments.list("sm-exp", null, null);
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
   * A SageMaker trial's per-round history, read back from its folds' training fx.logs in CloudWatch Logs (through the
   * real SDK, every FilterLogEvents page), is the history the same trial records in the worker, round by round, and
   * its best round (early stopping on) the one the worker finds; the refit trains to it. A trial one of whose folds
   * wrote no log stream still succeeds, records no history and says why.
   */
  @Test
  void aSageMakerTrialRecordsItsHistoryByRoundAsTheWorkerDoes() throws Exception {
    java.util.function.UnaryOperator<String> edit = body -> body
        .replace("\"num_round\": 6", "\"num_round\": 14, \"early_stopping_rounds\": 50")
        .replace("\"max_trials\": 2, \"parallel\": 2", "\"max_trials\": 1, \"parallel\": 1");
    TrainingJob reference = submit(fx.local, "sm-history-reference", "", edit);
    assertThat(run(fx.local, reference.id()).status()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    TrainingJob job = submit(fx.remote, "sm-history", "", edit);
    int filtered = fx.logs.filterCalls.get();
    ExecutionResult result = run(fx.remote, job.id());
    assertThat(result.status()).as(result.error() + ": " + result.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    assertThat(fx.logs.filterCalls.get() - filtered).as("14 rounds, 7 events a page: 3 pages a fold")
        .isEqualTo(3 * 3);

    TrackingStore tracking = fx.tracking;
    TrialRecord want = fx.jobs.trials(reference.id()).get(0);
    TrialRecord got = fx.jobs.trials(job.id()).get(0);
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
    TrainingJob done = fx.jobs.require(job.id());
    assertThat(done.best().rounds()).isEqualTo(fx.jobs.require(reference.id()).best().rounds())
        .isEqualTo(want.bestRound() + 1);
    JsonNode refit = requestsOf(job.id()).stream().filter(r -> r.path("TrainingJobName").asText().contains("-refit-"))
        .findFirst().orElseThrow();
    assertThat(refit.path("HyperParameters").path("num_round").asText()).isEqualTo(Integer.toString(want.bestRound() + 1));

    // a fold whose log stream is missing: the trial succeeds without history, and its run says why
    TrainingJob unlogged = submit(fx.remote, "sm-unlogged", "", edit);
    fx.sagemaker.noLogsWhen(r -> r.path("TrainingJobName").asText().startsWith(unlogged.id() + "-t")
        && r.path("TrainingJobName").asText().contains("-f2-"));
    ExecutionResult second = run(fx.remote, unlogged.id());
    assertThat(second.status()).as(second.error() + ": " + second.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    TrialRecord bare = fx.jobs.trials(unlogged.id()).get(0);
    assertThat(bare.state()).isEqualTo("SUCCEEDED");
    assertThat(bare.history()).isNull();
    assertThat(bare.bestRound()).isEqualTo(13);
    assertThat(tracking.metricHistory(bare.runId(), "cv_auc_by_round")).isEmpty();
    assertThat(tracking.run(bare.runId()).tags().get("pier.history"))
        .startsWith("not recorded: training job " + unlogged.id() + "-t").contains("-f2-")
        .endsWith(" has no log stream in /aws/sagemaker/TrainingJobs");
  }

  /**
   * A search with a pruner watches its SageMaker trials while they train (the stand-in shows one more round per poll
   * of the watch loop, as a job logs over time): each round the folds' logs add is read on from the last one and the
   * folds' mean handed to the pruner, and a poor trial (min_child_weight 1000: no split, AUC 0.5 every round) is
   * stopped on SageMaker and recorded PRUNED at the round, and with the history, the same search prunes it in the
   * worker; the good trial is watched to its end and scored as in the worker.
   */
  @Test
  void aPoorSageMakerTrialIsPrunedWhileItTrainsAtTheRoundTheWorkerPrunesIt() throws Exception {
    java.util.function.UnaryOperator<String> edit = body -> body.replace("\"num_round\": 6", "\"num_round\": 8")
        .replaceAll("(?s)\"tuning\": \\{.*", java.util.regex.Matcher.quoteReplacement("""
            "tuning": {"strategy": "grid", "max_trials": 2, "parallel": 1, "pruner": "successive_halving",
                       "space": {"min_child_weight": {"type": "categorical", "choices": [1, 1000]}}}}"""));
    TrainingJob reference = submit(fx.local, "sm-pruned-reference", "", edit);
    assertThat(run(fx.local, reference.id()).status()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    List<TrialRecord> want = fx.jobs.trials(reference.id());
    assertThat(want.get(0).params()).as("the grid's order (seeded)").containsEntry("min_child_weight", 1);
    assertThat(want.get(1).state()).as("the worker prunes the poor trial").isEqualTo("PRUNED");
    assertThat(want.get(1).history()).hasSizeLessThan(8);

    TrainingJob job = submit(fx.remote, "sm-pruned", "", edit);
    int readOn = fx.logs.fromCalls.get();
    int filtered = fx.logs.filterCalls.get();
    fx.entered.clear();
    fx.sagemaker.paceRounds(name -> name.startsWith(job.id() + "-t")); // the trials' folds; the refit as before
    ExecutionResult result;
    try {
      result = run(fx.remote, job.id());
    } finally {
      fx.sagemaker.paceRounds(name -> false);
    }
    assertThat(result.status()).as(result.error() + ": " + result.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    List<TrialRecord> got = fx.jobs.trials(job.id());

    // the good trial: watched to its last round, scored and its history recorded as in the worker
    TrialRecord good = got.get(0);
    assertThat(good.params()).isEqualTo(want.get(0).params());
    assertThat(good.state()).isEqualTo("SUCCEEDED");
    assertThat(good.cvMean()).isCloseTo(want.get(0).cvMean(), within(1e-6));
    assertThat(good.history()).hasSize(8);

    // the poor one: pruned at the worker's round with the worker's history, its training jobs stopped on SageMaker
    TrialRecord pruned = got.get(1);
    assertThat(pruned.params()).isEqualTo(want.get(1).params());
    assertThat(pruned.state()).isEqualTo("PRUNED");
    assertThat(pruned.error()).isEqualTo(want.get(1).error());
    assertThat(pruned.history()).hasSameSizeAs(want.get(1).history());
    for (int step = 0; step < pruned.history().size(); step++) {
      assertThat(pruned.history().get(step)).as("round " + step).isCloseTo(want.get(1).history().get(step),
          within(1e-6));
    }
    List<String> folds = fx.requestsOf(job.id()).stream().map(r -> r.path("TrainingJobName").asText())
        .filter(n -> n.startsWith(job.id() + "-t1-")).toList();
    assertThat(folds).hasSize(3);
    // each fold still training was stopped (on a loaded machine one fold may have finished first: it stays Completed)
    List<String> stopped = folds.stream().filter(f -> fx.client.describeTrainingJob(b -> b.trainingJobName(f))
        .trainingJobStatusAsString().equals("Stopped")).toList();
    assertThat(stopped).isNotEmpty();
    assertThat(fx.sagemaker.stops).containsAll(stopped);
    for (String fold : folds) {
      var d = fx.client.describeTrainingJob(b -> b.trainingJobName(fold));
      assertThat(d.trainingJobStatusAsString()).isIn("Stopped", "Completed");
      if (stopped.contains(fold)) {
        assertThat(d.trainingTimeInSeconds()).as("stopped before its last round").isLessThan(100);
      }
    }
    assertThat(pruned.seconds()).isPositive().isLessThan(good.seconds()); // billed for the rounds it trained
    assertThat(fx.tracking.run(pruned.runId()).status()).isEqualTo("KILLED");
    assertThat(fx.logs.fromCalls.get() - readOn).as("polls read on from the last event read").isPositive();
    // a poll again (a retried or restarted watch): the trial is answered as recorded; its stopped jobs stop no more
    var position = TrialWatch.start(folds);
    JsonNode again = fx.worker(fx.remote).handle(JSON.createObjectNode().put("action", "trial_watch")
        .put("job_id", job.id()).put("trial", 1).set("position", position));
    assertThat(again.path("done").asBoolean()).isTrue();
    assertThat(again.path("state").asText()).isEqualTo("PRUNED");
    int stops = fx.sagemaker.stops.size();
    new TrialWatch(() -> fx.client, new TrainingLogs(() -> fx.logsClient)).stop(position);
    assertThat(fx.sagemaker.stops).hasSize(stops);
    assertThat(fx.jobs.trial(job.id(), 1).orElseThrow()).isEqualTo(pruned);
    long polls = fx.entered.stream().filter("Watch"::equals).count();
    System.out.println("watched SageMaker trials: " + polls + " polls, " + (fx.logs.filterCalls.get() - filtered)
        + " FilterLogEvents calls (3 folds), trial 1 " + pruned.error() + " of 8 rounds");

    TrainingJob done = fx.jobs.require(job.id());
    assertThat(done.trials().succeeded()).isEqualTo(1);
    assertThat(done.trials().pruned()).isEqualTo(1);
    assertThat(done.best().trial()).isZero();
    assertThat(done.refit()).isNotNull();
  }

  @Test
  void aScriptJobWithoutAnImageIsA400BeforeAnythingRuns() {
    assertThatThrownBy(() -> submit(fx.remote, "sm-script", ", \"algorithm\": \"script\","
        + " \"script\": {\"command\": [\"python3\", \"train.py\"], \"framework\": \"onnx\","
        + " \"metric_definitions\": [{\"name\": \"auc\", \"regex\": \"auc=([0-9.]+)\"}]}"))
        .isInstanceOf(dev.pier.kernel.PierException.class).hasMessageContaining("script.image is required")
        .satisfies(e -> assertThat(((dev.pier.kernel.PierException) e).status()).isEqualTo(400));
  }

  @Test
  void aFailedFoldFailsItsTrialWithSageMakersReasonAndTheSearchGoesOn() throws Exception {
    TrainingJob job = submit(fx.remote, "sm-failing-trial", "");
    fx.sagemaker.failWhen(r -> r.path("TrainingJobName").asText().startsWith(job.id() + "-t1-f2-"),
        "the algorithm ran out of memory");
    ExecutionResult result = run(fx.remote, job.id());
    assertThat(result.status()).as(result.error() + ": " + result.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    TrainingJob done = fx.jobs.require(job.id());
    assertThat(done.trials().succeeded()).isEqualTo(1);
    assertThat(done.trials().failed()).isEqualTo(1);
    TrialRecord failed = fx.jobs.trial(job.id(), 1).orElseThrow();
    assertThat(failed.state()).isEqualTo("FAILED");
    assertThat(failed.error()).contains("AlgorithmError: the algorithm ran out of memory");
    assertThat(done.best().trial()).isZero();
  }

  @Test
  void aFailedRefitFailsTheJobWithTheReasonAndRegistersNothing() throws Exception {
    TrainingJob job = submit(fx.remote, "sm-failing-refit", ", \"register\": {\"model\": \"sm-never\"}");
    fx.sagemaker.failWhen(r -> r.path("TrainingJobName").asText().startsWith(job.id() + "-refit-"),
        "the refit's instance was lost");
    ExecutionResult result = run(fx.remote, job.id());
    assertThat(result.status()).isEqualTo(ExecutionResult.Status.FAILED);
    TrainingJob done = fx.jobs.require(job.id());
    assertThat(done.state()).isEqualTo(JobState.FAILED);
    assertThat(done.error()).startsWith("the refit failed").contains("the refit's instance was lost");
    assertThat(done.registered()).isNull();
    assertThat(fx.registry.models(null, 100).items().stream().map(m -> m.name())).doesNotContain("sm-never");
  }

  @Test
  void maxCostUsdStopsTheSearchOnSageMakerAfterTheBatchThatPassedIt() throws Exception {
    // each trial bills 3 folds × 2 instances × 30 s of ml.m5.xlarge (about $0.012): the first batch passes $0.005
    TrainingJob job = submit(fx.remote, "sm-max-cost", "", body -> body
        .replace("\"max_runtime\": \"1h\"}", "\"max_runtime\": \"1h\", \"max_cost_usd\": 0.005}")
        .replace("\"max_trials\": 2", "\"max_trials\": 6"));
    ExecutionResult result = run(fx.remote, job.id());
    assertThat(result.status()).isEqualTo(ExecutionResult.Status.FAILED);
    TrainingJob done = fx.jobs.require(job.id());
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
    TrainingJob late = submit(fx.remote, "sm-runtime-left", "");
    fx.jobs.update(late.id(), j -> j.with(b -> {
      b.startedAt = java.time.Instant.now().minusSeconds(3000);
      return b;
    }), false);
    ExecutionResult result = run(fx.remote, late.id());
    assertThat(result.status()).as(result.error() + ": " + result.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    assertThat(requestsOf(late.id())).hasSize(7).allSatisfy(r -> {
      int runtime = r.path("StoppingCondition").path("MaxRuntimeInSeconds").asInt();
      assertThat(runtime).isBetween(500, 600);
      assertThat(r.path("StoppingCondition").path("MaxWaitTimeInSeconds").asInt()).isEqualTo(runtime);
    });

    // the hour gone: the search stops before its first trial, TIMED_OUT with the reason
    TrainingJob over = submit(fx.remote, "sm-runtime-over", "");
    fx.jobs.update(over.id(), j -> j.with(b -> {
      b.startedAt = java.time.Instant.now().minusSeconds(3700);
      return b;
    }), false);
    result = run(fx.remote, over.id());
    assertThat(result.status()).isEqualTo(ExecutionResult.Status.FAILED);
    TrainingJob done = fx.jobs.require(over.id());
    assertThat(done.state()).isEqualTo(JobState.TIMED_OUT);
    assertThat(done.stopReason()).isEqualTo("max_runtime");
    assertThat(done.trials().total()).isZero();
    assertThat(requestsOf(over.id())).isEmpty();
  }
}
