package dev.pier.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Capture;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class MonitoringStackTest {
  private final Deployments.Deployment d = Deployments.dev();
  private final Template monitoring = d.template(d.stacks().monitoring());

  @Test
  void theMonitoringTableHasTheLayoutTheMonitorsModuleUsesWithTtl() {
    monitoring.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
        "TableName", "pier-dev-monitoring",
        "KeySchema", List.of(Map.of("AttributeName", "pk", "KeyType", "HASH"),
            Map.of("AttributeName", "sk", "KeyType", "RANGE")),
        "GlobalSecondaryIndexes", List.of(Match.objectLike(Map.of("IndexName", "gsi1",
            "KeySchema", List.of(Map.of("AttributeName", "gsi1pk", "KeyType", "HASH"),
                Map.of("AttributeName", "gsi1sk", "KeyType", "RANGE")),
            "Projection", Map.of("ProjectionType", "ALL")))),
        "TimeToLiveSpecification", Map.of("AttributeName", "expiresAt", "Enabled", true),
        "BillingMode", "PAY_PER_REQUEST",
        "SSESpecification", Match.objectLike(Map.of("SSEEnabled", true, "SSEType", "KMS")),
        "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true)));
  }

  @Test
  void scheduledRunsAreTheMonitorRunsStateMachineOnTheWorkerStartedEveryFiveMinutes() throws Exception {
    Capture definition = new Capture();
    monitoring.hasResourceProperties("AWS::StepFunctions::StateMachine", Map.of(
        "StateMachineName", "pier-dev-monitor-runs",
        "DefinitionString", definition,
        "DefinitionSubstitutions", Map.of("MonitoringWorkerFunction", Map.of("Ref", Match.stringLikeRegexp(
            "MonitoringWorkerAlias.*"))),
        "TracingConfiguration", Map.of("Enabled", true)));
    assertThat(definition.asString()).contains("${MonitoringWorkerFunction}", "\"monitoring\": \"run-due\"");
    monitoring.hasResourceProperties("AWS::Events::Rule", Map.of(
        "ScheduleExpression", "rate(5 minutes)",
        "State", "ENABLED",
        "Targets", List.of(Match.objectLike(Map.of("Arn", Map.of("Ref", Match.stringLikeRegexp("MonitorRuns.*")),
            "RetryPolicy", Map.of("MaximumRetryAttempts", 3))))));
    // the orchestration stack does not deploy it a second time
    assertThat(Json.write(d.template(d.stacks().orchestration()).toJSON())).doesNotContain("monitor-runs");
    // the test copy of the ASL file is the real one
    assertThat(Files.readString(Deployments.STATE_MACHINES.resolve("monitor-runs.asl.json")))
        .isEqualTo(Files.readString(Path.of("../state-machines/src/main/resources/monitor-runs.asl.json")));
  }

  @Test
  void theWorkerIsTheApiZipWithTheMonitoringConfigurationAndOnlyWhatRunsNeed() {
    monitoring.hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Handler", ApiFunction.HANDLER,
        "Runtime", "java25",
        "Timeout", 900,
        "Environment", Map.of("Variables", Match.objectLike(Map.of(
            "PIER_MONITORING_TABLE", "pier-dev-monitoring",
            "PIER_MONITORING_BUCKET", Map.of("Fn::Sub", "pier-dev-monitoring-${AWS::AccountId}-${AWS::Region}"),
            "PIER_CAPTURE_BUCKET", Match.anyValue(),
            "PIER_MONITORING_SCHEDULE_INTERVAL", "0s",
            "PIER_MONITORING_EVENT_BUS_NAME", "default")))));
    String policies = Json.write(monitoring.findResources("AWS::IAM::Policy"));
    assertThat(policies).contains("dynamodb:UpdateItem", "sns:Publish", "events:PutEvents", "/monitors/*",
        "/captures/*", "/profiles/*", "lambda:InvokeFunction");
    assertThat(policies).doesNotContain("dynamodb:*", "s3:*", "\"Resource\":\"*\",\"Action\":\"sns");
  }

  @Test
  void monitorsMakeAnAlarmPerCheckOnlyUnderTheirPrefixNotifyingTheAlertTopic() {
    monitoring.hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Timeout", 900,
        "Environment", Map.of("Variables", Match.objectLike(Map.of(
            "PIER_MONITORING_ALARM_TOPIC_ARN", Map.of("Fn::Sub",
                "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:pier-dev-monitoring-alerts"),
            "PIER_MONITORING_ALARM_PREFIX", "pier-dev-monitor-")))));
    monitoring.hasResourceProperties("AWS::IAM::Policy", Map.of(
        "PolicyDocument", Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
            "Sid", "MonitorAlarms",
            "Action", List.of("cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms"),
            "Resource", Map.of("Fn::Sub",
                "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:pier-dev-monitor-*"))))))));
    // the capturing functions make no alarms
    var dataPlanePolicies = monitoring.findResources("AWS::IAM::Policy", Map.of("Properties", Map.of(
        "Roles", List.of(Map.of("Fn::ImportValue", Match.stringLikeRegexp(".*DataPlane.*"))))));
    assertThat(dataPlanePolicies.toString()).doesNotContain("cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms",
        "cloudwatch:DescribeAlarms");
  }

  @Test
  void runsAlarmOnAlertsAndDriftToTheEncryptedAlertTopic() {
    monitoring.hasResourceProperties("AWS::SNS::Topic", Map.of(
        "TopicName", "pier-dev-monitoring-alerts",
        "KmsMasterKeyId", Match.anyValue()));
    for (String metric : List.of("Alerts", "DatasetDrift")) {
      monitoring.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
          "Namespace", MonitoringStack.NAMESPACE,
          "MetricName", metric,
          "Threshold", 1,
          "ComparisonOperator", "GreaterThanOrEqualToThreshold",
          "TreatMissingData", "notBreaching",
          "AlarmActions", List.of(Map.of("Ref", Match.stringLikeRegexp("AlertTopic.*")))));
    }
    monitoring.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of("MetricName", "ExecutionsFailed"));
    monitoring.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of("MetricName", "Errors"));
    assertThat(d.stacks().monitoring().alarms()).hasSize(4);
  }

  @Test
  void theApiFunctionsCaptureAndServeMonitoring() {
    Template api = d.template(d.stacks().api());
    api.hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Description", Match.stringLikeRegexp(".*data plane.*"),
        "Environment", Map.of("Variables", Match.objectLike(Map.of(
            "PIER_CAPTURE_BUCKET", Match.anyValue(),
            "PIER_MONITORING_TABLE", "pier-dev-monitoring")))));
    api.hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Description", Match.stringLikeRegexp(".*control plane.*"),
        "Environment", Map.of("Variables", Match.objectLike(Map.of(
            "PIER_MONITORING_BUCKET", Match.anyValue(),
            "PIER_MONITORING_SCHEDULE_INTERVAL", "0s")))));
    monitoring.hasResourceProperties("AWS::IAM::Policy", Map.of(
        "PolicyDocument", Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
            "Sid", "WriteCapturesAndProfiles", "Action", "s3:PutObject"))))),
        "Roles", List.of(Map.of("Fn::ImportValue", Match.stringLikeRegexp(".*DataPlane.*")))));
    // in the monitoring table, capture only indexes profiles: PutItem of profile index keys, nothing else
    var dataPlanePolicies = monitoring.findResources("AWS::IAM::Policy", Map.of("Properties", Map.of(
        "Roles", List.of(Map.of("Fn::ImportValue", Match.stringLikeRegexp(".*DataPlane.*"))))));
    assertThat(dataPlanePolicies).isNotEmpty();
    monitoring.hasResourceProperties("AWS::IAM::Policy", Map.of(
        "PolicyDocument", Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
            "Sid", "IndexProfiles", "Action", "dynamodb:PutItem",
            "Condition", Map.of("ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", List.of("profiles#*")))))))),
        "Roles", List.of(Map.of("Fn::ImportValue", Match.stringLikeRegexp(".*DataPlane.*")))));
    String dataPlane = dataPlanePolicies.toString();
    assertThat(dataPlane.split("dynamodb:", -1)).hasSize(3); // dynamodb:PutItem and the dynamodb:LeadingKeys key
    assertThat(dataPlane).doesNotContain("dynamodb:Query", "dynamodb:GetItem", "dynamodb:UpdateItem",
        "dynamodb:DeleteItem", "dynamodb:*");
  }
}
