package dev.pier.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.batch.Priority;
import dev.pier.training.Split;
import dev.pier.training.TrainingTable;
import dev.pier.training.cost.PriceTable;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A queued job's place on the local launcher (the server's queue, {@link TrainingQueue}'s rule): with one job of a
 * project at once, a project's first job runs (its trial held open) and the others wait, the high-priority one first;
 * another project's job runs beside them; running jobs have no place.
 */
class LocalQueuePlaceTest {
  @TempDir static Path work;
  static LocalTrainingFixture world;
  static TrainingJobs api;
  static LocalTrainingLauncher launcher;
  static final CountDownLatch release = new CountDownLatch(1);

  /** Holds every trial open (reporting rounds, so a cancel stops it) until released. */
  static final class HeldTrainer extends CrossValidationTrainer {
    @Override
    public CvOutcome crossValidate(TrainingTable table, List<Split> folds, Map<String, Object> p, String metric,
        long seed, Progress progress) {
      try {
        int round = 0;
        while (!release.await(50, TimeUnit.MILLISECONDS)) {
          progress.round(round++, 0.5);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new CvOutcome(0.5, 0, List.of(0.5, 0.5), List.of(0.5), 0);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    world = new LocalTrainingFixture(work).dataset(40, 5, LocalTrainingFixture.ALTERNATING);
    // lanes wide enough that only the project's limit (1) holds jobs back
    TrainingSettings settings = new TrainingSettings("data", "jobs", PriceTable.defaults(),
        Map.of(Priority.HIGH, 5, Priority.NORMAL, 5, Priority.LOW, 5), 1, 1);
    HeldTrainer trainer = new HeldTrainer();
    Searches searches = new Searches(world.jobs, trainer);
    TrainingWorker worker = world.worker(trainer, searches, world.tracking(world.dynamo), settings);
    launcher = new LocalTrainingLauncher(world.jobs, worker, settings, Clock.systemUTC());
    api = new TrainingJobs(world.jobs, world.datasets, trainer, launcher, settings, searches, Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    release.countDown();
    launcher.close();
    world.close();
  }

  private static String submit(String name, String project, String priority) throws Exception {
    JsonNode spec = TrainingJobsTable.JSON.readTree("""
        {"name": "NAME", "project": "PROJECT", "priority": "PRIORITY",
         "dataset": {"uri": "s3://data/set.csv", "label": "y"},
         "params": {"objective": "binary:logistic", "num_round": 2}, "cv": {"folds": 2}, "seed": 1}
        """.replace("NAME", name).replace("PROJECT", project).replace("PRIORITY", priority));
    return api.submit(spec).id();
  }

  @Test
  void waitingJobsSayTheirPlaceInTheirProjectsQueue() throws Exception {
    String first = submit("l-a", "p", "normal");
    String low = submit("l-b", "p", "low");
    String high = submit("l-c", "p", "high");
    String other = submit("l-d", "q", "low");
    assertThat(launcher.queued(low)).isTrue();
    assertThat(api.place(high)).contains(new TrainingQueue.Place(1, 2, 1, 1));
    assertThat(api.place(low)).contains(new TrainingQueue.Place(2, 2, 1, 1));
    assertThat(api.place(first)).as("running").isEmpty();
    assertThat(api.place(other)).as("another project's slot: running").isEmpty();
    api.cancel(high);
    assertThat(api.place(low)).contains(new TrainingQueue.Place(1, 1, 1, 1));
  }
}
