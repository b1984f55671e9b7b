package dev.pier.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.pier.kernel.aws.DynamoTables;
import dev.pier.registry.RegistryTable;
import dev.pier.statemachines.AslDefinition;
import dev.pier.statemachines.LocalStateMachineRunner;
import dev.pier.statemachines.LocalStateMachineRunner.ExecutionResult;
import dev.pier.training.Split;
import dev.pier.training.StandIns;
import dev.pier.training.TrainingTable;
import dev.pier.training.cost.PriceTable;
import dev.pier.training.datasets.DatasetFiles;
import dev.pier.training.datasets.Datasets;
import dev.pier.training.datasets.DatasetsTable;
import dev.pier.training.tracking.JobTracking;
import dev.pier.tracking.TrackingStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * A training job whose process dies mid-search (as under {@code kill -9}: no task after the death runs, nothing is
 * recorded as failed) and is started again by a fresh process: the trials finished before the death are never run
 * again, the one that was running runs again with its params, and the job finishes with every trial once.
 */
class ResumeAfterKillTest {
  @TempDir static Path work;
  static StandIns standIns;
  static TrainingJobsTable jobs;
  static Datasets datasets;
  static TrainingSettings settings;

  @BeforeAll
  static void start() throws Exception {
    standIns = new StandIns(work.resolve("aws"));
    var dynamo = standIns.clients.dynamoDb();
    standIns.clients.s3().createBucket(b -> b.bucket("data"));
    DynamoTables.createIfMissing(dynamo, "jobs", DynamoTables.SINGLE_TABLE, null);
    RegistryTable.createIfMissing(dynamo, "registry");
    jobs = new TrainingJobsTable(dynamo, "jobs");
    datasets = new Datasets(new DatasetsTable(dynamo, "jobs"), standIns.clients.s3(),
        new DatasetFiles(standIns.clients.s3(), work.resolve("cache")), StandIns.ANY_S3, Clock.systemUTC());
    settings = new TrainingSettings("data", "jobs", PriceTable.defaults(), Map.of(), 2, 1);
    Random r = new Random(3);
    StringBuilder csv = new StringBuilder("a,b,y\n");
    for (int i = 0; i < 200; i++) {
      double a = r.nextDouble();
      double b = r.nextDouble();
      csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%d%n", a, b, a + 0.5 * r.nextGaussian() > 0.5 ? 1 : 0));
    }
    standIns.clients.s3().putObject(b -> b.bucket("data").key("set.csv"), RequestBody.fromString(csv.toString()));
  }

  @AfterAll
  static void stop() {
    standIns.close();
  }

  /** The real trainer, counting and naming the trials it cross-validates; it can die on a chosen call. */
  static final class CountingTrainer implements ModelTrainer {
    final XGBoostModelTrainer real = new XGBoostModelTrainer(1);
    final AtomicInteger calls = new AtomicInteger();
    final List<Map<String, Object>> params = Collections.synchronizedList(new ArrayList<>());
    final int dieOnCall;
    final AtomicBoolean dead;

    CountingTrainer(int dieOnCall, AtomicBoolean dead) {
      this.dieOnCall = dieOnCall;
      this.dead = dead;
    }

    @Override
    public CvOutcome crossValidate(TrainingTable table, List<Split> folds, Map<String, Object> p, String metric,
        long seed, Progress progress) {
      if (calls.incrementAndGet() == dieOnCall) {
        dead.set(true);
        throw new ProcessDied();
      }
      params.add(p);
      return real.crossValidate(table, folds, p, metric, seed, progress);
    }

    @Override
    public void check(Map<String, Object> p, String metric) {
      real.check(p, metric);
    }

    @Override
    public boolean classification(Map<String, Object> p) {
      return real.classification(p);
    }

    @Override
    public Model fit(TrainingTable table, int[] rows, Map<String, Object> p, int rounds, long seed) {
      return real.fit(table, rows, p, rounds, seed);
    }

    @Override
    public double score(byte[] model, TrainingTable table, int[] rows, Map<String, Object> p, String metric) {
      return real.score(model, table, rows, p, metric);
    }

    @Override
    public boolean greaterIsBetter(String metric) {
      return real.greaterIsBetter(metric);
    }

    @Override
    public String framework() {
      return real.framework();
    }

    @Override
    public String extension() {
      return real.extension();
    }
  }

  /** Submission stores the job; the test starts its "processes" itself. */
  private static final TrainingLauncher NOT_STARTED = new TrainingLauncher() {
    @Override
    public void launch(TrainingJob job) {}

    @Override
    public void stop(String id) {}
  };

  /** Not an exception the worker records: the process is gone. */
  static final class ProcessDied extends Error {}

  /** One process: a worker and a runner; once {@code dead}, no task of it runs any more (its execution ends). */
  private static ExecutionResult process(String jobId, CountingTrainer trainer, AtomicBoolean dead) {
    TrackingStore tracking = new TrackingStore(standIns.clients.dynamoDb(), "registry", "s3://data/mlflow");
    TrainingWorker worker = new TrainingWorker(jobs, datasets, trainer, new Searches(jobs, trainer),
        new JobTracking(tracking), null, standIns.clients.s3(), settings, Clock.systemUTC());
    LocalStateMachineRunner runner = LocalStateMachineRunner.builder()
        .task("arn:aws:states:::lambda:invoke", (parameters, context) -> {
          if (dead.get()) {
            throw new InterruptedException("the process is gone");
          }
          return worker.invoke(parameters);
        }).build();
    AslDefinition definition = AslDefinition.bundled("training", settings.substitutions());
    return runner.run(definition, JsonNodeFactory.instance.objectNode().put("job_id", jobId), jobId);
  }

  @Test
  void aKilledSearchResumesWithoutRunningAFinishedTrialAgain() throws Exception {
    CountingTrainer checker = new CountingTrainer(0, new AtomicBoolean());
    TrainingJobs api = new TrainingJobs(jobs, datasets, checker, NOT_STARTED, settings, new Searches(jobs, checker),
        Clock.systemUTC());
    JsonNode spec = TrainingJobsTable.JSON.readTree("""
        {"name": "resume", "dataset": {"uri": "s3://data/set.csv", "label": "y"},
         "params": {"objective": "binary:logistic", "num_round": 8},
         "metric": "auc", "cv": {"folds": 3}, "seed": 11,
         "source": {"git_commit": "0123456789ABCDEF0123456789abcdef01234567", "repository": "https://git.example/r.git"},
         "tuning": {"strategy": "random", "max_trials": 6, "parallel": 1,
                    "space": {"max_depth": {"type": "int", "low": 2, "high": 6},
                              "eta": {"type": "float", "low": 0.05, "high": 0.5, "log": true}}}}
        """);
    TrainingJob job = api.submit(spec);
    jobs.update(job.id(), j -> j.with(b -> {
      b.startedAt = java.time.Instant.now();
      return b;
    }), false);

    AtomicBoolean dead = new AtomicBoolean();
    CountingTrainer first = new CountingTrainer(4, dead); // dies while its 4th trial trains
    ExecutionResult killed = process(job.id(), first, dead);
    assertThat(killed.status()).isNotEqualTo(ExecutionResult.Status.SUCCEEDED);
    List<TrialRecord> before = jobs.trials(job.id());
    assertThat(before).extracting(TrialRecord::state).containsExactly("SUCCEEDED", "SUCCEEDED", "SUCCEEDED",
        "RUNNING");
    assertThat(jobs.require(job.id()).state()).isEqualTo(JobState.RUNNING);

    CountingTrainer second = new CountingTrainer(0, new AtomicBoolean());
    ExecutionResult resumed = process(job.id(), second, new AtomicBoolean());

    assertThat(resumed.status()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    assertThat(second.calls.get()).isEqualTo(3); // trials 3, 4, 5: none of the three finished ones
    assertThat(second.params.get(0)).isEqualTo(before.get(3).params()); // the interrupted one, with its params
    List<TrialRecord> after = jobs.trials(job.id());
    assertThat(after).extracting(TrialRecord::number).containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(after).allMatch(t -> t.state().equals("SUCCEEDED"));
    assertThat(after.subList(0, 3)).isEqualTo(before.subList(0, 3)); // their records untouched
    TrainingJob done = jobs.require(job.id());
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.trials().total()).isEqualTo(6);
    assertThat(done.refit().holdoutScore()).isNotNull();
    // the code reference and library versions on the parent and the refit (the registered) run
    TrackingStore tracking = new TrackingStore(standIns.clients.dynamoDb(), "registry", "s3://data/mlflow");
    for (String run : List.of(done.parentRunId(), done.refit().runId())) {
      assertThat(tracking.run(run).tags())
          .containsEntry("mlflow.source.git.commit", "0123456789abcdef0123456789abcdef01234567")
          .containsEntry("mlflow.source.git.repoURL", "https://git.example/r.git")
          .containsEntry("pier.library.xgboost4j", "3.4.0")
          .containsEntry("pier.version", "0.1.0-SNAPSHOT")
          .containsEntry("pier.library.java", System.getProperty("java.version"));
    }
  }
}
