package dev.pier.training.sagemaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.engine.Framework;
import dev.pier.registry.ModelVersion;
import dev.pier.statemachines.LocalStateMachineRunner.ExecutionResult;
import dev.pier.training.jobs.JobState;
import dev.pier.training.jobs.TrainingJob;
import dev.pier.training.jobs.TrainingSettings;
import dev.pier.training.jobs.TrialRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Script mode end to end on the SageMaker path: the standard-library Python script of the local script-mode test
 * (ScriptModeTest), its container image mapped by this test to {@code python3 train_logreg.py}, trained through
 * training.asl.json's SageMaker states — CreateTrainingJob by {@code .sync}, its channels from S3, its metrics read
 * from its log by the job's MetricDefinitions, its model.tar.gz unpacked and registered — scores and registers
 * exactly what the same job run locally does.
 */
class ScriptOnSageMakerTest {
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final String IMAGE = "000000000000.dkr.ecr.us-east-1.amazonaws.com/pier-logreg:1";
  /** A metric's 32-bit float, as SageMaker reports it, read back: within half a float's step near 1. */
  private static final double FLOAT = 1e-7;

  @TempDir static Path work;
  static SageMakerFixture fx;
  static String script;

  @BeforeAll
  static void start() throws Exception {
    fx = new SageMakerFixture(work);
    fx.rows("script/rows.csv", 5, 240);
    script = Path.of(ScriptOnSageMakerTest.class.getResource("/scripts/train_logreg.py").toURI()).toString();
    fx.sagemaker.runImage(IMAGE, List.of(PYTHON.toString(), script));
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  private static TrainingJob submit(TrainingSettings settings, String name) throws Exception {
    return fx.submit(settings, """
        {"name": "NAME", "project": "sm", "algorithm": "script",
         "dataset": {"uri": "s3://data/script/rows.csv", "label": "y"},
         "script": {"command": ["PYTHON", "SCRIPT"], "image": "IMAGE", "framework": "onnx",
                    "metric_definitions": [{"name": "validation:auc", "regex": "(?:validation|test)-auc=([0-9.]+)"},
                                           {"name": "train:loss", "regex": "train-loss=([0-9.]+)"}]},
         "params": {"epochs": 40}, "metric": "validation:auc", "split": {"holdout": 0.25}, "cv": {"folds": 3},
         "seed": 9, "resources": {"instance_type": "ml.m5.xlarge", "instance_count": 1, "max_runtime": "1h"},
         "tuning": {"strategy": "random", "max_trials": 2, "parallel": 2,
                    "space": {"lr": {"type": "float", "low": 0.05, "high": 2.0, "log": true}}},
         "register": {"model": "NAME", "alias": "staging"}}
        """.replace("NAME", name).replace("PYTHON", PYTHON.toString()).replace("SCRIPT", script)
        .replace("IMAGE", IMAGE));
  }

  private static byte[] registered(TrainingJob done) throws Exception {
    ModelVersion version = fx.registry.version(done.spec().register().model(), done.registered().version());
    assertThat(version.framework()).isEqualTo(Framework.ONNX);
    Path file = work.resolve(done.id() + ".onnx");
    fx.registry.artifacts().download(version.artifact().key(), version.artifact().sha256(), file);
    return Files.readAllBytes(file);
  }

  @Test
  void aScriptTrainedOnSageMakerGivesTheLocalRunsScoresAndModelBytes() throws Exception {
    assumeTrue(Files.isExecutable(PYTHON), "the suite installs /usr/bin/python3");
    TrainingJob reference = submit(fx.local, "script-local");
    ExecutionResult local = fx.run(fx.local, reference.id());
    assertThat(local.status()).as(local.error() + ": " + local.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    TrainingJob job = submit(fx.remote, "script-sagemaker");
    ExecutionResult remote = fx.run(fx.remote, job.id());
    assertThat(remote.status()).as(remote.error() + ": " + remote.cause())
        .isEqualTo(ExecutionResult.Status.SUCCEEDED);

    TrainingJob want = fx.jobs.require(reference.id());
    TrainingJob done = fx.jobs.require(job.id());
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    List<TrialRecord> trials = fx.jobs.trials(job.id());
    List<TrialRecord> expected = fx.jobs.trials(reference.id());
    assertThat(trials).hasSize(2);
    // the same params, folds and script print the same lines; SageMaker reports a metric as a 32-bit float
    // (FinalMetricDataList's Value), so the scores agree to a float's precision, not a double's
    for (int t = 0; t < 2; t++) {
      assertThat(trials.get(t).state()).as(trials.get(t).error()).isEqualTo("SUCCEEDED");
      assertThat(trials.get(t).params()).isEqualTo(expected.get(t).params());
      assertThat(trials.get(t).folds()).hasSize(3);
      for (int f = 0; f < 3; f++) {
        assertThat(trials.get(t).folds().get(f)).isCloseTo(expected.get(t).folds().get(f), within(FLOAT));
      }
      assertThat(trials.get(t).cvMean()).isCloseTo(expected.get(t).cvMean(), within(FLOAT));
    }
    assertThat(done.best().trial()).isEqualTo(want.best().trial());
    assertThat(done.refit().holdoutScore()).isCloseTo(want.refit().holdoutScore(), within(FLOAT));
    assertThat(done.refit().sha256()).isEqualTo(want.refit().sha256());
    assertThat(registered(done)).isEqualTo(registered(want)).isNotEmpty();

    // what SageMaker was asked: 2 trials × 3 folds and the refit, on the script's image with its metric definitions
    List<JsonNode> asked = fx.requestsOf(job.id());
    assertThat(asked).hasSize(7).allSatisfy(r -> {
      assertThat(r.path("AlgorithmSpecification").path("TrainingImage").asText()).isEqualTo(IMAGE);
      assertThat(r.path("AlgorithmSpecification").path("MetricDefinitions").findValuesAsText("Name"))
          .containsExactly("validation:auc", "train:loss");
      assertThat(r.path("HyperParameters").path("epochs").asText()).isEqualTo("40");
    });
    // the script's log went to CloudWatch Logs, where the metric regexes and the watch loop read it
    String refit = asked.stream().map(r -> r.path("TrainingJobName").asText()).filter(n -> n.contains("-refit-"))
        .findFirst().orElseThrow();
    List<String> lines = fx.logsClient.filterLogEventsPaginator(b -> b.logGroupName("/aws/sagemaker/TrainingJobs")
        .logStreamNamePrefix(refit + "/")).events().stream().map(e -> e.message()).toList();
    assertThat(lines).anyMatch(l -> l.startsWith("epoch=40 train-loss="))
        .anyMatch(l -> l.equals(String.format(java.util.Locale.ROOT, "test-auc=%.10f", want.refit().holdoutScore())));
  }

  @Test
  void aScriptThatBreaksOnSageMakerFailsItsTrialWithItsFailureFileAndRegistersNothing() throws Exception {
    assumeTrue(Files.isExecutable(PYTHON), "the suite installs /usr/bin/python3");
    Path failing = Path.of(ScriptOnSageMakerTest.class.getResource("/scripts/fails.py").toURI());
    String image = "000000000000.dkr.ecr.us-east-1.amazonaws.com/pier-fails:1";
    fx.sagemaker.runImage(image, List.of(PYTHON.toString(), failing.toString()));
    TrainingJob job = fx.submit(fx.remote, """
        {"name": "script-fails", "project": "sm", "algorithm": "script",
         "dataset": {"uri": "s3://data/script/rows.csv", "label": "y"},
         "script": {"image": "IMAGE", "framework": "onnx",
                    "metric_definitions": [{"name": "validation:auc", "regex": "auc=([0-9.]+)"}]},
         "cv": {"folds": 2}, "resources": {"instance_type": "ml.m5.xlarge", "max_runtime": "1h"},
         "register": {"model": "script-fails"}}
        """.replace("IMAGE", image));

    ExecutionResult result = fx.run(fx.remote, job.id());

    assertThat(result.status()).isEqualTo(ExecutionResult.Status.FAILED);
    TrialRecord trial = fx.jobs.trials(job.id()).get(0);
    assertThat(trial.state()).isEqualTo("FAILED");
    assertThat(trial.error()).contains("AlgorithmError: out of patience"); // SageMaker's FailureReason
    TrainingJob failed = fx.jobs.require(job.id());
    assertThat(failed.state()).isEqualTo(JobState.FAILED);
    assertThat(failed.registered()).isNull();
    // the log reached CloudWatch Logs all the same
    String fold = fx.requestsOf(job.id()).get(0).path("TrainingJobName").asText();
    assertThat(fx.logsClient.filterLogEventsPaginator(b -> b.logGroupName("/aws/sagemaker/TrainingJobs")
        .logStreamNamePrefix(fold + "/")).events().stream().map(e -> e.message())).contains("about to fail");
  }
}
