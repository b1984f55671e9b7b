package dev.pier.training.jobs;

import dev.pier.kernel.aws.DynamoTables;
import dev.pier.registry.RegistryTable;
import dev.pier.training.StandIns;
import dev.pier.training.cost.PriceTable;
import dev.pier.training.datasets.DatasetFiles;
import dev.pier.training.datasets.Datasets;
import dev.pier.training.datasets.DatasetsTable;
import dev.pier.training.tracking.JobTracking;
import dev.pier.tracking.TrackingStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * What a test of local training jobs stands on: the AWS stand-ins, the jobs table (through a client the test may wrap,
 * to count or to kill calls), the registry table MLflow's runs live in, bucket {@code data} with the job's dataset at
 * {@code s3://data/set.csv} (features {@code a}, {@code b} uniform in [0, 1), label {@code y}), and the settings most
 * tests run with (two trials' lanes, one job per project).
 */
final class LocalTrainingFixture implements AutoCloseable {
  /** A row's label from its features, the fixture's random numbers (drawn after the features) and its index. */
  interface Label {
    int of(double a, double b, Random random, int row);
  }

  /** Alternating 0 and 1: nothing to learn, for tests that do not train. */
  static final Label ALTERNATING = (a, b, random, row) -> row % 2;
  /** 1 where {@code a} plus Gaussian noise passes 0.5: something XGBoost can learn, not perfectly. */
  static final Label NOISY_A = (a, b, random, row) -> a + 0.5 * random.nextGaussian() > 0.5 ? 1 : 0;

  final StandIns standIns;
  final DynamoDbClient dynamo;
  final TrainingJobsTable jobs;
  final Datasets datasets;
  final TrainingSettings settings = new TrainingSettings("data", "jobs", PriceTable.defaults(), Map.of(), 2, 1);

  /** The stand-ins and tables, the jobs table through the client as {@code jobsClient} wraps it. */
  LocalTrainingFixture(Path work, UnaryOperator<DynamoDbClient> jobsClient) throws Exception {
    this(work, jobsClient, false);
  }

  /** As above, the DynamoDB client over the stand-in's in-process transport when {@code dynamoDbInProcess}. */
  LocalTrainingFixture(Path work, UnaryOperator<DynamoDbClient> jobsClient, boolean dynamoDbInProcess)
      throws Exception {
    standIns = new StandIns(work.resolve("aws"), dynamoDbInProcess);
    dynamo = standIns.clients.dynamoDb();
    standIns.clients.s3().createBucket(b -> b.bucket("data"));
    DynamoTables.createIfMissing(dynamo, "jobs", DynamoTables.SINGLE_TABLE, null);
    RegistryTable.createIfMissing(dynamo, "registry");
    jobs = new TrainingJobsTable(jobsClient.apply(dynamo), "jobs");
    datasets = new Datasets(new DatasetsTable(dynamo, "jobs"), standIns.clients.s3(),
        new DatasetFiles(standIns.clients.s3(), work.resolve("cache")), StandIns.ANY_S3, Clock.systemUTC());
  }

  LocalTrainingFixture(Path work) throws Exception {
    this(work, UnaryOperator.identity());
  }

  /** Writes the dataset: {@code rows} rows drawn from {@code seed}, labelled by {@code label}. */
  LocalTrainingFixture dataset(int rows, long seed, Label label) {
    Random r = new Random(seed);
    StringBuilder csv = new StringBuilder("a,b,y\n");
    for (int i = 0; i < rows; i++) {
      double a = r.nextDouble();
      double b = r.nextDouble();
      csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%d%n", a, b, label.of(a, b, r, i)));
    }
    standIns.clients.s3().putObject(b -> b.bucket("data").key("set.csv"), RequestBody.fromString(csv.toString()));
    return this;
  }

  /** MLflow's runs in the registry table, as the worker tracks them (through {@code client}, the plain one or a wrap). */
  JobTracking tracking(DynamoDbClient client) {
    return new JobTracking(new TrackingStore(client, "registry", "s3://data/mlflow"));
  }

  /** A worker of this world, with the given trainer and tracking. */
  TrainingWorker worker(ModelTrainer trainer, Searches searches, JobTracking tracking, TrainingSettings with) {
    return new TrainingWorker(jobs, datasets, trainer, searches, tracking, null, standIns.clients.s3(), with,
        Clock.systemUTC());
  }

  @Override
  public void close() {
    standIns.close();
  }
}
