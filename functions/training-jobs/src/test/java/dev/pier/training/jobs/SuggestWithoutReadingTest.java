package dev.pier.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Suggest and the trial task skip their reads when this process holds the job and the trials as its own writes left
 * them (the bookkeeping's fewest round trips): the next Suggest then writes without reading, and a job changed since by
 * anyone else is read again — a cancelled one stops the search, another change is kept and the trials counted once.
 */
class SuggestWithoutReadingTest {
  @TempDir Path work;
  LocalTrainingFixture world;
  TrainingWorker worker;
  String id;

  @BeforeEach
  void start() throws Exception {
    world = new LocalTrainingFixture(work, dynamo -> SearchBookkeepingTest.counting(dynamo, "jobs"))
        .dataset(100, 5, LocalTrainingFixture.ALTERNATING);
    var trainer = new SearchBookkeepingTest.SurfaceTrainer();
    Searches searches = new Searches(world.jobs, trainer);
    TrainingJobs api = new TrainingJobs(world.jobs, world.datasets, trainer, new TrainingLauncher() {
      @Override
      public void launch(TrainingJob job) {}

      @Override
      public void stop(String id) {}
    }, world.settings, searches, Clock.systemUTC());
    TrainingJob job = api.submit(TrainingJobsTable.JSON.readTree("""
        {"name": "few", "dataset": {"uri": "s3://data/set.csv", "label": "y"},
         "params": {"objective": "binary:logistic", "num_round": 2}, "metric": "auc", "cv": {"folds": 2}, "seed": 3,
         "tuning": {"strategy": "random", "max_trials": 4, "parallel": 1,
                    "space": {"max_depth": {"type": "int", "low": 2, "high": 8},
                              "eta": {"type": "float", "low": 0.01, "high": 0.3, "log": true}}}}
        """));
    id = job.id();
    worker = world.worker(trainer, searches, world.tracking(world.dynamo), world.settings);
    worker.handle(task("prepare"));
  }

  @AfterEach
  void stop() {
    world.close();
  }

  /** Suggest, then each trial it suggested; the trial numbers. */
  private JsonNode batch() {
    JsonNode batch = worker.handle(task("suggest"));
    for (JsonNode n : batch.path("trials")) {
      worker.handle(task("trial").put("trial", n.asInt()));
    }
    return batch;
  }

  /** Calls to the jobs table's reads (GetItem, BatchGetItem, Query) while {@code run} runs. */
  private long readsDuring(Runnable run) {
    long before = readCalls();
    run.run();
    return readCalls() - before;
  }

  private static long readCalls() {
    return SearchBookkeepingTest.calls.entrySet().stream()
        .filter(e -> e.getKey().matches("jobs (getItem|batchGetItem|query)"))
        .mapToLong(e -> e.getValue().get()).sum();
  }

  @Test
  void aSearchInOneProcessReadsNothingPerTrialAfterItsFirst() {
    batch();
    assertThat(readsDuring(this::batch)).isZero();
    assertThat(readsDuring(this::batch)).isZero();
    TrainingJob job = world.jobs.require(id);
    assertThat(job.trials().total()).isEqualTo(3);
    assertThat(job.trials().succeeded()).isEqualTo(2); // the third is folded in by the next Suggest
    assertThat(world.jobs.trials(id)).allMatch(TrialRecord::finished);
  }

  @Test
  void aJobCancelledSinceThisProcessWroteItStopsTheNextSuggest() {
    batch();
    world.jobs.update(id, j -> j.with(b -> {
      b.state = JobState.ABORTED;
      return b;
    }), false);
    assertThatThrownBy(() -> worker.handle(task("suggest"))).isInstanceOf(TrainingWorker.JobFailed.class)
        .hasMessageContaining("ABORTED");
    assertThat(world.jobs.trials(id)).hasSize(1);
  }

  @Test
  void aJobChangedElsewhereIsReadAndItsTrialsCountedOnce() {
    batch();
    world.jobs.update(id, j -> j.with(b -> b.phase("elsewhere")), false); // another writer: a new revision
    JsonNode second = batch();
    assertThat(second.path("trials")).hasSize(1);
    batch();
    TrainingJob job = world.jobs.require(id);
    assertThat(job.phase()).isEqualTo("elsewhere");
    assertThat(job.trials().total()).isEqualTo(3);
    assertThat(job.trials().succeeded()).isEqualTo(2);
    assertThat(job.tally().folded()).isEqualTo(2);
  }

  private ObjectNode task(String action) {
    return JsonNodeFactory.instance.objectNode().put("action", action).put("job_id", id);
  }
}
