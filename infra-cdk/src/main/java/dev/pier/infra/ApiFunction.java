package dev.pier.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.AutoScalingOptions;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.Tracing;
import software.amazon.awscdk.services.lambda.UtilizationScalingOptions;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.Size;
import software.constructs.Construct;

/**
 * One deployment of the api app's {@code function.zip}: its own log group, its own role holding only the statements
 * given, and a {@code live} alias that API Gateway (or an event source mapping) invokes. Behind API Gateway the alias
 * points at a published version with SnapStart by default, or carries provisioned concurrency with target-tracking
 * autoscaling when {@link PierConfig.Concurrency#provisioned} is chosen (AWS does not allow both on one version); a
 * queue consumer or state machine task always uses SnapStart, since nobody waits on its cold starts.
 */
public final class ApiFunction extends Construct {
  /**
   * The zip's entry point: API Gateway events to the REST app, SQS events to the async worker, batch-scoring task
   * payloads to the batch worker.
   */
  public static final String HANDLER = "dev.pier.api.lambda.PierLambdaHandler::handleRequest";
  public static final String ALIAS = "live";
  /** Provisioned concurrency scales out above this share of warm instances in use. */
  static final double PROVISIONED_UTILIZATION_TARGET = 0.7;

  /**
   * What invokes the function.
   *
   * @param timeout the function's timeout
   * @param callerWaits whether a caller waits on each invocation, so provisioned concurrency may keep it warm
   */
  public record Trigger(Duration timeout, boolean callerWaits) {
    /** API Gateway HTTP APIs wait at most 30 s for an integration. */
    public static final Trigger API_GATEWAY = new Trigger(Duration.seconds(29), true);

    /** An SQS event source mapping; {@code timeout} must stay below the queue's visibility timeout. */
    public static Trigger queue(Duration timeout) {
      return new Trigger(timeout, false);
    }

    /** A Step Functions {@code lambda:invoke} task: the execution waits, no API caller does. */
    public static Trigger stateMachineTask(Duration timeout) {
      return new Trigger(timeout, false);
    }
  }

  private final LogGroup logGroup;
  private final Role role;
  private final Function function;
  private final Alias alias;

  /**
   * @param purpose shown in the description, e.g. "data plane (/v2 inference)"
   * @param memoryMb memory; the model cache gets half of it
   * @param environment variables besides the ones every Pier function gets
   * @param permissions the only things this function may do besides writing its logs and traces
   */
  public ApiFunction(Construct scope, String id, PierConfig config, String purpose, int memoryMb,
      Map<String, String> environment, List<PolicyStatement> permissions) {
    this(scope, id, config, purpose, Trigger.API_GATEWAY, memoryMb, environment, permissions);
  }

  /** @param trigger what invokes it: decides the timeout and whether provisioned concurrency applies */
  public ApiFunction(Construct scope, String id, PierConfig config, String purpose, Trigger trigger, int memoryMb,
      Map<String, String> environment, List<PolicyStatement> permissions) {
    this(scope, id, config, purpose, trigger, memoryMb, environment, permissions, config.apiZip());
  }

  /** @param zip the function's code: the api zip, or the batch worker's ({@link PierConfig#batchWorkerZip}) */
  public ApiFunction(Construct scope, String id, PierConfig config, String purpose, Trigger trigger, int memoryMb,
      Map<String, String> environment, List<PolicyStatement> permissions, java.nio.file.Path zip) {
    super(scope, id);
    boolean snapStart = config.concurrency() == PierConfig.Concurrency.snapstart || !trigger.callerWaits();
    this.logGroup = LogGroup.Builder.create(this, "Logs")
        .retention(config.prod() ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH)
        .removalPolicy(config.prod() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY)
        .build();
    this.role = Role.Builder.create(this, "Role")
        .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
        .description("Pier " + purpose + ": only what that function calls")
        .build();
    role.addToPolicy(PolicyStatement.Builder.create()
        .actions(List.of("logs:CreateLogStream", "logs:PutLogEvents"))
        .resources(List.of(logGroup.getLogGroupArn()))
        .build());
    permissions.forEach(role::addToPolicy);

    var env = new java.util.LinkedHashMap<String, String>();
    env.put("PIER_MODELS_CACHE_BYTES", Long.toString(memoryMb * 1024L * 1024L / 2));
    // Quarkus in Lambda: no signal handlers (Lambda owns the process); C1 only, the usual Lambda Java cold-start trade.
    env.put("DISABLE_SIGNAL_HANDLERS", "true");
    env.put("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");
    env.putAll(environment);

    this.function = Function.Builder.create(this, "Function")
        .description("Pier " + purpose)
        .runtime(config.lambdaRuntime().equals("java21") ? Runtime.JAVA_21 : Runtime.JAVA_25)
        .architecture(Architecture.X86_64)
        .handler(HANDLER)
        .code(Code.fromAsset(zip.toString()))
        .memorySize(memoryMb)
        .timeout(trigger.timeout())
        // SnapStart refuses functions with more than 512 MB of /tmp; provisioned instances may stage bigger models.
        .ephemeralStorageSize(Size.mebibytes(snapStart ? 512 : 2048))
        .environment(env)
        .role(role)
        .logGroup(logGroup)
        .tracing(Tracing.ACTIVE)
        .snapStart(snapStart ? SnapStartConf.ON_PUBLISHED_VERSIONS : null)
        .build();
    if (snapStart) {
      Annotations.of(function).acknowledgeWarning("@aws-cdk/aws-lambda:snapStartRequirePublish",
          "The live alias always points at a published version, which is what API Gateway or the event source "
              + "mapping invokes.");
    }
    if (config.lambdaRuntime().equals("java21")) {
      Nag.suppress(function, "AwsSolutions-L1",
          "java21 was chosen explicitly (context lambdaRuntime): an LTS runtime Lambda supports with SnapStart; "
              + "the default is java25.");
    }
    Nag.suppress(role, "AwsSolutions-IAM5",
        "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions (Resource '*').",
        "Resource::*");

    var aliasBuilder = Alias.Builder.create(this, "Alias")
        .aliasName(ALIAS)
        .version(function.getCurrentVersion());
    if (!snapStart) {
      aliasBuilder.provisionedConcurrentExecutions(config.provisionedMin());
    }
    this.alias = aliasBuilder.build();
    if (!snapStart) {
      alias.addAutoScaling(AutoScalingOptions.builder()
              .minCapacity(config.provisionedMin())
              .maxCapacity(config.provisionedMax())
              .build())
          .scaleOnUtilization(UtilizationScalingOptions.builder()
              .utilizationTarget(PROVISIONED_UTILIZATION_TARGET)
              .build());
    }
  }

  public Function function() {
    return function;
  }

  /** What API Gateway invokes and what alarms watch: the published version behind {@value #ALIAS}. */
  public Alias alias() {
    return alias;
  }

  public Role role() {
    return role;
  }

  public LogGroup logGroup() {
    return logGroup;
  }
}
