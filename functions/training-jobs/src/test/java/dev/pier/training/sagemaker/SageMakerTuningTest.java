package dev.pier.training.sagemaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.statemachines.LocalStateMachineRunner.ExecutionResult;
import dev.pier.training.cost.PriceTable;
import dev.pier.training.jobs.JobState;
import dev.pier.training.jobs.TrainingJob;
import dev.pier.training.jobs.TrainingSettings;
import dev.pier.training.jobs.TrainingWorker;
import dev.pier.training.jobs.TrainingWorkerHandler;
import dev.pier.training.jobs.TrialRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code "tuning": {"service": "sagemaker"}}: the search runs as one SageMaker Automatic Model Tuning job. The training
 * workflow (training.asl.json) on the local runner, its {@code createHyperParameterTuningJob.sync} state by the real
 * SDK against the SageMaker stand-in, whose tuning job trains its training jobs with XGBoost from the channels in S3;
 * the worker's tasks through {@link TrainingWorkerHandler} as Lambda calls them. Small data and 4 tuning trials (CI).
 */
class SageMakerTuningTest {
  @TempDir static Path work;
  static SageMakerFixture fx;

  @BeforeAll
  static void start() throws Exception {
    fx = new SageMakerFixture(work);
    fx.rows("amt/rows.csv", 23, 160);
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  private static final String BODY = """
      {"name": "NAME", "project": "amt", "dataset": {"uri": "s3://data/amt/rows.csv", "label": "y"},
       "params": {"objective": "binary:logistic", "num_round": 5}, "metric": "auc",
       "split": {"holdout": 0.25}, "seed": 11,
       "resources": {"instance_type": "ml.m5.xlarge", "instance_count": 1, "spot": true, "max_runtime": "1h"},
       "register": {"model": "MODEL", "alias": "prod"},
       "tuning": {"service": "sagemaker", "strategy": "random", "max_trials": 4, "parallel": 2,
                  "early_stopping": "off",
                  "space": {"max_depth": {"type": "int", "low": 2, "high": 5},
                            "eta": {"type": "float", "low": 0.05, "high": 0.5, "log": true},
                            "min_child_weight": {"type": "categorical", "choices": [1, 3]}}}}
      """;

  private static TrainingJob submit(TrainingSettings settings, String name, UnaryOperator<String> edit)
      throws Exception {
    return fx.submit(settings, edit.apply(BODY.replace("NAME", name).replace("MODEL", name + "-model")));
  }

  private static TrainingWorker worker() {
    return fx.worker(fx.remote);
  }

  /** training.asl.json to its end: the worker behind its Lambda tasks, SageMaker (the stand-in) behind the rest. */
  private static ExecutionResult run(String id) {
    return fx.run(fx.remote, id);
  }

  @Test
  void theTuningJobsTrainingJobsAreTheTrialsAndTheBestIsRefitAndRegistered() throws Exception {
    TrainingJob job = submit(fx.remote, "amt-job", b -> b);
    fx.entered.clear();
    ExecutionResult result = run(job.id());
    int entered = fx.entered.size();
    assertThat(result.status()).as(result.error() + ": " + result.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);

    // what AMT was asked: the space's exact ranges, the objective, the limits, the trials' training-job definition
    String tuningName = job.id() + "-amt";
    JsonNode asked = fx.sagemaker.tuning.requests.stream()
        .filter(r -> r.path("HyperParameterTuningJobName").asText().equals(tuningName)).findFirst().orElseThrow();
    JsonNode config = asked.path("HyperParameterTuningJobConfig");
    assertThat(config.path("Strategy").asText()).isEqualTo("Random");
    assertThat(config.path("HyperParameterTuningJobObjective").toString())
        .isEqualTo("{\"Type\":\"Maximize\",\"MetricName\":\"validation:auc\"}");
    assertThat(config.path("ResourceLimits").path("MaxNumberOfTrainingJobs").asInt()).isEqualTo(4);
    assertThat(config.path("ResourceLimits").path("MaxParallelTrainingJobs").asInt()).isEqualTo(2);
    assertThat(config.path("ResourceLimits").path("MaxRuntimeInSeconds").asInt()).isBetween(3000, 3600); // 1h left
    assertThat(config.path("TrainingJobEarlyStoppingType").asText()).isEqualTo("Off");
    assertThat(config.path("RandomSeed").asInt()).isEqualTo(11);
    JsonNode ranges = config.path("ParameterRanges");
    assertThat(ranges.path("IntegerParameterRanges").toString()).isEqualTo(
        "[{\"Name\":\"max_depth\",\"MinValue\":\"2\",\"MaxValue\":\"5\",\"ScalingType\":\"Linear\"}]");
    assertThat(ranges.path("ContinuousParameterRanges").toString()).isEqualTo(
        "[{\"Name\":\"eta\",\"MinValue\":\"0.05\",\"MaxValue\":\"0.5\",\"ScalingType\":\"Logarithmic\"}]");
    assertThat(ranges.path("CategoricalParameterRanges").toString()).isEqualTo(
        "[{\"Name\":\"min_child_weight\",\"Values\":[\"1\",\"3\"]}]");
    JsonNode definition = asked.path("TrainingJobDefinition");
    assertThat(definition.path("StaticHyperParameters").toString()).isEqualTo(
        "{\"eval_metric\":\"auc\",\"num_round\":\"5\",\"objective\":\"binary:logistic\",\"seed\":\"11\"}");
    assertThat(definition.path("EnableManagedSpotTraining").asBoolean()).isTrue();
    assertThat(definition.path("StoppingCondition").path("MaxWaitTimeInSeconds").asInt())
        .isEqualTo(definition.path("StoppingCondition").path("MaxRuntimeInSeconds").asInt());
    assertThat(definition.path("StoppingCondition").path("MaxRuntimeInSeconds").asInt()).isBetween(3000, 3600);
    assertThat(definition.path("RoleArn").asText()).endsWith(":role/pier-sagemaker-training");
    assertThat(definition.path("OutputDataConfig").path("KmsKeyId").asText()).endsWith(":key/k");
    assertThat(definition.path("InputDataConfig").findValuesAsText("S3Uri")).containsExactly(
        "s3://data/training/" + job.id() + "/channels/refit/train/",
        "s3://data/training/" + job.id() + "/channels/refit/validation/");
    assertThat(fx.sagemaker.tuning.mostAtOnce.get(tuningName)).isBetween(1, 2);

    // the trials are the tuning job's training fx.jobs, in creation order: params, objective, cost from billed seconds
    List<JsonNode> trainings = fx.sagemaker.requests.stream()
        .filter(r -> r.path("TrainingJobName").asText().startsWith(tuningName + "-")).toList();
    assertThat(trainings).hasSize(4);
    List<TrialRecord> trials = fx.jobs.trials(job.id());
    assertThat(trials).hasSize(4);
    TrainingJob done = fx.jobs.require(job.id());
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.trials().total()).isEqualTo(4);
    assertThat(done.trials().succeeded()).isEqualTo(4);
    PriceTable prices = PriceTable.defaults();
    for (int t = 0; t < 4; t++) {
      JsonNode hyper = trainings.get(t).path("HyperParameters");
      TrialRecord trial = trials.get(t);
      assertThat(((Number) trial.params().get("max_depth")).longValue())
          .isEqualTo(Long.parseLong(hyper.path("max_depth").asText()));
      assertThat(((Number) trial.params().get("eta")).doubleValue())
          .isEqualTo(Double.parseDouble(hyper.path("eta").asText()));
      assertThat(((Number) trial.params().get("min_child_weight")).intValue())
          .isEqualTo(Integer.parseInt(hyper.path("min_child_weight").asText()));
      assertThat(trial.params()).containsEntry("objective", "binary:logistic");
      assertThat(hyper.path("_tuning_objective_metric").asText()).isEqualTo("validation:auc");
      String name = trainings.get(t).path("TrainingJobName").asText();
      double reported = fx.client.describeTrainingJob(b -> b.trainingJobName(name)).finalMetricDataList().stream()
          .filter(m -> m.metricName().equals("validation:auc")).findFirst().orElseThrow().value();
      assertThat(trial.state()).isEqualTo("SUCCEEDED");
      assertThat(trial.cvMean()).isCloseTo(reported, within(1e-6));
      assertThat(trial.seconds()).isEqualTo(30.0); // 100 s on spot, billed 30 s
      assertThat(trial.costUsd()).isCloseTo(prices.compute("ml.m5.xlarge", 1, false, 30), within(1e-9));
      assertThat(trial.runId()).isNotNull();
      assertThat(fx.tracking.run(trial.runId()).tags()).containsEntry("pier.sagemaker_training_job", name);
    }

    // AMT's best is the job's best; the refit trains its params on the refit channels and is registered
    var best = fx.client.describeHyperParameterTuningJob(b -> b.hyperParameterTuningJobName(tuningName))
        .bestTrainingJob();
    int bestTrial = trainings.stream().map(r -> r.path("TrainingJobName").asText()).toList()
        .indexOf(best.trainingJobName());
    assertThat(done.best().trial()).isEqualTo(bestTrial);
    assertThat(done.best().cvMean()).isCloseTo(best.finalHyperParameterTuningJobObjectiveMetric().value(),
        within(1e-6));
    assertThat(trials.stream().mapToDouble(TrialRecord::cvMean).max().orElseThrow())
        .isCloseTo(done.best().cvMean(), within(1e-12));
    assertThat(fx.tracking.run(trials.get(bestTrial).runId()).tags()).containsEntry("pier.sagemaker_best", "true");
    JsonNode refit = fx.sagemaker.requests.stream()
        .filter(r -> r.path("TrainingJobName").asText().startsWith(job.id() + "-refit-")).findFirst().orElseThrow();
    JsonNode bestHyper = trainings.get(bestTrial).path("HyperParameters");
    for (String p : List.of("max_depth", "eta", "min_child_weight", "num_round", "objective")) {
      assertThat(refit.path("HyperParameters").path(p).asText()).as(p).isEqualTo(bestHyper.path(p).asText());
    }
    var version = fx.registry.version("amt-job-model", done.registered().version());
    assertThat(version.artifact().sha256()).isEqualTo(done.refit().sha256());
    assertThat(version.provenance().runId()).isEqualTo(done.refit().runId());
    assertThat(done.cost().instanceSeconds()).isEqualTo(5 * 30.0); // 4 trials and the refit, each billed 30 s
    // the transitions the workflow made: its states, the refit's child's, none per tuning trial (SageMaker runs those)
    assertThat(Math.round(done.cost().stepFunctionsUsd() / prices.perTransition())).isEqualTo(entered).isEqualTo(20);

    // recording again (a restarted execution) finds every training job's trial and records nothing twice
    fx.jobs.update(job.id(), j -> j.with(b -> {
      b.state = JobState.RUNNING;
      return b;
    }), true);
    JsonNode again = worker().handle(SageMakerFixture.JSON.readTree("{\"action\": \"tuning_result\", \"job_id\": \"" + job.id()
        + "\"}"));
    assertThat(again.path("trials").asInt()).isEqualTo(4);
    assertThat(fx.jobs.trials(job.id())).isEqualTo(trials);
    JsonNode request = worker().handle(SageMakerFixture.JSON.readTree("{\"action\": \"tuning_request\", \"job_id\": \"" + job.id()
        + "\"}"));
    assertThat(request.path("state").asText()).isEqualTo("ended"); // a restarted execution creates no second one
    assertThat(fx.sagemaker.tuning.requests.stream()
        .filter(r -> r.path("HyperParameterTuningJobName").asText().equals(tuningName))).hasSize(1);
  }

  @Test
  void aFailedTrainingJobIsAFailedTrialWithSageMakersReasonAnEarlyStoppedOnePrunedAndTheRestGoOn() throws Exception {
    TrainingJob job = submit(fx.remote, "amt-failing", b -> b.replace("\"off\"", "\"auto\""));
    fx.sagemaker.failWhen(r -> r.path("TrainingJobName").asText().startsWith(job.id() + "-amt-002-"),
        "the algorithm ran out of memory");
    fx.sagemaker.tuning.stopEarly(name -> name.startsWith(job.id() + "-amt-004-"));
    ExecutionResult result = run(job.id());
    assertThat(result.status()).as(result.error() + ": " + result.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    TrainingJob done = fx.jobs.require(job.id());
    assertThat(done.trials().total()).isEqualTo(4);
    assertThat(done.trials().succeeded()).isEqualTo(2);
    assertThat(done.trials().failed()).isEqualTo(1);
    assertThat(done.trials().pruned()).isEqualTo(1);
    TrialRecord pruned = fx.jobs.trial(job.id(), 3).orElseThrow(); // stopped early by AMT: PRUNED, its billed time costed
    assertThat(pruned.state()).isEqualTo("PRUNED");
    assertThat(pruned.error()).isEqualTo("stopped early by SageMaker Automatic Model Tuning");
    assertThat(pruned.seconds()).isEqualTo(30.0);
    assertThat(fx.tracking.run(pruned.runId()).status()).isEqualTo("KILLED");
    assertThat(done.best().trial()).isNotEqualTo(3);
    TrialRecord failed = fx.jobs.trial(job.id(), 1).orElseThrow();
    assertThat(failed.state()).isEqualTo("FAILED");
    assertThat(failed.error()).contains("AlgorithmError: the algorithm ran out of memory");
    assertThat(fx.tracking.run(failed.runId()).status()).isEqualTo("FAILED");
    assertThat(done.best().trial()).isNotEqualTo(1);
    assertThat(done.registered()).isNotNull();
  }

  @Test
  void whatAutomaticModelTuningCannotDoIsA400NamingTheFieldBeforeAnythingRuns() throws Exception {
    TrainingJob pierSearch = submit(fx.remote, "amt-pier-search", b -> b.replace("\"service\": \"sagemaker\", ", "")
        .replace("\"early_stopping\": \"off\",", ""));
    int before = fx.sagemaker.tuning.requests.size();
    Map<String, UnaryOperator<String>> refused = new java.util.LinkedHashMap<>();
    refused.put("cv:", b -> b.replace("\"seed\": 11,", "\"seed\": 11, \"cv\": {\"folds\": 3},"));
    refused.put("tuning.pruner", b -> b.replace("\"early_stopping\": \"off\",", "\"pruner\": \"median\","));
    refused.put("tuning.warm_start", b -> b.replace("\"early_stopping\": \"off\",",
        "\"warm_start\": \"" + pierSearch.id() + "\","));
    refused.put("tuning.space.max_depth: grid", b -> b.replace("\"strategy\": \"random\"", "\"strategy\": \"grid\""));
    refused.put("tuning.early_stopping \"auto\" cannot be used with strategy hyperband", b -> b
        .replace("\"strategy\": \"random\"", "\"strategy\": \"hyperband\"").replace("\"off\"", "\"auto\""));
    refused.put("tuning.early_stopping with tuning.service sagemaker", b -> b.replace("\"early_stopping\": \"off\"",
        "\"early_stopping\": {\"patience\": 3}"));
    refused.put("tuning.space.max_depth.step", b -> b.replace("\"high\": 5}", "\"high\": 5, \"step\": 1}"));
    refused.put("tuning.strategy 'tpe'", b -> b.replace("\"strategy\": \"random\", ", ""));
    refused.put("metric 'precision'", b -> b.replace("\"metric\": \"auc\"", "\"metric\": \"precision\""));
    refused.put("resources.max_cost_usd", b -> b.replace("\"max_runtime\": \"1h\"}",
        "\"max_runtime\": \"1h\", \"max_cost_usd\": 5}"));
    refused.put("tuning.parallel 4 is more than tuning.max_trials 2", b -> b.replace("\"max_trials\": 4, \"parallel\": 2",
        "\"max_trials\": 2, \"parallel\": 4"));
    for (var e : refused.entrySet()) {
      assertThatThrownBy(() -> submit(fx.remote, "amt-refused", e.getValue())).as(e.getKey())
          .isInstanceOf(PierException.class).hasMessageContaining(e.getKey())
          .satisfies(x -> assertThat(((PierException) x).status()).isEqualTo(400));
    }
    // a server training in the worker has no SageMaker to tune on
    assertThatThrownBy(() -> submit(fx.local, "amt-local", b -> b)).isInstanceOf(PierException.class)
        .hasMessageContaining("tuning.service sagemaker")
        .satisfies(x -> assertThat(((PierException) x).status()).isEqualTo(400));
    assertThat(fx.jobs.list().stream().map(TrainingJob::name)).doesNotContain("amt-refused",
        "amt-local");
    assertThat(fx.sagemaker.tuning.requests).hasSize(before);
  }
}
