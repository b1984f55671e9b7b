package dev.pier.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** Pier's configuration: {@code pier.*} in application.properties, system properties or {@code PIER_*} env vars. */
@ConfigMapping(prefix = "pier")
public interface PierConfig {

  /** {@code local}: in-process stand-ins under {@link #dataDir()}; {@code aws}: the real services. */
  @WithDefault("aws")
  Mode mode();

  /** Local mode's data directory: the stand-ins' data and the model cache. An empty one is a fresh platform. */
  @WithDefault(".pier")
  String dataDir();

  /** The AWS region (in Lambda, AWS_REGION is used when this is not set). */
  Optional<String> region();

  Registry registry();

  Aws aws();

  Models models();

  Onnx onnx();

  Xgboost xgboost();

  Torch torch();

  Tensorflow tensorflow();

  Limits limits();

  Demo demo();

  Metrics metrics();

  Grpc grpc();

  Batch batch();

  /**
   * Versions to load at start, before the first request: {@code model} (its production alias),
   * {@code model:alias} or {@code model:version}. In Lambda with SnapStart they are loaded before the snapshot.
   */
  java.util.Optional<java.util.List<String>> preload();

  enum Mode {
    local,
    aws
  }

  interface Registry {
    /** The registry's DynamoDB table. */
    @WithDefault("pier-registry")
    String table();

    /** The S3 bucket holding model artifacts. */
    @WithDefault("pier-artifacts")
    String artifactsBucket();

    /** How often a cached alias is refreshed in the background; bounds how long other processes serve the old version. */
    @WithDefault("5s")
    Duration aliasRefresh();

    /** A cached alias older than this is reloaded before use. */
    @WithDefault("60s")
    Duration aliasMaxStale();
  }

  interface Aws {
    /** Endpoint override for DynamoDB (e.g. LocalStack); unset means the region's endpoint. */
    Optional<URI> dynamodbEndpoint();

    /** Endpoint override for S3; unset means the region's endpoint. */
    Optional<URI> s3Endpoint();

    /** Endpoint override for the SageMaker runtime (endpoint-placed models); unset means the region's endpoint. */
    Optional<URI> sagemakerRuntimeEndpoint();
  }

  interface Models {
    /** Memory budget of the loaded-model cache, in bytes. */
    @WithDefault("1073741824")
    long cacheBytes();

    /** A loaded version unused this long is unloaded. */
    @WithDefault("30m")
    Duration idleTimeout();

    /** Where artifacts are staged on local disk; defaults to {@code <data-dir>/model-cache} locally, /tmp in Lambda. */
    Optional<String> stagingDir();
  }

  interface Onnx {
    /** Threads one ONNX inference may use; 1 serves concurrent requests best on small machines. */
    @WithDefault("1")
    int intraOpThreads();
  }

  interface Xgboost {
    /**
     * OpenMP threads one XGBoost prediction may use (the booster's {@code nthread}). XGBoost otherwise takes every
     * core, which on small machines under concurrent requests costs far more in contention than it gains.
     */
    @WithDefault("1")
    int threads();
  }

  /** TorchScript on DJL's PyTorch engine. libtorch takes these once per process, at the first TorchScript load. */
  interface Torch {
    /** Threads one operator may use (libtorch's intra-op pool). */
    @WithDefault("1")
    int intraOpThreads();

    /** Threads that run independent operators of one graph in parallel (libtorch's inter-op pool). */
    @WithDefault("1")
    int interOpThreads();

    /**
     * Where DJL unpacks libtorch (about 430 MB, once per directory); defaults to {@code <data-dir>/djl-cache}
     * locally and {@code <java.io.tmpdir>/pier-djl} otherwise. An environment variable {@code DJL_CACHE_DIR} wins.
     */
    Optional<String> cacheDir();

    /**
     * TorchScript's graph optimizer: it re-specializes the graph during the first calls, which costs small models
     * latency and throughput; worth turning on only for large models with stable input shapes.
     */
    @WithDefault("false")
    boolean graphOptimizer();
  }

  /** TensorFlow SavedModels on TensorFlow Java. */
  interface Tensorflow {
    /** Threads one operator may use. */
    @WithDefault("1")
    int intraOpThreads();

    /** Threads that run independent operators of one graph in parallel. */
    @WithDefault("1")
    int interOpThreads();

    /** The most bytes an uploaded SavedModel archive may unpack to; a larger one is refused with a 400. */
    @WithDefault("8589934592")
    long maxUnpackedBytes();
  }

  interface Limits {
    /** Largest inference request body, in bytes; larger ones get 413. */
    @WithDefault("33554432")
    long inferBodyBytes();

    /** Predictions of one model running at once in this process; beyond it requests get 429 with Retry-After. */
    @WithDefault("64")
    int maxConcurrentPerModel();

    /** How long a request may wait for its model's capacity before the 429. */
    @WithDefault("100ms")
    Duration queueWait();
  }

  interface Demo {
    /** In local mode, register the demo model as {@code demo} (alias production) when it is missing. */
    @WithDefault("true")
    boolean seed();
  }

  interface Grpc {
    /** Port of the OIP gRPC service on the plain server (0: any free port). Not served inside Lambda. */
    @WithDefault("8081")
    int port();

    /** Serve gRPC at all on the plain server. */
    @WithDefault("true")
    boolean enabled();
  }

  interface Metrics {
    /** Write CloudWatch EMF metrics to stdout; defaults to on inside Lambda. */
    Optional<Boolean> emf();
  }

  /** Batch scoring (see README, "Batch scoring"). */
  interface Batch {
    /** The batch bucket: uploads under incoming/<model>/, job outputs under outputs/<job>/, plans under jobs/. */
    @WithDefault("pier-batch")
    String bucket();

    /** The jobs table (jobs and their finished chunks). */
    @WithDefault("pier-jobs")
    String jobsTable();

    /** Rows per chunk: one ranged read, one result part and one progress step each. */
    @WithDefault("50000")
    int chunkRows();

    /** Rows per model call inside a chunk. */
    @WithDefault("4096")
    int batchRows();

    /** Chunks of one job scored at once. */
    @WithDefault("2")
    int concurrency();

    /** Jobs run at once in the high, normal and low priority lanes. */
    @WithDefault("2")
    int highLane();

    @WithDefault("1")
    int normalLane();

    @WithDefault("1")
    int lowLane();

    /** Percentage of chunks that may fail (after retries) without failing the job; bad rows never fail a job. */
    @WithDefault("0")
    double toleratedFailurePercentage();

    /** Local mode: how often incoming/ is listed for new uploads. */
    @WithDefault("1s")
    Duration watchInterval();

    /** The worker Lambda's memory in GB, for each job's cost estimate. */
    @WithDefault("2")
    double workerMemoryGb();
  }
}
