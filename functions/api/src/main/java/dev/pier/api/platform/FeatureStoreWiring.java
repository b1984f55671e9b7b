package dev.pier.api.platform;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.local.LocalStandIns;
import java.util.Optional;
import dev.pier.api.PierConfig;

import dev.pier.features.FeatureStore;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Builds the feature store (module feature-tables, whose REST resources the api serves) on this platform's SDK
 * clients; in local mode it creates its two tables in the DynamoDB stand-in; at start it resumes interrupted
 * materializations. With {@code pier.features.state-machine-arn} (in AWS, {@code PIER_FEATURES_STATE_MACHINE_ARN})
 * jobs start as executions of that state machine instead of on the local runner, and with
 * {@code pier.features.historical-state-machine-arn} ({@code PIER_FEATURES_HISTORICAL_STATE_MACHINE_ARN}) historical
 * retrieval jobs as executions of {@code feature-historical}. With {@code pier.features.worker-function} and
 * {@code pier.features.staging-bucket} ({@code PIER_FEATURES_WORKER_FUNCTION}, {@code PIER_FEATURES_STAGING_BUCKET})
 * inline historical retrieval, offline push and point-in-time batch lookups are handed to the feature worker Lambda
 * (the api zip has no DuckDB); {@code pier.features.worker-endpoint} overrides Lambda's endpoint (a stand-in, as
 * {@code pier.training.worker-endpoint} does for training). Wiring only.
 */
@Singleton
public class FeatureStoreWiring {
  @Produces
  @Singleton
  FeatureStore featureStore(AwsClients aws, Optional<LocalStandIns> standIns, PierConfig config, S3Sources sources,
      jakarta.inject.Provider<dev.pier.registry.ModelRegistry> models,
      jakarta.enterprise.inject.Instance<dev.pier.features.FeatureProfiles> profiles,
      io.micrometer.core.instrument.MeterRegistry meters,
      @ConfigProperty(name = "pier.features.table", defaultValue = "pier-features") String table,
      @ConfigProperty(name = "pier.features.online-table", defaultValue = "pier-features-online") String onlineTable,
      @ConfigProperty(name = "pier.features.catalog-refresh", defaultValue = "5s") Duration refresh,
      @ConfigProperty(name = "pier.features.read-threads", defaultValue = "16") int readThreads,
      @ConfigProperty(name = "pier.features.state-machine-arn") Optional<String> stateMachineArn,
      @ConfigProperty(name = "pier.features.historical-state-machine-arn") Optional<String> historicalArn,
      @ConfigProperty(name = "pier.features.worker-function") Optional<String> workerFunction,
      @ConfigProperty(name = "pier.features.staging-bucket") Optional<String> stagingBucket,
      @ConfigProperty(name = "pier.features.worker-endpoint") Optional<java.net.URI> workerEndpoint) {
    Path mirror = standIns.isPresent() ? Path.of(config.dataDir(), "features-offline")
        : Path.of(System.getProperty("java.io.tmpdir"), "pier-features-offline");
    FeatureStore.Settings settings = new FeatureStore.Settings(table, onlineTable, refresh, mirror, readThreads);
    if (standIns.isPresent()) {
      FeatureStore.createTablesIfMissing(aws.dynamoDb(), settings);
    }
    // lineage for apply's breaking-change check; looked up when an apply needs it, not at start
    dev.pier.features.ModelUsage usage = new dev.pier.features.ModelUsage() {
      @Override
      public java.util.List<String> versionsUsing(String service) {
        return new RegistryModelUsage(models.get()).versionsUsing(service);
      }

      @Override
      public java.util.List<Usage> usages(String service) {
        return new RegistryModelUsage(models.get()).usages(service);
      }
    };
    FeatureStore store = new FeatureStore(aws.dynamoDb(), aws.s3(), settings, sources.policy(), Clock.systemUTC(),
        usage, new FeatureMetrics(meters, Clock.systemUTC()));
    if (stateMachineArn.isPresent() && !stateMachineArn.get().isBlank()) {
      // in AWS: jobs run as executions of the feature-materialization state machine (the feature worker's tasks)
      store.materialization().launchWith(new dev.pier.features.StepFunctionsLauncher(
          aws.client(software.amazon.awssdk.services.sfn.SfnClient.builder(), null), stateMachineArn.get()));
    }
    if (historicalArn.isPresent() && !historicalArn.get().isBlank()) {
      // in AWS: historical retrieval jobs run as executions of feature-historical, in the worker that has DuckDB
      store.historicalJobs().launchWith(new dev.pier.features.StepFunctionsLauncher(
          aws.client(software.amazon.awssdk.services.sfn.SfnClient.builder(), null), historicalArn.get()));
    }
    if (workerFunction.isPresent() && !workerFunction.get().isBlank() && stagingBucket.isPresent()
        && !stagingBucket.get().isBlank()) {
      // in AWS: inline historical retrieval, offline push and point-in-time lookups need DuckDB, which the worker has
      store.handOffTo(new dev.pier.features.WorkerHandOff(new dev.pier.features.LambdaInvoker(
          aws.client(software.amazon.awssdk.services.lambda.LambdaClient.builder(), workerEndpoint.orElse(null)),
          workerFunction.get()),
          aws.s3(), stagingBucket.get()));
    }
    if (profiles.isResolvable()) {
      store.profileWith(profiles.get()); // the plain server on JDK 25 (DataSketches, in the monitoring module)
    }
    return store;
  }

  /**
   * Online reads on Quarkus's worker pool, as a blocking route runs; with {@code pier.features.inline-read-values} above
   * 0 (default 0), those of at most that many values on the HTTP I/O thread when the online store cannot block (the
   * DynamoDB stand-in reached in process). Off by default: on the shared 2-core machine its p99 was better in one
   * back-to-back pair and far worse in two other runs (README, Feature store, Performance).
   */
  @Produces
  @Singleton
  dev.pier.features.http.OnlineReads onlineReads(Optional<LocalStandIns> standIns, PierConfig config,
      @ConfigProperty(name = "pier.features.inline-read-values",
          defaultValue = "0") int inlineValues) {
    java.util.concurrent.Executor workers = io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool();
    boolean inProcess = standIns.isPresent()
        && config.local().dynamodbTransport() == PierConfig.Local.Transport.in_process;
    return inProcess && inlineValues > 0
        ? new dev.pier.features.http.OnlineReads(workers, inlineValues)
        : dev.pier.features.http.OnlineReads.onWorkers(workers);
  }

  /**
   * Lineage: a version registered with a feature service records the version of each view the service reads at that
   * moment ({@link dev.pier.registry.ServingProperties#FEATURE_VIEW_VERSIONS}).
   */
  void recordLineage(@Observes StartupEvent event, dev.pier.registry.ModelRegistry registry, FeatureStore store) {
    registry.recordLineageWith(m -> {
      String service = m.properties().get(dev.pier.registry.ServingProperties.FEATURE_SERVICE);
      java.util.Map<String, Integer> versions = service == null ? null
          : dev.pier.features.Lineage.viewVersions(store.registry(), service);
      if (versions == null || versions.isEmpty()) {
        return m;
      }
      java.util.Map<String, String> properties = new java.util.HashMap<>(m.properties());
      properties.put(dev.pier.registry.ServingProperties.FEATURE_VIEW_VERSIONS,
          dev.pier.features.Lineage.format(versions));
      return new dev.pier.registry.ModelVersion.Metadata(m.description(), m.tags(), m.metrics(), m.params(),
          properties);
    });
  }

  /** Materializations a crash or restart interrupted go on from their first chunk not yet written. */
  void resume(@Observes StartupEvent event, FeatureStore store) {
    int resumed = store.materialization().resumeRunning();
    if (resumed > 0) {
      Log.infof("feature store: resumed %d materialization job(s)", resumed);
    }
    int historical = store.historicalJobs().resumeRunning();
    if (historical > 0) {
      Log.infof("feature store: resumed %d historical retrieval job(s)", historical);
    }
  }

  void close(@Disposes FeatureStore store) {
    store.close();
  }
}
