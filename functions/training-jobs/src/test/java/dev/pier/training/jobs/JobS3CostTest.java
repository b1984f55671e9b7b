package dev.pier.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.pier.kernel.aws.DynamoTables;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.RegistryTable;
import dev.pier.statemachines.AslDefinition;
import dev.pier.statemachines.LocalStateMachineRunner;
import dev.pier.statemachines.LocalStateMachineRunner.ExecutionResult;
import dev.pier.training.StandIns;
import dev.pier.training.cost.CostReport;
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
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * S3 in a job's cost: the requests its steps make (the dataset's LIST and one GET per object, the refit model's PUT,
 * the GETs reading it back to evaluate and register, the registry's PUT) and a month of the bytes it stored, at S3
 * Standard's us-east-1 prices; counted once even when the process dies after the refit and the job resumes.
 */
class JobS3CostTest {
  @TempDir static Path work;
  static StandIns standIns;
  static TrainingJobsTable jobs;
  static Datasets datasets;
  static TrainingSettings settings;
  static ModelRegistry registry;

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
    settings = new TrainingSettings("data", "jobs", PriceTable.defaults(), Map.of(), 2, 1);
    Random r = new Random(6);
    for (int part = 0; part < 3; part++) { // three objects under one prefix
      StringBuilder csv = new StringBuilder("a,b,y\n");
      for (int i = 0; i < 60; i++) {
        double a = r.nextDouble();
        double b = r.nextDouble();
        csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%d%n", a, b, a + 0.5 * r.nextGaussian() > 0.5 ? 1 : 0));
      }
      String key = "parts/part-" + part + ".csv";
      standIns.clients.s3().putObject(b -> b.bucket("data").key(key), RequestBody.fromString(csv.toString()));
    }
  }

  @AfterAll
  static void stop() {
    standIns.close();
  }

  private static ExecutionResult process(String id, AtomicBoolean dead, boolean dieAfterRefit) {
    XGBoostModelTrainer trainer = new XGBoostModelTrainer(1);
    TrackingStore tracking = new TrackingStore(standIns.clients.dynamoDb(), "registry", "s3://data/mlflow");
    TrainingWorker worker = new TrainingWorker(jobs, datasets, trainer, new Searches(jobs, trainer),
        new JobTracking(tracking), registry, standIns.clients.s3(), settings, Clock.systemUTC());
    LocalStateMachineRunner runner = LocalStateMachineRunner.builder()
        .task("arn:aws:states:::lambda:invoke", (parameters, context) -> {
          if (dead.get()) {
            throw new InterruptedException("the process is gone");
          }
          JsonNode answer = worker.invoke(parameters);
          if (dieAfterRefit && parameters.path("Payload").path("action").asText().equals("refit")) {
            dead.set(true);
            throw new InterruptedException("the process is gone before the refit's answer");
          }
          return answer;
        }).build();
    ExecutionResult result = runner.run(AslDefinition.bundled("training", settings.substitutions()),
        JsonNodeFactory.instance.objectNode().put("job_id", id), id);
    Thread.interrupted(); // a death on this thread is aborted by interrupting it: that process is over
    return result;
  }

  @Test
  void aJobsCostHasItsS3RequestsAndAMonthOfWhatItStoredAtS3sPrices() throws Exception {
    XGBoostModelTrainer trainer = new XGBoostModelTrainer(1);
    TrainingJobs api = new TrainingJobs(jobs, datasets, trainer, new TrainingLauncher() {
      @Override
      public void launch(TrainingJob job) {}

      @Override
      public void stop(String id) {}
    }, settings, new Searches(jobs, trainer), Clock.systemUTC());
    TrainingJob job = api.submit(TrainingJobsTable.JSON.readTree("""
        {"name": "s3cost", "project": "s3", "dataset": {"uri": "s3://data/parts/", "label": "y"},
         "params": {"objective": "binary:logistic", "num_round": 5}, "cv": {"folds": 2}, "seed": 1,
         "register": {"model": "s3cost"}}
        """));

    assertThat(process(job.id(), new AtomicBoolean(), true).status()).isNotEqualTo(ExecutionResult.Status.SUCCEEDED);
    assertThat(jobs.require(job.id()).refit()).isNotNull();
    assertThat(process(job.id(), new AtomicBoolean(), false).status()).isEqualTo(ExecutionResult.Status.SUCCEEDED);

    TrainingJob done = jobs.require(job.id());
    var cost = done.cost();
    long model = standIns.clients.s3().headObject(b -> b.bucket("data")
        .key(done.refit().modelUri().substring("s3://data/".length()))).contentLength();
    long registered = registry.version("s3cost", done.registered().version()).artifact().sizeBytes();
    assertThat(registered).isEqualTo(model);
    // PUTs: the refit model, the registry's copy; GETs: the dataset's LIST and 3 objects, evaluate, register
    assertThat(cost.s3PutRequests()).isEqualTo(2);
    assertThat(cost.s3GetRequests()).isEqualTo(1 + 3 + 1 + 1);
    assertThat(cost.s3StoredBytes()).isEqualTo(model + registered);
    double gbMonths = (model + registered) / 1073741824.0;
    assertThat(cost.s3GbMonths()).isCloseTo(gbMonths, within(1e-9));
    // S3 Standard us-east-1: $0.005 per 1,000 PUTs, $0.0004 per 1,000 GETs, $0.023 per GB-month
    double s3 = 2 * 0.005 / 1000 + 6 * 0.0004 / 1000 + gbMonths * 0.023;
    assertThat(cost.s3Usd()).isCloseTo(s3, within(1e-6)).isPositive();
    assertThat(cost.totalUsd()).isCloseTo(cost.computeUsd() + cost.stepFunctionsUsd() + cost.s3Usd(), within(2e-6));
    CostReport report = CostReport.of(List.of(done), "s3", null, Map.of());
    assertThat(report.s3Usd()).isEqualTo(cost.s3Usd());
    assertThat(report.totalUsd()).isEqualTo(cost.totalUsd());
  }
}
