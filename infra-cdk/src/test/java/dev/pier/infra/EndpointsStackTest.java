package dev.pier.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class EndpointsStackTest {
  private final Template dev = Deployments.dev().template(Deployments.dev().stacks().endpoints());
  private final Template prod = Deployments.prod().template(Deployments.prod().stacks().endpoints());

  @Test
  void defaultDeploymentHasOneNetworkIsolatedGpuModelEndpointConfigAndEndpoint() {
    dev.resourceCountIs("AWS::SageMaker::Model", 1);
    dev.hasResourceProperties("AWS::SageMaker::Model", Map.of(
        "EnableNetworkIsolation", true,
        "PrimaryContainer", Map.of(
            "Image", Map.of("Fn::Sub", Match.stringLikeRegexp(".*pytorch-inference.*gpu.*")),
            "ModelDataUrl", Match.anyValue())));
    dev.resourceCountIs("AWS::SageMaker::EndpointConfig", 1);
    dev.hasResourceProperties("AWS::SageMaker::Endpoint", Map.of("EndpointName", "pier-dev-gpu"));
  }

  @Test
  void defaultGpuEndpointIsAsynchronousWithEncryptedOutputs() {
    dev.hasResourceProperties("AWS::SageMaker::EndpointConfig", Map.of(
        "ProductionVariants", List.of(Match.objectLike(Map.of(
            "InstanceType", "ml.g5.xlarge", "VariantName", GpuEndpoint.VARIANT))),
        "AsyncInferenceConfig", Map.of(
            "OutputConfig", Match.objectLike(Map.of(
                "S3OutputPath", Match.anyValue(), "KmsKeyId", Match.anyValue())),
            "ClientConfig", Match.anyValue()),
        // g5 volumes are instance storage: SageMaker encrypts them itself and refuses a key.
        "KmsKeyId", Match.absent()));
  }

  @Test
  void asyncEndpointScalesToZeroAndWakesOnBacklog() {
    dev.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", Map.of(
        "ServiceNamespace", "sagemaker",
        "ScalableDimension", "sagemaker:variant:DesiredInstanceCount",
        "MinCapacity", 0,
        "MaxCapacity", 2));
    dev.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", Map.of(
        "PolicyType", "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration", Match.objectLike(Map.of(
            "CustomizedMetricSpecification", Match.objectLike(Map.of(
                "MetricName", "ApproximateBacklogSizePerInstance")),
            "TargetValue", GpuEndpoint.BACKLOG_PER_INSTANCE_TARGET))));
    dev.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", Map.of(
        "PolicyType", "StepScaling"));
    dev.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
        "MetricName", "HasBacklogWithoutCapacity",
        "AlarmActions", List.of(Match.anyValue())));
  }

  @Test
  void everyGpuEndpointTracksGpuUtilization() {
    for (Template t : List.of(dev, prod)) {
      t.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", Map.of(
          "TargetTrackingScalingPolicyConfiguration", Match.objectLike(Map.of(
              "CustomizedMetricSpecification", Match.objectLike(Map.of(
                  "MetricName", "GPUUtilization", "Namespace", "/aws/sagemaker/Endpoints")),
              "TargetValue", GpuEndpoint.GPU_UTILIZATION_TARGET))));
    }
  }

  @Test
  void realtimeContextKeepsAnInstanceAndTracksInvocationsPerInstance() {
    prod.hasResourceProperties("AWS::SageMaker::EndpointConfig", Map.of(
        "AsyncInferenceConfig", Match.absent(),
        "KmsKeyId", Match.anyValue(),
        "ProductionVariants", List.of(Match.objectLike(Map.of("InstanceType", "ml.p3.2xlarge")))));
    prod.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", Map.of("MinCapacity", 1));
    prod.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", Map.of(
        "TargetTrackingScalingPolicyConfiguration", Match.objectLike(Map.of(
            "PredefinedMetricSpecification", Map.of("PredefinedMetricType", "SageMakerVariantInvocationsPerInstance"),
            "TargetValue", GpuEndpoint.INVOCATIONS_PER_INSTANCE_TARGET))));
  }

  @Test
  void executionRolePullsOnlyItsOwnImageRepository() {
    dev.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(
        List.of(Match.objectLike(Map.of(
            "Sid", "PullImage",
            "Resource", Map.of("Fn::Sub", Match.stringLikeRegexp(
                "arn:\\$\\{AWS::Partition}:ecr:\\$\\{AWS::Region}:763104351884:repository/pytorch-inference")))))))));
  }

  @Test
  void asyncEndpointNotifiesEncryptedSuccessAndErrorTopicsWithoutTheAnswer() {
    dev.resourceCountIs("AWS::SNS::Topic", 2);
    dev.allResourcesProperties("AWS::SNS::Topic", Map.of("KmsMasterKeyId", Match.anyValue()));
    dev.hasResourceProperties("AWS::SNS::Topic", Map.of("TopicName", "pier-dev-gpu-success"));
    dev.hasResourceProperties("AWS::SNS::Topic", Map.of("TopicName", "pier-dev-gpu-error"));
    dev.hasResourceProperties("AWS::SNS::TopicPolicy", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(
        List.of(Match.objectLike(Map.of("Effect", "Deny", "Condition",
            Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))));
    dev.hasResourceProperties("AWS::SageMaker::EndpointConfig", Map.of("AsyncInferenceConfig", Match.objectLike(Map.of(
        "OutputConfig", Match.objectLike(Map.of("NotificationConfig", Map.of(
            "SuccessTopic", Map.of("Ref", Match.stringLikeRegexp("GpuEndpointSuccessTopic.*")),
            "ErrorTopic", Map.of("Ref", Match.stringLikeRegexp("GpuEndpointErrorTopic.*")))))))));
    prod.resourceCountIs("AWS::SNS::Topic", 0);
  }

  @Test
  void asyncEndpointRoleReadsOnlyStagedRequestsAndPublishesOnlyToItsTopics() {
    dev.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(
        List.of(
            Match.objectLike(Map.of("Sid", "ReadAsyncRequests", "Action", "s3:GetObject",
                "Resource", Match.objectLike(Map.of("Fn::Join", Match.arrayWith(List.of(Match.arrayWith(
                    List.of("/async-requests/*")))))))),
            Match.objectLike(Map.of("Sid", "PublishNotifications", "Action", "sns:Publish",
                "Resource", List.of(
                    Map.of("Ref", Match.stringLikeRegexp("GpuEndpointSuccessTopic.*")),
                    Map.of("Ref", Match.stringLikeRegexp("GpuEndpointErrorTopic.*"))))))))));
  }

  @Test
  void ecsGpuPlacementIsOffByDefaultAndWithItsContextFlagRunsTheEndpointImageOnePerGpuWithAutoscaling() {
    for (Template t : List.of(dev, prod)) {
      t.resourceCountIs("AWS::ECS::Cluster", 0);
      t.resourceCountIs("AWS::ECS::Service", 0);
    }
    Deployments.Deployment withFlag = Deployments.synth("ecs-gpu", Map.of("ecsGpu", "true", "ecsGpuMaxTasks", "3"));
    Template ecs = withFlag.template(withFlag.stacks().endpoints());
    ecs.resourceCountIs("AWS::ECS::Cluster", 1);
    assertThat(Json.write(ecs.toJSON())).contains("\"g5.xlarge\"");
    ecs.hasResourceProperties("AWS::AutoScaling::AutoScalingGroup", Map.of("MinSize", "0", "MaxSize", "3"));
    ecs.hasResourceProperties("AWS::ECS::CapacityProvider", Map.of("AutoScalingGroupProvider", Match.objectLike(Map.of(
        "ManagedScaling", Match.objectLike(Map.of("Status", "ENABLED", "TargetCapacity", 100))))));
    ecs.hasResourceProperties("AWS::ECS::TaskDefinition", Map.of("ContainerDefinitions", List.of(Match.objectLike(
        Map.of("ResourceRequirements", List.of(Map.of("Type", "GPU", "Value", "1")),
            "PortMappings", List.of(Match.objectLike(Map.of("ContainerPort", 8080))),
            "Environment", Match.arrayWith(List.of(Map.of("Name", "PIER_DEVICE", "Value", "cuda"))))))));
    ecs.hasResourceProperties("AWS::ECS::Service", Map.of("CapacityProviderStrategy", List.of(Match.objectLike(
        Map.of("Weight", 1)))));
    ecs.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", Map.of("HealthCheckPath", "/ping"));
    ecs.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", Map.of("Scheme", "internal"));
    ecs.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", Map.of(
        "ServiceNamespace", "ecs", "MinCapacity", 1, "MaxCapacity", 3));
    ecs.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", Map.of(
        "TargetTrackingScalingPolicyConfiguration", Match.objectLike(Map.of(
            "PredefinedMetricSpecification", Match.objectLike(Map.of(
                "PredefinedMetricType", "ALBRequestCountPerTarget")),
            "TargetValue", EcsGpuService.REQUESTS_PER_TASK))));
  }
}
