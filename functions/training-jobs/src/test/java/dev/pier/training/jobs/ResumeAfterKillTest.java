package dev.pier.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.statemachines.AslDefinition;
import dev.pier.training.tracking.JobTracking;
import dev.pier.statemachines.LocalStateMachineRunner;
import dev.pier.statemachines.LocalStateMachineRunner.ExecutionResult;
import dev.pier.training.Split;
import dev.pier.training.TrainingTable;
import dev.pier.training.datasets.Datasets;
import dev.pier.tracking.TrackingStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

/**
 * A training job whose process dies mid-search (as under {@code kill -9}: no task after the death runs, nothing is
 * recorded as failed) and is started again by a fresh process: the trials finished before the death are never run
 * again, the one that was running runs again with its params, and the job finishes with every trial once.
 */
class ResumeAfterKillTest {
  @TempDir static Path work;
  static LocalTrainingFixture world;
  static TrainingJobsTable jobs;
  static Datasets datasets;
  static TrainingSettings settings;

  @BeforeAll
  static void start() throws Exception {
    world = new LocalTrainingFixture(work).dataset(200, 3, LocalTrainingFixture.NOISY_A);
    jobs = world.jobs;
    datasets = world.datasets;
    settings = world.settings;
  }

  @AfterAll
  static void stop() {
    world.close();
  }

  /** The real trainer, counting and naming the trials it cross-validates; it can die on a chosen call. */
  static final class CountingTrainer extends CrossValidationTrainer {
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
    TrainingWorker worker = world.worker(trainer, new Searches(jobs, trainer), world.tracking(world.dynamo), settings);
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
    TrackingStore tracking = world.tracking(world.dynamo).store();
    for (String run : List.of(done.parentRunId(), done.refit().runId())) {
      assertThat(tracking.run(run).tags())
          .containsEntry("mlflow.source.git.commit", "0123456789abcdef0123456789abcdef01234567")
          .containsEntry("mlflow.source.git.repoURL", "https://git.example/r.git")
          .containsEntry("pier.library.xgboost4j", "3.4.0")
          .containsEntry("pier.version", "0.1.0-SNAPSHOT")
          .containsEntry("pier.library.java", System.getProperty("java.version"));
    }
  }

  /** The client of a process that dies when it writes a trial's end (a transaction that puts into the jobs table). */
  private static DynamoDbClient dyingAtTrialEnd(DynamoDbClient real) {
    return (DynamoDbClient) Proxy.newProxyInstance(DynamoDbClient.class.getClassLoader(),
        new Class<?>[] {DynamoDbClient.class}, (proxy, method, args) -> {
          if (method.getName().equals("transactWriteItems") && args[0] instanceof Consumer<?> c) {
            @SuppressWarnings("unchecked")
            var request = TransactWriteItemsRequest.builder()
                .applyMutation((Consumer<TransactWriteItemsRequest.Builder>) c).build();
            if (request.transactItems().stream().anyMatch(i -> i.put() != null && i.put().tableName().equals("jobs"))) {
              throw new ProcessDied();
            }
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /** Scores every trial 0.8 after a history of {@link #ROUNDS} rounds, without training; counts its calls. */
  static final class LongHistoryTrainer extends CrossValidationTrainer {
    static final int ROUNDS = 1000; // more than one transaction (100 writes): the first are written before the trial's end
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public CvOutcome crossValidate(TrainingTable table, List<Split> folds, Map<String, Object> p, String metric,
        long seed, Progress progress) {
      calls.incrementAndGet();
      List<Double> history = new ArrayList<>();
      for (int round = 0; round < ROUNDS; round++) {
        history.add(0.5 + 0.3 * round / (ROUNDS - 1));
      }
      return new CvOutcome(0.8, 0.01, List.of(0.8, 0.8), history, ROUNDS - 1);
    }
  }

  /** A job of one trial, prepared and its trial suggested by {@code worker}: trial 0 is ready to run. */
  private static TrainingJob oneTrialSuggested(String name, ModelTrainer trainer, TrainingWorker worker)
      throws Exception {
    TrainingJobs api = new TrainingJobs(jobs, datasets, trainer, NOT_STARTED, settings, new Searches(jobs, trainer),
        Clock.systemUTC());
    TrainingJob job = api.submit(TrainingJobsTable.JSON.readTree("""
        {"name": "NAME", "dataset": {"uri": "s3://data/set.csv", "label": "y"},
         "params": {"objective": "binary:logistic", "num_round": 6}, "metric": "auc", "cv": {"folds": 2}, "seed": 5,
         "tuning": {"strategy": "random", "max_trials": 1, "parallel": 1,
                    "space": {"max_depth": {"type": "int", "low": 2, "high": 6}}}}
        """.replace("NAME", name)));
    worker.handle(task("prepare", job.id()));
    assertThat(worker.handle(task("suggest", job.id())).path("trials").get(0).asInt()).isZero();
    return job;
  }

  @Test
  void aTrialKilledBetweenLoggingItsHistoryAndRecordingItsEndLogsItOnceWhenRunAgain() throws Exception {
    LongHistoryTrainer trainer = new LongHistoryTrainer();
    TrainingWorker dying = world.worker(trainer, new Searches(jobs, trainer),
        world.tracking(dyingAtTrialEnd(world.dynamo)), settings);
    TrainingJob job = oneTrialSuggested("retried", trainer, dying);
    assertThatThrownBy(() -> dying.handle(task("trial", job.id()).put("trial", 0))).isInstanceOf(ProcessDied.class);
    TrialRecord interrupted = jobs.trial(job.id(), 0).orElseThrow();
    assertThat(interrupted.state()).isEqualTo("RUNNING");
    TrackingStore store = world.tracking(world.dynamo).store();
    assertThat(store.metricHistory(interrupted.runId(), "cv_auc_by_round")).as("logged up to the trial's end")
        .hasSizeBetween(1, LongHistoryTrainer.ROUNDS - 1);
    assertThat(store.run(interrupted.runId()).status()).isEqualTo("RUNNING");

    TrainingWorker fresh = world.worker(trainer, new Searches(jobs, trainer), world.tracking(world.dynamo), settings);
    fresh.handle(task("trial", job.id()).put("trial", 0));

    TrialRecord done = jobs.trial(job.id(), 0).orElseThrow();
    assertThat(done.state()).isEqualTo("SUCCEEDED");
    assertThat(trainer.calls.get()).as("run again: its end was not recorded").isEqualTo(2);
    assertThat(done.runId()).isEqualTo(interrupted.runId());
    assertThat(store.run(done.runId()).status()).isEqualTo("FINISHED");
    var history = store.metricHistory(done.runId(), "cv_auc_by_round");
    assertThat(history).extracting(m -> m.step()).containsExactlyElementsOf(
        java.util.stream.LongStream.range(0, LongHistoryTrainer.ROUNDS).boxed().toList());
    assertThat(history).extracting(m -> m.value()).containsExactlyElementsOf(done.history());
    assertThat(store.metricHistory(done.runId(), "cv_auc_mean")).extracting(m -> m.value()).containsExactly(0.8);
    assertThat(store.searchRuns(List.of(jobs.require(job.id()).experimentId()), "tags.`pier.trial` = '0'",
        "ACTIVE_ONLY", List.of(), null, 100).items()).as("the trial's run, created once").extracting(r -> r.runId())
        .containsExactly(done.runId());
  }

  @Test
  void anAttemptFinishingATrialAnotherAttemptFinishedWritesNothing() throws Exception {
    LongHistoryTrainer trainer = new LongHistoryTrainer();
    JobTracking tracking = world.tracking(world.dynamo);
    TrainingWorker worker = world.worker(trainer, new Searches(jobs, trainer), tracking, settings);
    TrainingJob job = oneTrialSuggested("raced", trainer, worker);
    worker.handle(task("trial", job.id()).put("trial", 0));
    TrialRecord first = jobs.trial(job.id(), 0).orElseThrow();

    TrialRecord late = new TrialRecord(0, first.params(), "FAILED", null, null, null, null, null, "late", first.runId(),
        1, 0);
    boolean written = tracking.finish(first.runId(), Map.of("cv_auc_mean", 0.1), "cv_auc_by_round", List.of(0.1),
        Map.of("pier.error", "late"), "FAILED", jobs.putTrialAction(job.id(), late));

    assertThat(written).isFalse();
    assertThat(jobs.trial(job.id(), 0).orElseThrow()).isEqualTo(first);
    var run = tracking.store().run(first.runId());
    assertThat(run.status()).isEqualTo("FINISHED");
    assertThat(run.tags()).doesNotContainKey("pier.error");
    assertThat(tracking.store().metricHistory(first.runId(), "cv_auc_mean")).extracting(m -> m.value())
        .containsExactly(0.8);
    assertThat(tracking.store().metricHistory(first.runId(), "cv_auc_by_round")).hasSize(LongHistoryTrainer.ROUNDS);
  }

  private static ObjectNode task(String action, String id) {
    return JsonNodeFactory.instance.objectNode().put("action", action).put("job_id", id);
  }
}
