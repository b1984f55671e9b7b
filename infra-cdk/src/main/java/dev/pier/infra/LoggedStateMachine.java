package dev.pier.infra;

import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.stepfunctions.DefinitionBody;
import software.amazon.awscdk.services.stepfunctions.LogLevel;
import software.amazon.awscdk.services.stepfunctions.LogOptions;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.amazon.awscdk.services.stepfunctions.StateMachineType;
import software.constructs.Construct;

/**
 * A state machine as Pier deploys every one of its ASL files: Standard, named {@code <prefix>-<name>}, its definition
 * inlined, every execution logged with its data to a log group of its own, and traced with X-Ray. What its tasks may
 * reach (role policies) and cdk-nag's IAM5 suppression naming them are the caller's: start the reason with
 * {@link #LOGS_AND_TRACES}, or call {@link #suppressLogsAndTraces} when the role has nothing else with a wildcard.
 */
final class LoggedStateMachine {
  /** Why the logging and X-Ray grants CDK gives every such role are {@code Resource '*'}. */
  static final String LOGS_AND_TRACES =
      "CloudWatch Logs log delivery and X-Ray actions support no resource-level permissions (Resource '*')";

  private LoggedStateMachine() {}

  /**
   * The state machine {@code id} in {@code scope} and its log group {@code id + "Logs"}.
   *
   * @param name the ASL file's name ({@code batch-scoring}), which names the machine and its log group
   * @param substitutions the definition's {@code ${Placeholder}} values
   * @param timeout how long one execution may run before Step Functions fails it
   */
  static StateMachine deploy(Construct scope, String id, PierConfig config, String name, String definition,
      Map<String, String> substitutions, Duration timeout) {
    LogGroup logs = LogGroup.Builder.create(scope, id + "Logs")
        // Step Functions vended logs must go to a group under /aws/vendedlogs/ to keep the resource policy small.
        .logGroupName("/aws/vendedlogs/states/" + config.prefix() + "-" + name)
        .retention(config.prod() ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH)
        .removalPolicy(config.prod() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY)
        .build();
    return StateMachine.Builder.create(scope, id)
        .stateMachineName(config.prefix() + "-" + name)
        .stateMachineType(StateMachineType.STANDARD)
        // Inlined, not an S3 asset: the template shows the definition and tests can read it.
        .definitionBody(DefinitionBody.fromString(definition))
        .definitionSubstitutions(substitutions)
        .logs(LogOptions.builder().destination(logs).level(LogLevel.ALL).includeExecutionData(true).build())
        .tracingEnabled(true)
        .timeout(timeout)
        .build();
  }

  /** Suppresses IAM5 on the logs and X-Ray grants alone, for a role whose other grants name their resources. */
  static void suppressLogsAndTraces(StateMachine machine) {
    Nag.suppress(machine, "AwsSolutions-IAM5", LOGS_AND_TRACES + ".", "Resource::*");
  }
}
