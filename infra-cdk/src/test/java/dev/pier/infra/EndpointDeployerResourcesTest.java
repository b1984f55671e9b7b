package dev.pier.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * What the registry's endpoint deployer needs in AWS: its table, the endpoints' execution role, rollback alarms, and a
 * least-privilege policy for the server running it — no wildcard actions, SageMaker only on the stage's names, the
 * execution role passed to SageMaker only.
 */
class EndpointDeployerResourcesTest {
  private final Deployments.Deployment dev = Deployments.dev();
  private final Template endpoints = dev.template(dev.stacks().endpoints());

  private String policy(String containing) {
    return endpoints.findResources("AWS::IAM::ManagedPolicy").values().stream().map(Object::toString)
        .filter(p -> p.contains(containing)).findFirst().orElseThrow();
  }

  @Test
  void theDeploymentsTableIsKeyedAsDeploymentStoreWritesItEncryptedAndRecoverable() {
    endpoints.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
        "TableName", "pier-dev-endpoint-deployments",
        "KeySchema", List.of(Map.of("AttributeName", "pk", "KeyType", "HASH"),
            Map.of("AttributeName", "sk", "KeyType", "RANGE")),
        "BillingMode", "PAY_PER_REQUEST",
        "SSESpecification", Match.objectLike(Map.of("SSEEnabled", true, "SSEType", "KMS")),
        "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true)));
  }

  @Test
  void rollbackAlarmsWatchEverySageMakerEndpointThroughMetricsInsights() {
    endpoints.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
        "AlarmName", "pier-dev-endpoints-5xx",
        "Metrics", List.of(Match.objectLike(Map.of("Expression",
            "SELECT SUM(Invocation5XXErrors) FROM SCHEMA(\"AWS/SageMaker\", EndpointName, VariantName)",
            "Period", 60))),
        "Threshold", EndpointDeployerResources.ROLLBACK_5XX_PER_MINUTE,
        "ComparisonOperator", "GreaterThanOrEqualToThreshold"));
    endpoints.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
        "AlarmName", "pier-dev-endpoints-model-latency",
        "Threshold", EndpointDeployerResources.ROLLBACK_MODEL_LATENCY_MICROS,
        "EvaluationPeriods", 2));
  }

  @Test
  void theExecutionRoleIsSageMakersAndReadsOnlyArtifactsTheImageAndTheRollbackAlarms() {
    String role = endpoints.findResources("AWS::IAM::Policy").values().stream().map(Object::toString)
        .filter(p -> p.contains("ReadRollbackAlarms")).findFirst().orElseThrow();
    assertThat(role).contains("ReadArtifacts", "artifacts/sha256/*", "PullImage", "repository/pier-endpoint",
        "cloudwatch:DescribeAlarms", "/aws/sagemaker/Endpoints/pier-dev-*")
        .doesNotContain("s3:*", "s3:PutObject", "sagemaker:", "Action=*");
    endpoints.hasResourceProperties("AWS::IAM::Role", Map.of("AssumeRolePolicyDocument", Match.objectLike(Map.of(
        "Statement", List.of(Match.objectLike(Map.of("Principal", Map.of("Service", "sagemaker.amazonaws.com"),
            "Action", "sts:AssumeRole"))))), "Description", Match.stringLikeRegexp("Pier endpoints the registry.*")));
  }

  @Test
  void withTheEcsGpuServiceTheDeployerMayRollOutRevisionsOfThatServiceOnly() {
    Deployments.Deployment ecs = Deployments.synth("ecs-gpu", Map.of("ecsGpu", "true", "ecsGpuMaxTasks", "3"));
    Template t = ecs.template(ecs.stacks().endpoints());
    String p = t.findResources("AWS::IAM::ManagedPolicy").values().stream().map(Object::toString)
        .filter(x -> x.contains("UpdateEcsGpuService")).findFirst().orElseThrow();
    assertThat(p).contains("ecs:UpdateService", "ecs:DescribeServices", "service/pier-dev-gpu/pier-dev-gpu",
        "ecs:RegisterTaskDefinition", "iam:PassedToService=ecs-tasks.amazonaws.com")
        .doesNotContain("ecs:*", "ecs:DeleteService", "ecs:CreateService");
    t.hasResourceProperties("AWS::ECS::Service", Map.of("ServiceName", "pier-dev-gpu"));
    assertThat(ecs.stacks().endpoints().deployer().environment())
        .containsEntry("PIER_ENDPOINTS_ECS_CLUSTER", "pier-dev-gpu")
        .containsEntry("PIER_ENDPOINTS_ECS_SERVICE", "pier-dev-gpu");
    assertThat(dev.stacks().endpoints().deployer().environment()).doesNotContainKey("PIER_ENDPOINTS_ECS_CLUSTER");
    // the deployer's part is nag-clean (the ECS service's own findings are EcsGpuService's: off by default, not here)
    assertThat(Annotations.fromStack(ecs.stacks().endpoints())
        .findError("*", Match.stringLikeRegexp("AwsSolutions-.*")).stream()
        .map(m -> m.getId() + ": " + m.getEntry().getData()).filter(m -> m.contains("EndpointDeployer")))
        .isEmpty();
  }

  @Test
  void theDeployerPolicyCoversEveryCallTheDeployerMakesAndNothingBeyondTheStagesNames() {
    String p = policy("DeployEndpoints");
    // EndpointDeployer, EndpointAutoscaler and DeploymentStore's calls
    assertThat(p).contains("sagemaker:CreateModel", "sagemaker:DescribeModel", "sagemaker:CreateEndpointConfig",
        "sagemaker:DescribeEndpointConfig", "sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint",
        "sagemaker:DescribeEndpoint", "sagemaker:AddTags", "application-autoscaling:RegisterScalableTarget",
        "application-autoscaling:PutScalingPolicy", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan",
        "iam:PassRole", "iam:PassedToService=sagemaker.amazonaws.com",
        "application-autoscaling:service-namespace=sagemaker",
        "model/pier-dev-*", "endpoint-config/pier-dev-*", "endpoint/pier-dev-*",
        "alarm:TargetTracking-endpoint/pier-dev-*", "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint",
        // scale to zero: the version's inference component and its scale-out-from-zero alarm
        "sagemaker:CreateInferenceComponent", "sagemaker:DescribeInferenceComponent",
        "inference-component/pier-dev-*", "alarm:TargetTracking-inference-component/pier-dev-*",
        "cloudwatch:PutMetricAlarm", "alarm:pier-dev-*-no-capacity")
        .doesNotContain("sagemaker:*", "sagemaker:DeleteEndpoint", "sagemaker:DeleteModel", "dynamodb:*",
            "dynamodb:DeleteItem", "iam:*", "cloudwatch:*", "Action=*");
    EndpointDeployerResources d = dev.stacks().endpoints().deployer();
    assertThat(d.environment()).containsKeys("PIER_ENDPOINTS_DEPLOY_ENABLED", "PIER_ENDPOINTS_DEPLOY_TABLE",
        "PIER_ENDPOINTS_DEPLOY_ROLE_ARN", "PIER_ENDPOINTS_DEPLOY_IMAGE", "PIER_ENDPOINTS_DEPLOY_ROLLBACK_ALARMS");
    endpoints.hasOutput("*", Map.of("Description", "pier.endpoints.deploy.role-arn"));
    assertThat(Annotations.fromStack(dev.stacks().endpoints())
        .findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
  }
}
