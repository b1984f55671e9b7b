package dev.pier.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.experiments.store.ExperimentsTable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * The experiments' part of the app: the experiments table, the experiments worker behind experiment-analysis.asl.json
 * (the real file), its 5-minute schedule, each function's grants on the table, and the alarm on guardrail breaches.
 */
class ExperimentationTest {
  private static final Deployments.Deployment REAL = Deployments.synth("real-asl", Map.of("stateMachinesDir",
      java.nio.file.Path.of("..").resolve(PierConfig.DEFAULT_STATE_MACHINES_DIR.toString().substring(3)).toString()));
  private final Template data = REAL.template(REAL.stacks().data());
  private final Template workers = REAL.template(REAL.stacks().workers());
  private final Template api = REAL.template(REAL.stacks().api());
  private final Template orchestration = REAL.template(REAL.stacks().orchestration());
  private final Template observability = REAL.template(REAL.stacks().observability());

  @Test
  void theExperimentsTableHasTheLayoutTheExperimentStoreUsesWithTtlOnTheBatchMarkers() {
    data.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
        "KeySchema", List.of(
            Map.of("AttributeName", "pk", "KeyType", "HASH"),
            Map.of("AttributeName", "sk", "KeyType", "RANGE")),
        "GlobalSecondaryIndexes", List.of(Map.of(
            "IndexName", "gsi1",
            "KeySchema", List.of(
                Map.of("AttributeName", "gsi1pk", "KeyType", "HASH"),
                Map.of("AttributeName", "gsi1sk", "KeyType", "RANGE")),
            "Projection", Map.of("ProjectionType", "ALL"))),
        "TimeToLiveSpecification", Map.of("AttributeName", ExperimentsTable.TTL, "Enabled", true),
        "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
        "SSESpecification", Match.objectLike(Map.of("SSEEnabled", true, "SSEType", "KMS"))));
  }

  @Test
  void theAnalysisStateMachineInvokesOnlyTheExperimentsWorkersLiveAliasAndTouchesNoBatchObjects() {
    var alias = Map.of("Fn::ImportValue", Match.stringLikeRegexp(".*ExperimentsWorker.*Alias.*"));
    orchestration.hasResourceProperties("AWS::StepFunctions::StateMachine", Map.of(
        "StateMachineName", REAL.config().prefix() + "-experiment-analysis",
        "DefinitionString", Match.stringLikeRegexp(".*\"StartAt\": \"ListRunning\".*"),
        "DefinitionSubstitutions", Match.objectLike(Map.of("ExperimentsWorkerFunction", alias)),
        "TracingConfiguration", Map.of("Enabled", true)));
    assertThat(Json.allowedActions(orchestration, "ExperimentAnalysisRole")).containsOnlyOnce("lambda:InvokeFunction")
        .noneMatch(a -> a.startsWith("s3:") || a.startsWith("kms:") || a.startsWith("states:"));
    assertThat(Json.resourcesAllowing(orchestration, "ExperimentAnalysisRole", "lambda:InvokeFunction"))
        .singleElement().asString().contains("ExperimentsWorker");
    // and the batch machine does not invoke the experiments worker
    assertThat(Json.resourcesAllowing(orchestration, "BatchScoringRole", "lambda:InvokeFunction"))
        .noneMatch(r -> r.contains("ExperimentsWorker"));
  }

  @Test
  void anEventBridgeRuleStartsTheAnalysisEveryFiveMinutesAsARoleThatMayStartOnlyIt() {
    orchestration.hasResourceProperties("AWS::Events::Rule", Map.of(
        "ScheduleExpression", "rate(5 minutes)",
        "State", "ENABLED",
        "Targets", List.of(Match.objectLike(Map.of(
            "Arn", Map.of("Ref", Match.stringLikeRegexp("ExperimentAnalysis.*")),
            "RetryPolicy", Map.of("MaximumRetryAttempts", 3))))));
    assertThat(Json.allowedActions(orchestration, "ExperimentAnalysisScheduleRole"))
        .containsExactly("states:StartExecution");
  }

  @Test
  void theWorkerIsAStateMachineTaskFunctionThatMovesAliasesButReadsNoArtifactsOrBatchData() {
    workers.hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Handler", ApiFunction.HANDLER,
        "Timeout", Experimentation.WORKER_TIMEOUT_SECONDS,
        "Environment", Map.of("Variables", Match.objectLike(Map.of(
            Experimentation.TABLE_ENV, Match.anyValue(), "PIER_REGISTRY_TABLE", Match.anyValue(),
            "PIER_AUDIT_BUCKET", Match.anyValue())))));
    List<String> actions = Json.allowedActions(workers, "ExperimentsWorkerRole");
    assertThat(actions).contains("dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
        "dynamodb:ConditionCheckItem", "s3:PutObject", "s3:PutObjectRetention")
        .doesNotContain("s3:GetObject", "s3:DeleteObject", "dynamodb:Scan", "sagemaker:InvokeEndpoint");
    assertThat(Json.resourcesAllowing(workers, "ExperimentsWorkerRole", "s3:PutObject")).singleElement().asString()
        .endsWith("/" + DataStack.AUDIT_EVENTS_PREFIX + "*\"]]}");
    assertThat(Json.resourcesAllowing(workers, "ExperimentsWorkerRole", "dynamodb:DeleteItem"))
        .allSatisfy(r -> assertThat(r).contains("ExperimentsTable"));
  }

  @Test
  void theDataPlaneReadsExperimentsAndStoresExposuresButNeverUpdatesOrDeletesAndTheControlPlaneManagesThem() {
    assertThat(Json.resourcesAllowing(api, "DataPlaneRole", "dynamodb:PutItem"))
        .anySatisfy(r -> assertThat(r).contains("ExperimentsTable"));
    assertThat(Json.resourcesAllowing(api, "DataPlaneRole", "dynamodb:UpdateItem"))
        .noneMatch(r -> r.contains("ExperimentsTable"));
    assertThat(Json.resourcesAllowing(api, "DataPlaneRole", "dynamodb:DeleteItem"))
        .noneMatch(r -> r.contains("ExperimentsTable"));
    assertThat(Json.resourcesAllowing(api, "ControlPlaneRole", "dynamodb:DeleteItem"))
        .anySatisfy(r -> assertThat(r).contains("ExperimentsTable"));
    for (String function : List.of("DataPlane", "ControlPlane")) {
      api.hasResourceProperties("AWS::Lambda::Function", Map.of(
          "Description", Match.stringLikeRegexp(".*" + (function.equals("DataPlane") ? "data plane" : "control plane")
              + ".*"),
          "Environment", Map.of("Variables", Match.objectLike(Map.of(Experimentation.TABLE_ENV, Match.anyValue())))));
    }
  }

  @Test
  void aGuardrailBreachFoundByAnyAnalysisAlarmsWithinOneAnalysisInterval() {
    observability.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
        "Namespace", Experimentation.NAMESPACE,
        "MetricName", Experimentation.GUARDRAIL_BREACHES,
        "Statistic", "Sum",
        "Period", 300,
        "Threshold", 1,
        "ComparisonOperator", "GreaterThanOrEqualToThreshold",
        "TreatMissingData", "notBreaching",
        "AlarmActions", List.of(Match.objectLike(Map.of("Ref", Match.stringLikeRegexp("AlarmTopic.*"))))));
    // the metric the app writes (dev.pier.api.platform.ExperimentMetrics) has no dimensions, nor may the alarm's
    assertThat(Json.properties(observability, "AWS::CloudWatch::Alarm").values()).filteredOn(
        p -> Experimentation.GUARDRAIL_BREACHES.equals(p.get("MetricName"))).singleElement()
        .satisfies(p -> assertThat(p.get("Dimensions")).isNull());
  }
}
