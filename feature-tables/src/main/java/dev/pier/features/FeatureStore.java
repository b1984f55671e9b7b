package dev.pier.features;

import dev.pier.kernel.aws.S3SourcePolicy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The feature store's parts, built once per process on the shared SDK clients: the registry of definitions, the
 * online store and its reads, push, the offline store and historical retrieval. The api app builds one and its REST
 * resources ({@code dev.pier.features.http}) use it; the prediction pipeline uses {@link #lookup()}.
 */
public final class FeatureStore implements AutoCloseable {
  private final FeatureRegistry registry;
  private final OnlineStore store;
  private final OnlineFeatures online;
  private final OfflineStore offline;
  private final FeaturePush push;
  private final HistoricalRetrieval historical;
  private final PointInTimeLookup pointInTime;
  private final ExecutorService pool;
  private final ExecutorService jobs;
  private final Materialization materialization;
  private final ModelUsage usage;
  private final ExecutorService historicalRunner;
  private final HistoricalJobs historicalJobs;

  /**
   * @param table the definitions table (single-table layout)
   * @param onlineTable the online store's table
   * @param refresh how stale the in-memory catalog may get before a read reloads it
   * @param mirror where Parquet sources are mirrored for DuckDB
   * @param readThreads threads for DynamoDB reads and writes (each blocks on one HTTP call)
   */
  public record Settings(String table, String onlineTable, Duration refresh, Path mirror, int readThreads) {}

  /**
   * @param sources the S3 locations Pier may read and write for callers (sources, pushed files); Pier's own storage
   *     is refused whatever a definition names
   */
  public FeatureStore(DynamoDbClient dynamo, S3Client s3, Settings settings, S3SourcePolicy sources, Clock clock) {
    this(dynamo, s3, settings, sources, clock, ModelUsage.NONE, FeatureObserver.NONE);
  }

  /**
   * @param usage which registered model versions use a feature service: apply refuses changes that break them
   * @param observer told of lookups, materialized chunks and watermarks (monitoring's metrics)
   */
  public FeatureStore(DynamoDbClient dynamo, S3Client s3, Settings settings, S3SourcePolicy sources, Clock clock,
      ModelUsage usage, FeatureObserver observer) {
    this.usage = usage;
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(settings.readThreads(), r -> {
      Thread t = new Thread(r, "pier-features-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.registry = new FeatureRegistry(dynamo, settings.table(), settings.refresh(), clock);
    this.store = new OnlineStore(dynamo, settings.onlineTable(), pool);
    this.online = new OnlineFeatures(registry, store, clock, observer);
    this.offline = new OfflineStore(s3, settings.mirror(), sources);
    this.historical = new HistoricalRetrieval(registry, offline);
    this.pointInTime = new PointInTimeLookup(registry, offline, observer);
    // one materialization at a time per process: each streams a file through DuckDB and writes with the pool
    this.jobs = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "pier-features-materialize");
      t.setDaemon(true);
      return t;
    });
    this.materialization = new Materialization(dynamo, settings.table(), registry, offline, store, jobs, clock,
        observer);
    this.push = new FeaturePush(registry, store, offline, materialization.statistics());
    // historical retrieval jobs, one at a time per process (each holds a DuckDB join), beside materialization
    this.historicalRunner = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "pier-features-historical");
      t.setDaemon(true);
      return t;
    });
    this.historicalJobs = new HistoricalJobs(dynamo, settings.table(), historical, historicalRunner, clock);
  }

  /** Profiles materialized and pushed values with {@code profiles} (DataSketches, where the server has them). */
  public void profileWith(FeatureProfiles profiles) {
    materialization.profileWith(profiles);
  }

  /**
   * Inline historical retrieval, the offline half of pushes and point-in-time lookups go to the feature worker: in
   * AWS, where the api has no DuckDB.
   */
  public void handOffTo(WorkerHandOff handOff) {
    historical.handOffTo(handOff);
    pointInTime.handOffTo(handOff);
    push.handOffTo(handOff);
  }

  /** Materialization jobs; call {@link Materialization#resumeRunning()} once at start. */
  public Materialization materialization() {
    return materialization;
  }

  /** Creates both tables when missing (local mode; the CDK creates them in AWS). */
  public static void createTablesIfMissing(DynamoDbClient dynamo, Settings settings) {
    FeatureRegistry.createTableIfMissing(dynamo, settings.table());
    OnlineStore.createTableIfMissing(dynamo, settings.onlineTable());
  }

  /**
   * Applies (or with {@code dryRun} plans) a definitions document, YAML or JSON: 400 naming every problem, nothing
   * applied; 409 when a concurrent apply moved the same definitions.
   */
  public ApplyPlan apply(String document, boolean dryRun) {
    return apply(document, dryRun, false);
  }

  /**
   * As {@link #apply(String, boolean)}; a breaking change to features that registered model versions use is a 409
   * naming them unless {@code force}.
   */
  public ApplyPlan apply(String document, boolean dryRun, boolean force) {
    try {
      return registry.apply(DefinitionsParser.parse(document), dryRun, offline::check, usage, force);
    } catch (InvalidDefinitions e) {
      throw e.asPierException();
    }
  }

  /** Lineage: the registered model versions using a feature service. */
  public ModelUsage usage() {
    return usage;
  }

  public FeatureRegistry registry() {
    return registry;
  }

  public OnlineFeatures online() {
    return online;
  }

  /** The pipeline's features stage. */
  public FeatureLookup lookup() {
    return online;
  }

  /** The pipeline's features stage for batch jobs with {@code "point_in_time": true}: the offline store as of each row. */
  public PointInTimeLookup pointInTime() {
    return pointInTime;
  }

  public FeaturePush push() {
    return push;
  }

  public HistoricalRetrieval historical() {
    return historical;
  }

  /** Historical retrieval as asynchronous jobs (the way it runs in AWS, where the api has no DuckDB). */
  public HistoricalJobs historicalJobs() {
    return historicalJobs;
  }

  public OnlineStore onlineStore() {
    return store;
  }


  @Override
  public void close() {
    jobs.shutdownNow();
    historicalRunner.shutdownNow();
    pool.shutdownNow();
  }
}
