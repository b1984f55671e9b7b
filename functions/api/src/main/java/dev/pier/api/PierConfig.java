package dev.pier.api;

import dev.pier.api.async.AsyncConfig;

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

  /** Local mode's own settings ({@code pier.local.*}). */
  Local local();

  interface Local {
    /**
     * How Pier's DynamoDB client reaches the DynamoDB stand-in. {@code in-process} (the default): the SDK's HTTP layer
     * replaced by a call into the stand-in on the caller's thread (same signature check, operations and JSON; no
     * socket, no thread hand-off) — the cost of Pier and the SDK's client side alone. AWS has a network round trip
     * to DynamoDB there, which this transport does not have. {@code http}: over loopback HTTP, as it reaches DynamoDB
     * in AWS over the network (README, Feature store, Performance). Other processes (batch workers) always use HTTP.
     */
    @WithDefault("in-process")
    Transport dynamodbTransport();

    enum Transport {
      http,
      in_process
    }
  }

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

  /** Who may call: JWTs, API keys, rate limits. See README, "Security". */
  Auth auth();

  /** The audit trail of state changes and sampled predictions. */
  Audit audit();

  /** Async predictions ({@code Prefer: respond-async}); see {@link AsyncConfig}. */
  AsyncConfig async();

  /** Where the platform's routes send versions placed on an ECS service (README, "GPU endpoints"). */
  Endpoints endpoints();


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

    /**
     * The prefix of the SageMaker endpoint names given to endpoint-placed versions that name none
     * ({@code <prefix>-<model>-v<n>}); the CDK app sets the stage's, {@code pier-<stage>}, which its roles may invoke.
     */
    @WithDefault("pier")
    String endpointPrefix();

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
    /**
     * Memory budget of the loaded-model cache, in bytes; unset, half of the machine's memory (a container's limit
     * where there is one), logged at start. A version larger than the budget is still loaded, and kept alone.
     */
    java.util.OptionalLong cacheBytes();

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

    /** The most bytes an archived ONNX model (graph + external data) may unpack to; a larger one is refused (400). */
    @WithDefault("17179869184")
    long maxUnpackedBytes();
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
    /** Largest inference request body ({@code /v2/…/infer}, {@code /predict}), in bytes; larger ones get 413. */
    @WithDefault("33554432")
    long inferBodyBytes();

    /**
     * Largest body of every other JSON route (the control plane, MLflow), in bytes; larger ones get 413 before a byte
     * is parsed. Registrations' multipart bodies and {@code predict-stream} have limits of their own.
     */
    @WithDefault("1048576")
    long controlBodyBytes();

    /**
     * Predictions of one model running at once in this process; beyond it requests get 429 with Retry-After. Four
     * per core sheds a CPU-bound overload faster, but on a starved 2-core machine (load average 20) a burst of 400
     * small requests over 16 connections then drew a 429 in one run of three (InferRouteTest): calls whose model runs
     * slower than the inline bound wait on workers for one of only 8 permits. Hence 64.
     */
    @WithDefault("64")
    int maxConcurrentPerModel();

    /** How long a request may wait for its model's capacity before the 429. */
    @WithDefault("100ms")
    Duration queueWait();

    /**
     * A small inference request ({@code <= 64 KiB}) is served on the HTTP I/O thread itself, without a hand-off to a
     * worker thread, when its version is loaded, runs in process without micro-batching and its calls average at
     * most this many microseconds; slower models, first loads, explanations and waits for capacity go to workers.
     * 0 turns it off.
     */
    @WithDefault("250")
    long inlineMaxMeanMicros();

    /**
     * How long a large inference body (over 64 KiB, admitted from its headers) may take to arrive once its request
     * holds its model's capacity: a body not whole by then gives the capacity back and is answered 408 (the connection
     * is closed), so a slow or stalled upload never keeps a model's permit.
     */
    @WithDefault("10s")
    Duration bodyReadTimeout();

    /**
     * How much lower than the HTTP I/O threads' the worker threads that run predictions are scheduled: their nice value
     * is raised by this much (Linux, at a thread's first prediction), so under a CPU-bound overload the I/O threads —
     * which answer health checks, 429s and small requests — still run at once instead of taking a fair share among
     * dozens of busy workers. 0 leaves threads as they are; elsewhere than on Linux it does nothing.
     */
    @WithDefault("10")
    int workerNice();
  }

  interface Endpoints {
    EcsServing ecs();

    /**
     * The ECS GPU service as the prediction routes see it ({@code pier.endpoints.ecs.*}; the deployer's settings of
     * the same prefix are read by the endpoint deployer).
     */
    interface EcsServing {
      /** The service a version placed with {@code "kind": "ecs"} and no {@code endpoint_name} runs on. */
      Optional<String> service();

      /**
       * The service's load balancer ({@code http://internal-….elb.amazonaws.com}): ECS-placed versions are forwarded
       * there. Unset in AWS: their requests are 503 naming this setting; unset in local mode: served in-process.
       */
      Optional<URI> url();

      @WithDefault("2s")
      Duration connectTimeout();

      /** How long to wait for the service's answer once connected (then 504). */
      @WithDefault("60s")
      Duration requestTimeout();

      /** Tries of a connection that could not be made (nothing sent, so nothing runs twice); 1: no retry. */
      @WithDefault("3")
      int connectAttempts();

      /** Unreachable, timed-out or 502/503/504 answers in a row that open the service's circuit breaker. */
      @WithDefault("5")
      int breakerFailures();

      /** How long an open breaker answers 503 with Retry-After at once, before one trial request. */
      @WithDefault("10s")
      Duration breakerOpen();
    }
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

    /**
     * AWS mode: the batch-scoring state machine's ARN; with it, POSTed jobs start executions (named after the job).
     * Unset in AWS: jobs can be listed and read, POST answers 501. Ignored in local mode (the local ASL runner).
     */
    Optional<String> stateMachineArn();

    /** AWS mode: the role EventBridge Scheduler assumes to start the state machine (batch schedules need it). */
    Optional<String> schedulerRoleArn();

    /** AWS mode: the EventBridge Scheduler group batch schedules are created in. */
    @WithDefault("default")
    String scheduleGroup();

    /** Jobs of engine {@code spark}. */
    Spark spark();

    interface Spark {
      /**
       * Local mode: the Spark connector's class path: its classes and {@code @functions/spark/target/spark-classpath.txt}
       * (an {@code @FILE} entry stands for the class path in FILE; {@code ./pier up} sets it when the connector is
       * built). Unset: engine spark answers 501.
       */
      Optional<String> classpath();

      /** Local mode: the heap of each Spark job's JVM. */
      @WithDefault("2g")
      String heap();

      /** AWS mode: the EMR Serverless application jobs run on (the CDK app's PierSparkApplication). */
      Optional<String> applicationId();

      /** AWS mode: the job runtime role EMR Serverless runs jobs as. */
      Optional<String> jobRoleArn();

      /** AWS mode: the connector's jar in S3 ({@code s3://…/pier-spark.jar}, with its dependencies but Spark). */
      Optional<String> connectorJar();

      /**
       * AWS mode: the service account key ({@code s3://…} JSON, readable by the job role) with which jobs write
       * {@code bigquery://} outputs; passed to the job run as {@code PIER_BIGQUERY_CREDENTIALS}, and used by the
       * batch worker's (the Lambda path's) where its own {@code PIER_BIGQUERY_CREDENTIALS} is unset. Unset: Google's
       * application default credentials.
       */
      Optional<String> bigqueryCredentials();
    }
  }

  interface Auth {
    /**
     * Whether callers must authenticate. Unset: off only in local mode bound to a loopback address (the single
     * local user), on everywhere else. A server that is not on loopback refuses to start with it off.
     */
    Optional<Boolean> enabled();

    Jwt jwt();

    ApiKeys apiKeys();

    RateLimit rateLimit();

    FailedAttempts failedAttempts();

    /**
     * In Lambda behind API Gateway's JWT authorizer: take the caller from the claims the gateway verified (request
     * context), never from anything the client sends.
     */
    @WithDefault("true")
    boolean gatewayClaims();

    /**
     * Where a first admin API key is written (mode 600) when authentication is on and no active admin key exists;
     * defaults to {@code <data-dir>/admin.key} in local mode, none elsewhere (use Cognito groups there).
     */
    Optional<String> adminKeyFile();
  }

  interface Jwt {
    /** The issuer ({@code iss}) bearer JWTs must carry, e.g. {@code https://cognito-idp.<region>.amazonaws.com/<pool>}. */
    Optional<String> issuer();

    /** The issuer's JWKS: a file path or an https URL (Cognito: {@code <issuer>/.well-known/jwks.json}). */
    Optional<String> jwks();

    /**
     * The audiences or Cognito app client ids a token must name ({@code aud}, or {@code client_id} on a Cognito
     * access token); comma-separated. Required in AWS mode: unset accepts a token the issuer made for any
     * application, so local mode only.
     */
    Optional<java.util.List<String>> audience();

    /** {@code access} or {@code id}: take only that kind of Cognito token ({@code token_use}); unset takes both. */
    Optional<String> tokenUse();

    /** Claims whose values are grants ({@code predictor}, {@code data-scientist:fraud-*}). */
    @WithDefault("cognito:groups,groups,roles")
    java.util.List<String> groupsClaims();
  }

  interface ApiKeys {
    /** The DynamoDB table holding API keys (salted hashes only); local mode creates it. */
    @WithDefault("pier-api-keys")
    String table();
  }

  interface RateLimit {
    /** Requests per second each principal may make on average; 0 = unlimited. An API key may carry its own. */
    @WithDefault("0")
    double perSecond();

    /** Requests a principal may make at once above the average rate. */
    @WithDefault("20")
    int burst();
  }

  interface FailedAttempts {
    /** Failed authentications a client address may make per {@link #window()}; then 429 until it drains. 0 = off. */
    @WithDefault("20")
    int max();

    @WithDefault("1m")
    java.time.Duration window();
  }

  interface Audit {
    /** Write the audit trail. */
    @WithDefault("true")
    boolean enabled();

    /** Local mode's audit directory; defaults to {@code <data-dir>/audit}. */
    Optional<String> dir();

    /** In AWS mode, the S3 bucket of the audit trail (Object Lock enabled); unset writes entries to the log only. */
    Optional<String> bucket();

    /** Key prefix in the audit bucket. */
    @WithDefault("audit/")
    String prefix();

    /** Days a state-change entry stays under S3 Object Lock; 0 = no per-object lock. */
    @WithDefault("0")
    int objectLockDays();

    /** The Object Lock mode of state changes: COMPLIANCE (nobody may delete) or GOVERNANCE. */
    @WithDefault("COMPLIANCE")
    software.amazon.awssdk.services.s3.model.ObjectLockMode objectLockMode();

    /** Share of predictions recorded (0 to 1): principal, model, version, request id, input SHA-256. */
    @WithDefault("0.01")
    double predictionSampleRate();

    /** Also record the prediction's input (masked for PII). Off: only its SHA-256. */
    @WithDefault("false")
    boolean includeInput();

    /** Prediction samples older than this are removed. */
    @WithDefault("30d")
    Duration sampleRetention();

    /**
     * Key of the HMAC that turns data-subject ids into the hashes stored with samples (base64, at least 16 bytes).
     * Unset: local mode keeps a generated one in the audit directory; elsewhere one is generated per process, so
     * set it in AWS or erasure cannot find earlier processes' samples.
     */
    Optional<String> subjectKey();
  }
}
