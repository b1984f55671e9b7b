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

    /** The platform-wide approval policy, for models that set none of their own. */
    Approval approval();

    /** Registry change notifications: the event bus and webhooks. */
    Events events();

    interface Approval {
      /** Whether new versions start PENDING_REVIEW and protected aliases take approved versions only. Off by default. */
      @WithDefault("false")
      boolean required();

      /** How many distinct approvers make a version approved. */
      @WithDefault("1")
      int approvals();

      /** The aliases only approved versions may take (when approval is required). */
      @WithDefault("production")
      java.util.List<String> protectedAliases();
    }

    interface Events {
      /** EventBridge bus registry events go to in AWS mode; unset publishes in-process only. */
      Optional<String> eventBusName();

      /** Attempts per webhook delivery before it is given up. */
      @WithDefault("5")
      int webhookAttempts();

      /** The first retry's delay; each further retry doubles it. */
      @WithDefault("1s")
      Duration webhookBackoff();
    }
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
  }

  interface Demo {
    /** In local mode, register the demo model as {@code demo} (alias production) when it is missing. */
    @WithDefault("true")
    boolean seed();
  }

  interface Grpc {
    /** Port of the gRPC inference service on the plain server (the service itself is not built yet). */
    @WithDefault("8081")
    int port();
  }

  interface Metrics {
    /** Write CloudWatch EMF metrics to stdout; defaults to on inside Lambda. */
    Optional<Boolean> emf();
  }
}
