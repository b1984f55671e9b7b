package dev.pier.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.batch.Priority;
import dev.pier.kernel.aws.DynamoTables;
import dev.pier.registry.RegistryTable;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * A queued job's place on the local launcher (the server's queue, {@link TrainingQueue}'s rule): with one job of a
 * project at once, a project's first job runs (its trial held open) and the others wait, the high-priority one first;
 * another project's job runs beside them; running jobs have no place.
 */
class LocalQueuePlaceTest {
  @TempDir static Path work;
  static StandIns standIns;
  static TrainingJobs api;
  static LocalTrainingLauncher launcher;
  static final CountDownLatch release = new CountDownLatch(1);

  /** Holds every trial open (reporting rounds, so a cancel stops it) until released. */
  static final class HeldTrainer implements ModelTrainer {
    final XGBoostModelTrainer real = new XGBoostModelTrainer(1);

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

  @BeforeAll
  static void start() throws Exception {
    standIns = new StandIns(work.resolve("aws"));
    var dynamo = standIns.clients.dynamoDb();
    standIns.clients.s3().createBucket(b -> b.bucket("data"));
    DynamoTables.createIfMissing(dynamo, "jobs", DynamoTables.SINGLE_TABLE, null);
    RegistryTable.createIfMissing(dynamo, "registry");
    TrainingJobsTable jobs = new TrainingJobsTable(dynamo, "jobs");
    Datasets datasets = new Datasets(new DatasetsTable(dynamo, "jobs"), standIns.clients.s3(),
        new DatasetFiles(standIns.clients.s3(), work.resolve("cache")), StandIns.ANY_S3, Clock.systemUTC());
    // lanes wide enough that only the project's limit (1) holds jobs back
    TrainingSettings settings = new TrainingSettings("data", "jobs", PriceTable.defaults(),
        Map.of(Priority.HIGH, 5, Priority.NORMAL, 5, Priority.LOW, 5), 1, 1);
    Random r = new Random(5);
    StringBuilder csv = new StringBuilder("a,b,y\n");
    for (int i = 0; i < 40; i++) {
      csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%d%n", r.nextDouble(), r.nextDouble(), i % 2));
    }
    standIns.clients.s3().putObject(b -> b.bucket("data").key("set.csv"), RequestBody.fromString(csv.toString()));
    HeldTrainer trainer = new HeldTrainer();
    Searches searches = new Searches(jobs, trainer);
    TrainingWorker worker = new TrainingWorker(jobs, datasets, trainer, searches,
        new JobTracking(new TrackingStore(dynamo, "registry", "s3://data/mlflow")), null, standIns.clients.s3(),
        settings, Clock.systemUTC());
    launcher = new LocalTrainingLauncher(jobs, worker, settings, Clock.systemUTC());
    api = new TrainingJobs(jobs, datasets, trainer, launcher, settings, searches, Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    release.countDown();
    launcher.close();
    standIns.close();
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
