package dev.pier.infra;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import software.constructs.Node;

/**
 * Everything a deployment may vary, read once from CDK context ({@code -c key=value} or {@code cdk.json}) and, for
 * keys not set there, from environment variables named {@code PIER_<KEY>} ({@code gpuInstanceType} →
 * {@code PIER_GPU_INSTANCE_TYPE}). Every key has a default, so {@code cdk synth} with no configuration gives a
 * working dev deployment.
 *
 * @param account AWS account, or null for an environment-agnostic synth ({@code CDK_DEFAULT_ACCOUNT} when the CLI
 *     has credentials)
 * @param region AWS region, or null likewise
 * @param stage dev or prod: prod retains data on stack deletion, turns on deletion protection and keeps logs longer
 * @param apiZip the {@code -Plambda} build of the api app ({@code ./pier lambda})
 * @param batchWorkerZip the {@code -Plambda,batch-worker} build ({@code ./pier lambda}): the api zip plus batch
 *     scoring's table outputs (Glue, BigQuery), run by the batch worker Lambda alone
 * @param lambdaRuntime {@code java21} or {@code java25}
 * @param concurrency SnapStart (default) or provisioned concurrency; AWS does not combine the two
 * @param batchWorkerMemoryMb the batch worker Lambda's memory (half of it the model cache); batch jobs' cost
 *     estimates use it too
 * @param stateMachinesDir folder whose {@code *.asl.json} files become Step Functions state machines
 * @param retention how long each kind of data lives (S3 lifecycle rules, the audit trail's Object Lock)
 * @param requireArtifactSignature the API refuses model versions without a valid signature by the KMS signing key
 */
public record PierConfig(
    String account,
    String region,
    Stage stage,
    Path apiZip,
    Path batchWorkerZip,
    String lambdaRuntime,
    Concurrency concurrency,
    int provisionedMin,
    int provisionedMax,
    int dataPlaneMemoryMb,
    int controlPlaneMemoryMb,
    int batchWorkerMemoryMb,
    int throttleRatePerSecond,
    int throttleBurst,
    double latencyAlarmMillis,
    String alarmEmail,
    Path stateMachinesDir,
    EndpointMode gpuEndpointMode,
    String gpuInstanceType,
    int gpuMaxInstances,
    String gpuImage,
    String gpuModelDataUrl,
    Retention retention,
    boolean requireArtifactSignature,
    EcsGpu ecsGpu) {

  public enum Stage { dev, prod }

  /** S3 Object Lock modes for the audit trail's state changes. */
  public enum LockMode {
    /** Users with {@code s3:BypassGovernanceRetention} may still delete: the default in dev, so it can be torn down. */
    governance,
    /** Nobody, the root user included, can delete a locked entry before its retention ends: the default in prod. */
    compliance
  }

  /**
   * Days each kind of data is kept, as context keys {@code retention.<name>} (env {@code PIER_RETENTION_<NAME>}).
   *
   * @param batchInputsDays uploads under {@code incoming/} of the batch bucket
   * @param batchOutputsDays job outputs under {@code outputs/} (and plans under {@code jobs/})
   * @param capturesDays prediction captures
   * @param auditSamplesDays the audit trail's prediction samples ({@code audit/samples/}; never locked, erasable)
   * @param auditEventsDays the audit trail's state changes ({@code audit/events/}); at least {@code auditLockDays}
   * @param auditLockDays Object Lock retention the API sets on every state change it records
   * @param auditLockMode governance or compliance
   * @param asyncResultsDays results of asynchronous predictions (for the async-results store)
   * @param incompleteUploadsDays multipart uploads of model artifacts never completed (presigned URLs expire after
   *     an hour) are aborted after this many days, and their parts deleted; an upload completed but never stored
   *     (its registration died) is expired a day later
   */
  public record Retention(int batchInputsDays, int batchOutputsDays, int capturesDays, int auditSamplesDays,
      int auditEventsDays, int auditLockDays, LockMode auditLockMode, int asyncResultsDays,
      int incompleteUploadsDays) {
    public Retention {
      for (int days : new int[] {batchInputsDays, batchOutputsDays, capturesDays, auditSamplesDays, auditEventsDays,
          asyncResultsDays, incompleteUploadsDays}) {
        if (days < 1) {
          throw new IllegalArgumentException("retention periods must be at least 1 day, got " + days);
        }
      }
      if (auditLockDays < 0 || auditEventsDays < auditLockDays) {
        throw new IllegalArgumentException("need 0 <= retention.auditLockDays <= retention.auditEventsDays, got "
            + auditLockDays + " and " + auditEventsDays);
      }
    }
  }

  /** How the API functions avoid cold starts. */
  public enum Concurrency {
    /** SnapStart on published versions, reached through the {@code live} alias: no idle cost. */
    snapstart,
    /** Provisioned concurrency on the {@code live} alias with target-tracking autoscaling: pays for warm instances. */
    provisioned
  }

  /** The GPU endpoint's inference mode. */
  public enum EndpointMode {
    /** SageMaker asynchronous inference: requests queue, the endpoint scales to zero instances when idle. */
    async,
    /** Real-time inference: at least one instance always runs. */
    realtime
  }

  public static final Path DEFAULT_API_ZIP = Path.of("../functions/api/target/lambda/function.zip");
  public static final Path DEFAULT_BATCH_WORKER_ZIP = Path.of("../functions/api/target/batch-worker/function.zip");
  public static final Path DEFAULT_STATE_MACHINES_DIR = Path.of("../state-machines/src/main/resources");
  /** PyTorch inference Deep Learning Container for GPUs; {@code ${AWS::Region}} is filled in at deploy time. */
  public static final String DEFAULT_GPU_IMAGE =
      "763104351884.dkr.ecr.${AWS::Region}.amazonaws.com/pytorch-inference:2.6.0-gpu-py312-cu124-ubuntu22.04-sagemaker";

  public PierConfig {
    if (provisionedMin < 1 || provisionedMax < provisionedMin) {
      throw new IllegalArgumentException("need 1 <= provisionedMin <= provisionedMax, got "
          + provisionedMin + ".." + provisionedMax);
    }
    if (gpuMaxInstances < 1) {
      throw new IllegalArgumentException("gpuMaxInstances must be at least 1, got " + gpuMaxInstances);
    }
    if (!lambdaRuntime.equals("java21") && !lambdaRuntime.equals("java25")) {
      throw new IllegalArgumentException("lambdaRuntime must be java21 or java25, got " + lambdaRuntime);
    }
  }

  public boolean prod() {
    return stage == Stage.prod;
  }

  /** Prefix of every stack name, e.g. {@code pier-dev}. */
  public String prefix() {
    return "pier-" + stage;
  }

  /** Reads the configuration from {@code node}'s context, then the environment. */
  public static PierConfig from(Node node) {
    return from(key -> Optional.ofNullable(node.tryGetContext(key)).map(Object::toString).orElse(null), System.getenv());
  }

  static PierConfig from(Function<String, String> context, Map<String, String> env) {
    Settings s = new Settings(context, env);
    Stage stage = Stage.valueOf(s.get("stage", "dev").toLowerCase(Locale.ROOT));
    return new PierConfig(
        s.get("account", env.get("CDK_DEFAULT_ACCOUNT")),
        s.get("region", env.get("CDK_DEFAULT_REGION")),
        stage,
        Path.of(s.get("apiZip", DEFAULT_API_ZIP.toString())),
        Path.of(s.get("batchWorkerZip", DEFAULT_BATCH_WORKER_ZIP.toString())),
        s.get("lambdaRuntime", "java25"),
        Concurrency.valueOf(s.get("concurrency", "snapstart").toLowerCase(Locale.ROOT)),
        s.integer("provisionedMin", 1),
        s.integer("provisionedMax", 10),
        s.integer("dataPlaneMemoryMb", 2048),
        s.integer("controlPlaneMemoryMb", 1024),
        s.integer("batchWorkerMemoryMb", 2048),
        s.integer("throttleRatePerSecond", 200),
        s.integer("throttleBurst", 400),
        Double.parseDouble(s.get("latencyAlarmMillis", "100")),
        s.get("alarmEmail", null),
        Path.of(s.get("stateMachinesDir", DEFAULT_STATE_MACHINES_DIR.toString())),
        EndpointMode.valueOf(s.get("gpuEndpointMode", "async").toLowerCase(Locale.ROOT)),
        s.get("gpuInstanceType", "ml.g5.xlarge"),
        s.integer("gpuMaxInstances", 2),
        s.get("gpuImage", DEFAULT_GPU_IMAGE),
        s.get("gpuModelDataUrl", null),
        retention(s, stage),
        Boolean.parseBoolean(s.get("requireArtifactSignature", "false")),
        Boolean.parseBoolean(s.get("ecsGpu", "false")) ? new EcsGpu(s.get("ecsGpuInstanceType", "g5.xlarge"),
            s.get("ecsGpuImageTag", "latest"), s.integer("ecsGpuMaxTasks", 4)) : null);
  }

  /**
   * The second GPU placement, on when context {@code ecsGpu=true} (off by default): Pier's endpoint image as an ECS
   * service on GPU instances, one task per GPU (see {@link EcsGpuService}).
   *
   * @param instanceType an EC2 GPU type, e.g. {@code g5.xlarge} (one GPU)
   * @param imageTag the tag of Pier's endpoint image in the account's {@code pier-endpoint} ECR repository
   * @param maxTasks the most tasks (and so GPU instances) the service scales out to
   */
  public record EcsGpu(String instanceType, String imageTag, int maxTasks) {
    public EcsGpu {
      if (maxTasks < 1) {
        throw new IllegalArgumentException("ecsGpuMaxTasks must be at least 1, got " + maxTasks);
      }
      if (!instanceType.matches("(g[0-9]|p[0-9])[a-z0-9]*\\.[0-9]*[a-z]+")) {
        throw new IllegalArgumentException("ecsGpuInstanceType must be an EC2 GPU type (g*/p*), got " + instanceType);
      }
    }
  }

  private static Retention retention(Settings s, Stage stage) {
    boolean prod = stage == Stage.prod;
    return new Retention(
        s.integer("retention.batchInputsDays", 30),
        s.integer("retention.batchOutputsDays", 30),
        s.integer("retention.capturesDays", prod ? 400 : 90),
        s.integer("retention.auditSamplesDays", 30),
        s.integer("retention.auditEventsDays", prod ? 2557 : 30),
        s.integer("retention.auditLockDays", prod ? 2557 : 1),
        LockMode.valueOf(s.get("retention.auditLockMode", prod ? "compliance" : "governance").toLowerCase(Locale.ROOT)),
        s.integer("retention.asyncResultsDays", 7),
        s.integer("retention.incompleteUploadsDays", 1));
  }

  private record Settings(Function<String, String> context, Map<String, String> env) {
    String get(String key, String fallback) {
      String v = context.apply(key);
      if (v == null || v.isBlank()) {
        v = env.get("PIER_" + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(Locale.ROOT));
      }
      return v == null || v.isBlank() ? fallback : v.strip();
    }

    int integer(String key, int fallback) {
      String v = get(key, null);
      try {
        return v == null ? fallback : Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("context " + key + " must be a whole number, got '" + v + "'");
      }
    }
  }
}
