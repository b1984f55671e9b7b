package dev.pier.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.DynamoTables;
import dev.pier.kernel.engine.Framework;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.RegistryTable;
import dev.pier.statemachines.AslDefinition;
import dev.pier.statemachines.LocalStateMachineRunner;
import dev.pier.statemachines.LocalStateMachineRunner.ExecutionResult;
import dev.pier.training.Holdout;
import dev.pier.training.Metric;
import dev.pier.training.Split;
import dev.pier.training.StandIns;
import dev.pier.training.TrainingTable;
import dev.pier.training.cost.PriceTable;
import dev.pier.training.datasets.DatasetFiles;
import dev.pier.training.datasets.Datasets;
import dev.pier.training.datasets.DatasetsTable;
import dev.pier.training.tracking.JobTracking;
import dev.pier.tracking.TrackingStore;
import java.nio.file.Files;
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
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Script mode end to end on the local ASL runner: a standard-library Python script (logistic regression, its model
 * written as ONNX) trained under SageMaker's contract — which the script checks itself, failing its trial when broken
 * — tuned over its learning rate with 3-fold CV, refit, its holdout score read from its log and registered; the
 * registered ONNX model, loaded by ONNX Runtime, scores the holdout to the same AUC the script reported.
 */
class ScriptModeTest {
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  @TempDir static Path work;
  static StandIns standIns;
  static TrainingJobsTable jobs;
  static Datasets datasets;
  static TrainingSettings settings;
  static ModelRegistry registry;
  static String script;

  @BeforeAll
  static void start() throws Exception {
    standIns = new StandIns(work.resolve("aws"));
    var dynamo = standIns.clients.dynamoDb();
    standIns.clients.s3().createBucket(b -> b.bucket("data"));
    DynamoTables.createIfMissing(dynamo, "jobs", DynamoTables.SINGLE_TABLE, null);
    RegistryTable.createIfMissing(dynamo, "registry");
    ArtifactStore artifacts = new ArtifactStore(standIns.clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    registry = new ModelRegistry(dynamo, "registry", artifacts);
    jobs = new TrainingJobsTable(dynamo, "jobs");
    datasets = new Datasets(new DatasetsTable(dynamo, "jobs"), standIns.clients.s3(),
        new DatasetFiles(standIns.clients.s3(), work.resolve("cache")), StandIns.ANY_S3, Clock.systemUTC());
    settings = new TrainingSettings("data", "jobs", PriceTable.defaults(), Map.of(), 2, 1, work.resolve("scripts"),
        true);
    Random r = new Random(5);
    StringBuilder csv = new StringBuilder("a,b,y\n");
    for (int i = 0; i < 240; i++) {
      double a = r.nextGaussian();
      double b = r.nextGaussian();
      csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%d%n", a, b, a - 0.5 * b + r.nextGaussian() > 0 ? 1 : 0));
    }
    standIns.clients.s3().putObject(b -> b.bucket("data").key("set.csv"), RequestBody.fromString(csv.toString()));
    script = Path.of(ScriptModeTest.class.getResource("/scripts/train_logreg.py").toURI()).toString();
  }

  @AfterAll
  static void stop() {
    standIns.close();
  }

  private static final TrainingLauncher NOT_STARTED = new TrainingLauncher() {
    @Override
    public void launch(TrainingJob job) {}

    @Override
    public void stop(String id) {}
  };

  private static TrainingJobs api() {
    XGBoostModelTrainer xgboost = new XGBoostModelTrainer(1);
    return new TrainingJobs(jobs, datasets, xgboost, NOT_STARTED, settings, new Searches(jobs, xgboost),
        Clock.systemUTC());
  }

  private static ExecutionResult run(String jobId) {
    XGBoostModelTrainer xgboost = new XGBoostModelTrainer(1);
    TrackingStore tracking = new TrackingStore(standIns.clients.dynamoDb(), "registry", "s3://data/mlflow");
    TrainingWorker worker = new TrainingWorker(jobs, datasets, xgboost, new Searches(jobs, xgboost),
        new JobTracking(tracking), registry, standIns.clients.s3(), settings, Clock.systemUTC());
    LocalStateMachineRunner runner = LocalStateMachineRunner.builder()
        .task("arn:aws:states:::lambda:invoke", (parameters, context) -> worker.invoke(parameters)).build();
    return runner.run(AslDefinition.bundled("training", settings.substitutions()),
        JsonNodeFactory.instance.objectNode().put("job_id", jobId), jobId);
  }

  private static JsonNode body(String json) throws Exception {
    return TrainingJobsTable.JSON.readTree(json.replace("SCRIPT", script));
  }

  @Test
  void aScriptIsTunedCrossValidatedRefitAndRegisteredWithTheHoldoutScoreItReported() throws Exception {
    assumeTrue(Files.isExecutable(PYTHON), "the suite installs /usr/bin/python3");
    TrainingJob job = api().submit(body("""
        {"name": "script-logreg", "algorithm": "script", "dataset": {"uri": "s3://data/set.csv", "label": "y"},
         "script": {"command": ["/usr/bin/python3", "SCRIPT"], "framework": "onnx",
                    "metric_definitions": [{"name": "validation:auc", "regex": "(?:validation|test)-auc=([0-9.]+)"},
                                           {"name": "train:loss", "regex": "train-loss=([0-9.]+)"}]},
         "params": {"epochs": 40}, "metric": "validation:auc", "cv": {"folds": 3}, "seed": 9,
         "tuning": {"strategy": "random", "max_trials": 3, "parallel": 2,
                    "space": {"lr": {"type": "float", "low": 0.05, "high": 2.0, "log": true}}},
         "register": {"model": "script-logreg", "alias": "staging"}}
        """));
    assertThat(job.spec().script().goal()).isEqualTo("maximize"); // told by the metric's name

    ExecutionResult result = run(job.id());

    assertThat(result.status()).as(String.valueOf(result.cause())).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    TrainingJob done = jobs.require(job.id());
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    List<TrialRecord> trials = jobs.trials(job.id());
    assertThat(trials).hasSize(3).allSatisfy(t -> {
      assertThat(t.state()).as(t.error()).isEqualTo("SUCCEEDED");
      assertThat(t.params()).containsKey("lr");
      assertThat(((Number) t.params().get("epochs")).intValue()).isEqualTo(40);
      assertThat(t.folds()).hasSize(3).allSatisfy(f -> assertThat(f).isBetween(0.6, 1.0));
      assertThat(t.cvMean()).isEqualTo(t.folds().stream().mapToDouble(Double::doubleValue).average().orElseThrow(),
          org.assertj.core.data.Offset.offset(1e-12));
    });
    assertThat(trials).extracting(t -> t.params().get("lr")).doesNotHaveDuplicates();
    double best = trials.stream().mapToDouble(TrialRecord::cvMean).max().orElseThrow();
    assertThat(done.best().cvMean()).isEqualTo(best);

    // registered: the ONNX file the refit left in SM_MODEL_DIR, as framework onnx, with the job's run
    assertThat(done.registered()).isNotNull();
    ModelVersion version = registry.version("script-logreg", done.registered().version());
    assertThat(version.framework()).isEqualTo(Framework.ONNX);
    assertThat(version.artifact().sha256()).isEqualTo(done.refit().sha256());
    Path model = work.resolve("registered.onnx");
    registry.artifacts().download(version.artifact().key(), version.artifact().sha256(), model);
    assertThat(done.refit().modelUri()).endsWith("/model.onnx");

    // the holdout score is the one the script printed for its test channel: ONNX Runtime agrees on the same rows
    TrainingTable table = TrainingWorker.table("y", datasets.rows(datasets.resolve(done.dataset().replaceAll("@.*", "")
        + "@" + done.datasetVersion()), "y", List.of("a", "b")));
    Split holdout = new Holdout(0.2, Holdout.Mode.RANDOM, 9).split(table);
    int[] rows = holdout.test();
    float[][] x = new float[rows.length][2];
    double[] y = new double[rows.length];
    for (int i = 0; i < rows.length; i++) {
      x[i][0] = table.column(0)[rows[i]];
      x[i][1] = table.column(1)[rows[i]];
      y[i] = table.labels()[rows[i]];
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    double[] p = new double[rows.length];
    try (OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions());
        OnnxTensor input = OnnxTensor.createTensor(env, x);
        OrtSession.Result out = session.run(Map.of("input", input))) {
      float[][] probability = (float[][]) out.get(0).getValue();
      for (int i = 0; i < rows.length; i++) {
        p[i] = probability[i][0];
      }
    }
    double auc = Metric.of("auc").score(y, p, 1);
    assertThat(done.refit().holdoutScore()).isEqualTo(auc, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(version.metadata().metrics()).containsEntry("holdout_validation:auc", done.refit().holdoutScore());

    TrackingStore tracking = new TrackingStore(standIns.clients.dynamoDb(), "registry", "s3://data/mlflow");
    assertThat(tracking.run(done.refit().runId()).params()).containsEntry("epochs", "40").doesNotContainKey(
        "num_round");
    assertThat(settings.scriptWork().resolve(job.id())).isEmptyDirectory(); // each run's /opt/ml is cleaned up
  }

  @Test
  void aScriptThatBreaksIsRecordedWithItsFailureFileAndTheJobFailsWithoutRegistering() throws Exception {
    assumeTrue(Files.isExecutable(PYTHON), "the suite installs /usr/bin/python3");
    Path failing = Path.of(ScriptModeTest.class.getResource("/scripts/fails.py").toURI());
    TrainingJob job = api().submit(body("""
        {"name": "script-fails", "algorithm": "script", "dataset": {"uri": "s3://data/set.csv", "label": "y"},
         "script": {"command": "/usr/bin/python3 FAILING", "framework": "onnx",
                    "metric_definitions": [{"name": "validation:auc", "regex": "auc=([0-9.]+)"}]},
         "cv": {"folds": 2}, "register": {"model": "script-fails"}}
        """.replace("FAILING", failing.toString())));
    assertThat(job.spec().metric()).isEqualTo("validation:auc"); // the only definition

    ExecutionResult result = run(job.id());

    assertThat(result.status()).isEqualTo(ExecutionResult.Status.FAILED);
    TrialRecord trial = jobs.trials(job.id()).get(0);
    assertThat(trial.state()).isEqualTo("FAILED");
    assertThat(trial.error()).contains("exited with 3: out of patience").contains("about to fail");
    TrainingJob failed = jobs.require(job.id());
    assertThat(failed.state()).isEqualTo(JobState.FAILED);
    assertThat(failed.error()).contains("no trial succeeded").contains("out of patience");
    assertThat(failed.registered()).isNull();
  }

  @Test
  void badScriptJobsAreRefusedNamingWhatIsWrong() {
    String base = """
        {"name": "bad", "algorithm": "script", "dataset": {"uri": "s3://data/set.csv", "label": "y"}, %s}
        """;
    record Case(String fields, String message) {}
    for (Case c : List.of(
        new Case("\"params\": {}", "needs 'script'"),
        new Case("\"script\": {\"framework\": \"onnx\", \"metric_definitions\": [{\"name\": \"m\", \"regex\": \"m=(.*)\"}]}",
            "script.command is required"),
        new Case("\"script\": {\"command\": \"python3 t.py\", \"framework\": \"sklearn\","
            + " \"metric_definitions\": [{\"name\": \"m\", \"regex\": \"m=(.*)\"}]}", "script.framework must be one of"),
        new Case("\"script\": {\"command\": \"python3 t.py\", \"framework\": \"onnx\"}",
            "script.metric_definitions is required"),
        new Case("\"script\": {\"command\": \"python3 t.py\", \"framework\": \"onnx\","
            + " \"metric_definitions\": [{\"name\": \"m\", \"regex\": \"m=.*\"}]}", "has no group"),
        new Case("\"script\": {\"command\": \"python3 t.py\", \"framework\": \"onnx\","
            + " \"metric_definitions\": [{\"name\": \"m\", \"regex\": \"m=(\"}]}", "regex is invalid"),
        new Case("\"metric\": \"auc\", \"script\": {\"command\": \"python3 t.py\", \"framework\": \"onnx\","
            + " \"metric_definitions\": [{\"name\": \"m\", \"regex\": \"m=(.*)\"}]}", "metric 'auc' is not one of"),
        new Case("\"script\": {\"command\": \"python3 t.py\", \"framework\": \"onnx\","
            + " \"metric_definitions\": [{\"name\": \"score\", \"regex\": \"s=(.*)\"}]}", "script.goal is required"),
        new Case("\"script\": {\"command\": \"python3 t.py\", \"framework\": \"onnx\","
            + " \"metric_definitions\": [{\"name\": \"a\", \"regex\": \"a=(.*)\"}, {\"name\": \"b_loss\","
            + " \"regex\": \"b=(.*)\"}]}", "metric is required"))) {
      assertThatThrownBy(() -> api().submit(TrainingJobsTable.JSON.readTree(base.formatted(c.fields()))))
          .as(c.fields()).isInstanceOf(PierException.class).hasMessageContaining(c.message())
          .satisfies(e -> assertThat(((PierException) e).status()).isEqualTo(400));
    }
    assertThatThrownBy(() -> api().submit(TrainingJobsTable.JSON.readTree("""
        {"name": "bad", "dataset": {"uri": "s3://data/set.csv", "label": "y"},
         "script": {"command": "python3 t.py", "framework": "onnx"}}
        """))).hasMessageContaining("script is only for");
  }
}
