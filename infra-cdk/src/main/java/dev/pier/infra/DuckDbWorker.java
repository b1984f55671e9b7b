package dev.pier.infra;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Size;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.Tracing;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * A worker Lambda of its own zip that runs DuckDB (the feature worker, the training worker): {@code WorkerLogs}, a
 * {@code WorkerRole} that may write only there, and the function {@code Worker} — x86_64 (the zips carry DuckDB's
 * linux-x86_64 library only), 3,008 MB, 15 minutes, 4 GiB of {@code /tmp} for the files DuckDB reads, traced, with the
 * home directory DuckDB needs. What else the role may reach is the caller's.
 *
 * @param logs the function's log group
 * @param role the function's role
 */
record DuckDbWorker(LogGroup logs, Role role) {

  /** The log group and the role (logs: that group only) of a worker, before its grants and function. */
  static DuckDbWorker prepare(Construct scope, PierConfig config, String roleDescription) {
    LogGroup logs = LogGroup.Builder.create(scope, "WorkerLogs")
        .retention(config.prod() ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH)
        .removalPolicy(config.prod() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY)
        .build();
    Role role = Role.Builder.create(scope, "WorkerRole")
        .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
        .description(roleDescription)
        .build();
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("Logs")
        .actions(List.of("logs:CreateLogStream", "logs:PutLogEvents"))
        .resources(List.of(logs.getLogGroupArn()))
        .build());
    return new DuckDbWorker(logs, role);
  }

  /** The function, from {@code zip}, with {@code environment} and the variables every DuckDB worker needs. */
  Function function(Construct scope, PierConfig config, String description, String handler, Path zip,
      Map<String, String> environment) {
    return function(scope, config, description, handler, zip, environment, null);
  }

  /** {@link #function} named {@code functionName} (null: CloudFormation names it), for callers that find it by name. */
  Function function(Construct scope, PierConfig config, String description, String handler, Path zip,
      Map<String, String> environment, String functionName) {
    Map<String, String> variables = new LinkedHashMap<>(environment);
    // DuckDB wants a home directory (Lambda sets none) and a writable one: /tmp is the only such place
    variables.put("HOME", "/tmp");
    variables.put("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");
    Function function = Function.Builder.create(scope, "Worker")
        .functionName(functionName)
        .description(description)
        .runtime(config.lambdaRuntime().equals("java21") ? Runtime.JAVA_21 : Runtime.JAVA_25)
        .architecture(Architecture.X86_64)
        .handler(handler)
        .code(Code.fromAsset(zip.toString()))
        .memorySize(3008)
        .timeout(Duration.minutes(15))
        // the worker's input (a chunk's Parquet file, a dataset) is mirrored to /tmp before DuckDB reads it
        .ephemeralStorageSize(Size.gibibytes(4))
        .environment(variables)
        .role(role)
        .logGroup(logs)
        .tracing(Tracing.ACTIVE)
        .build();
    if (config.lambdaRuntime().equals("java21")) {
      Nag.suppress(function, "AwsSolutions-L1",
          "java21 was chosen explicitly (context lambdaRuntime), an LTS runtime; the default is java25.");
    }
    return function;
  }

  /** The zip named by the context key, else by the environment variable, else the build's default path. */
  static Path zip(Construct scope, String contextKey, String environmentVariable, Path fallback) {
    Object fromContext = scope.getNode().tryGetContext(contextKey);
    String env = System.getenv(environmentVariable);
    return Path.of(fromContext != null ? fromContext.toString() : env != null ? env : fallback.toString());
  }
}
