package dev.pier.training.http;

import dev.pier.batch.Priority;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.S3SourcePolicy;
import dev.pier.kernel.local.LocalStandIns;
import dev.pier.registry.ModelRegistry;
import dev.pier.tracking.TrackingStore;
import dev.pier.kernel.PierException;
import dev.pier.training.cost.PriceTable;
import dev.pier.training.datasets.DatasetFiles;
import dev.pier.training.datasets.Datasets;
import dev.pier.training.datasets.DatasetsTable;
import dev.pier.training.jobs.LocalTrainingLauncher;
import dev.pier.training.jobs.Searches;
import dev.pier.training.jobs.TrainingJob;
import dev.pier.training.jobs.TrainingJobs;
import dev.pier.training.jobs.TrainingJobsTable;
import dev.pier.training.jobs.TrainingLauncher;
import dev.pier.training.jobs.TrainingSettings;
import dev.pier.training.jobs.TrainingWorker;
import dev.pier.training.jobs.StepFunctionsTrainingLauncher;
import dev.pier.training.jobs.XGBoostModelTrainer;
import dev.pier.training.sagemaker.SageMakerSettings;
import software.amazon.awssdk.services.sfn.SfnClient;
import dev.pier.training.tracking.JobTracking;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Startup;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Builds training (the services this package's REST resources use) from what the serving app provides as beans: its
 * SDK clients, registry, tracking store, feature store and readable S3 locations. Served by the plain server only
 * (the api's local profile carries this module; the Lambda zip answers 501 on these routes, see the README's
 * Training section). Its records live in the jobs table, next to batch jobs; refit models in the
 * batch bucket under {@code training/}. In local mode jobs run on the local ASL runner behind the training queue, and
 * jobs a previous process left running are queued again at start. In AWS, with {@code pier.training.state-machine-arn}
 * set, a job starts an execution of the deployed training state machine (its tasks the training worker Lambda, its
 * trials and refit SageMaker training jobs on {@code pier.training.sagemaker.xgboost-image}). Wiring only.
 */
@Singleton
public class TrainingWiring {
  private final TrainingJobs jobs;
  private final Datasets datasets;
  private final LocalTrainingLauncher launcher;
  private final Map<String, Double> budgets;

  public TrainingWiring(AwsClients aws, Optional<LocalStandIns> standIns, S3SourcePolicy sources,
      ModelRegistry registry, TrackingStore tracking,
      dev.pier.features.FeatureStore featureStore, dev.pier.experiments.Experiments experimentsApi,
      @ConfigProperty(name = "pier.batch.jobs-table", defaultValue = "pier-jobs") String table,
      @ConfigProperty(name = "pier.batch.bucket", defaultValue = "pier-batch") String bucket,
      @ConfigProperty(name = "pier.data-dir", defaultValue = ".pier") String dataDir,
      @ConfigProperty(name = "pier.training.project-concurrency", defaultValue = "2") int projectConcurrency,
      @ConfigProperty(name = "pier.training.high-lane", defaultValue = "2") int highLane,
      @ConfigProperty(name = "pier.training.normal-lane", defaultValue = "2") int normalLane,
      @ConfigProperty(name = "pier.training.low-lane", defaultValue = "1") int lowLane,
      @ConfigProperty(name = "pier.training.trainer-threads", defaultValue = "1") int threads,
      @ConfigProperty(name = "pier.training.prices") Optional<String> prices,
      @ConfigProperty(name = "pier.training.default-instance-type", defaultValue = "ml.m5.large") String defaultType,
      @ConfigProperty(name = "pier.training.spot-discount", defaultValue = "0.7") double spotDiscount,
      @ConfigProperty(name = "pier.training.budgets") Optional<String> budgets,
      @ConfigProperty(name = "pier.training.script-mode", defaultValue = "true") boolean scriptMode,
      @ConfigProperty(name = "pier.training.state-machine-arn") Optional<String> stateMachineArn,
      @ConfigProperty(name = "pier.training.sagemaker.xgboost-image",
          defaultValue = SageMakerSettings.XGBOOST_US_EAST_1) String xgboostImage,
      @ConfigProperty(name = "pier.training.sagemaker.max-runtime", defaultValue = "86400") long sagemakerRuntime) {
    boolean local = standIns.isPresent();
    if (local) {
      dev.pier.batch.JobsTable.createIfMissing(aws.dynamoDb(), table); // BatchWiring creates the bucket
    }
    Path cache = local ? Path.of(dataDir, "training-data")
        : Path.of(System.getProperty("java.io.tmpdir"), "pier-training-data");
    this.datasets = new Datasets(new DatasetsTable(aws.dynamoDb(), table), aws.s3(), new DatasetFiles(aws.s3(), cache),
        sources, Clock.systemUTC());
    Map<String, Double> priced = new HashMap<>(PriceTable.SAGEMAKER_US_EAST_1);
    priced.putAll(pairs(prices, "pier.training.prices"));
    TrainingSettings settings = new TrainingSettings(bucket, table,
        new PriceTable(priced, defaultType, spotDiscount, 0.000025),
        Map.of(Priority.HIGH, highLane, Priority.NORMAL, normalLane, Priority.LOW, lowLane), projectConcurrency,
        threads, local ? Path.of(dataDir, "training-scripts")
            : Path.of(System.getProperty("java.io.tmpdir"), "pier-training-scripts"), scriptMode);
    this.budgets = pairs(budgets, "pier.training.budgets");
    boolean onStepFunctions = !local && stateMachineArn.filter(a -> !a.isBlank()).isPresent();
    if (onStepFunctions) { // the training worker Lambda runs the tasks; trials and refits train on SageMaker
      settings = settings.withSageMaker(new SageMakerSettings(xgboostImage, sagemakerRuntime));
    }
    TrainingJobsTable jobsTable = new TrainingJobsTable(aws.dynamoDb(), table);
    XGBoostModelTrainer trainer = new XGBoostModelTrainer(threads);
    Searches searches = new Searches(jobsTable, trainer);
    var experiments = new dev.pier.training.jobs.ExperimentsStarter(experimentsApi);
    TrainingWorker worker = new TrainingWorker(jobsTable, datasets, trainer, searches,
        new JobTracking(tracking), registry, aws.s3(), settings, Clock.systemUTC()).withExperiments(experiments);
    TrainingLauncher launch;
    if (local) {
      this.launcher = new LocalTrainingLauncher(jobsTable, worker, settings, Clock.systemUTC());
      launch = launcher;
    } else if (onStepFunctions) {
      this.launcher = null;
      // the jobs table is the queue, shared with the training worker Lambda, whose final tasks start the next job
      launch = new dev.pier.training.jobs.QueuedStepFunctionsLauncher(new StepFunctionsTrainingLauncher(
          aws.client(SfnClient.builder(), null), stateMachineArn.get()), jobsTable, settings.projectConcurrency());
    } else {
      this.launcher = null;
      launch = new TrainingLauncher() {
        @Override
        public void launch(TrainingJob job) {
          throw PierException.notImplemented("this server runs no training jobs: set pier.training.state-machine-arn"
              + " to run them on Step Functions and SageMaker");
        }

        @Override
        public void stop(String id) {}
      };
    }
    this.jobs = new TrainingJobs(jobsTable, datasets, trainer, launch, settings, searches, Clock.systemUTC())
        .withTrainingSets(new dev.pier.training.datasets.TrainingSets(featureStore, aws.s3()))
        .withExperiments(experiments);
  }

  /** {@code a=1.5,b=2} → map; a 500 at start naming the key for anything else. */
  private static Map<String, Double> pairs(Optional<String> text, String key) {
    Map<String, Double> out = new HashMap<>();
    for (String pair : text.orElse("").split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      String[] kv = pair.split("=", 2);
      try {
        out.put(kv[0].trim(), Double.parseDouble(kv[1].trim()));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(key + " must be name=number pairs separated by commas, not '" + pair + "'");
      }
    }
    return out;
  }

  @Produces
  @Singleton
  Datasets datasets() {
    return datasets;
  }

  @Produces
  @Singleton
  TrainingJobs trainingJobs() {
    return jobs;
  }

  @Produces
  @Singleton
  @Named("pier.training.budgets")
  Map<String, Double> budgets() {
    return budgets;
  }

  void onStart(@Observes Startup event) {
    if (launcher != null) {
      launcher.resumeUnfinished();
    }
  }

  @PreDestroy
  void close() {
    if (launcher != null) {
      launcher.close();
    }
  }
}
