package dev.pier.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class ObservabilityStackTest {
  private final Template dev = Deployments.dev().template(Deployments.dev().stacks().observability());
  private final Template prod = Deployments.prod().template(Deployments.prod().stacks().observability());

  @Test
  void alarmsWhenDataPlaneP95LatencyIsOver100Ms() {
    dev.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
        "Namespace", "AWS/Lambda",
        "MetricName", "Duration",
        "ExtendedStatistic", "p95",
        "Threshold", 100,
        "ComparisonOperator", "GreaterThanThreshold",
        "Dimensions", Match.arrayWith(List.of(Map.of("Name", "Resource", "Value", Match.anyValue())))));
  }

  @Test
  void alarmsOnTheShareOfApiRequestsAnswered5xx() {
    dev.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
        "Threshold", ObservabilityStack.SERVER_ERROR_PERCENT,
        "Metrics", Match.arrayWith(List.of(
            Match.objectLike(Map.of("Expression", "IF(requests > 0, 100 * errors / requests, 0)")),
            Match.objectLike(Map.of("Id", "errors", "MetricStat", Match.objectLike(Map.of(
                "Metric", Match.objectLike(Map.of("Namespace", "AWS/ApiGateway", "MetricName", "5xx"))))))))));
  }

  @Test
  void alarmsWhenAnyDeadLetterQueueHoldsMessages() {
    dev.resourcePropertiesCountIs("AWS::CloudWatch::Alarm", Map.of(
        "Namespace", "AWS/SQS",
        "MetricName", "ApproximateNumberOfMessagesVisible",
        "Threshold", 1,
        "ComparisonOperator", "GreaterThanOrEqualToThreshold"), Deployments.dev().stacks().workers().queues().size());
  }

  @Test
  void alarmsOnFailedBatchJobsAndEndpointErrors() {
    dev.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
        "Metrics", Match.arrayWith(List.of(Match.objectLike(Map.of(
            "Expression", "failed + timedOut + aborted"))))));
    dev.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of("MetricName", "InvocationFailures"));
    prod.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of("MetricName", "Invocation5XXErrors"));
  }

  @Test
  void everyAlarmNotifiesTheEncryptedAlarmTopic() {
    dev.allResourcesProperties("AWS::CloudWatch::Alarm", Map.of(
        "AlarmActions", List.of(Map.of("Ref", Match.stringLikeRegexp("AlarmTopic.*"))),
        "OKActions", List.of(Map.of("Ref", Match.stringLikeRegexp("AlarmTopic.*")))));
    dev.hasResourceProperties("AWS::SNS::Topic", Map.of("KmsMasterKeyId", Match.anyValue()));
    dev.hasResourceProperties("AWS::KMS::Key", Map.of("KeyPolicy", Map.of("Statement", Match.arrayWith(List.of(
        Match.objectLike(Map.of("Principal", Map.of("Service", "cloudwatch.amazonaws.com"))))))));
    prod.hasResourceProperties("AWS::SNS::Subscription", Map.of(
        "Protocol", "email", "Endpoint", "ops@example.com"));
  }

  @Test
  void dashboardShowsLatencyPercentilesPerFunctionModelVersionAndEndpointVariant() {
    String body = Json.write(Json.properties(dev, "AWS::CloudWatch::Dashboard").values().iterator().next()
        .get("DashboardBody"));
    assertThat(body)
        .contains("API latency (ms)", "Data plane duration (ms)", "Control plane duration (ms)")
        .contains("\\\"stat\\\":\\\"p50\\\"", "\\\"stat\\\":\\\"p95\\\"", "\\\"stat\\\":\\\"p99\\\"")
        .contains("SEARCH('{Pier,Model,Version} MetricName=\\\\\\\"PredictionLatency\\\\\\\"', 'p95', 60)")
        .contains("ModelLatency", "GPUUtilization", "ApproximateBacklogSize", "Queue depth", "Batch jobs", "Alarms");
  }
}
