package dev.pier.endpoints.deploy;

import java.util.List;
import software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingClient;
import software.amazon.awssdk.services.applicationautoscaling.model.CustomizedMetricSpecification;
import software.amazon.awssdk.services.applicationautoscaling.model.MetricDimension;
import software.amazon.awssdk.services.applicationautoscaling.model.MetricStatistic;
import software.amazon.awssdk.services.applicationautoscaling.model.MetricType;
import software.amazon.awssdk.services.applicationautoscaling.model.PolicyType;
import software.amazon.awssdk.services.applicationautoscaling.model.PredefinedMetricSpecification;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableDimension;
import software.amazon.awssdk.services.applicationautoscaling.model.ServiceNamespace;
import software.amazon.awssdk.services.applicationautoscaling.model.TargetTrackingScalingPolicyConfiguration;
import software.amazon.awssdk.services.applicationautoscaling.model.AdjustmentType;
import software.amazon.awssdk.services.applicationautoscaling.model.MetricAggregationType;
import software.amazon.awssdk.services.applicationautoscaling.model.StepAdjustment;
import software.amazon.awssdk.services.applicationautoscaling.model.StepScalingPolicyConfiguration;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.ComparisonOperator;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;

/**
 * Registers an endpoint's variant with Application Auto Scaling and puts one target-tracking policy on it. Both calls
 * are upserts in AWS (registering again updates min/max, putting a policy of the same name replaces it), so applying
 * the same settings twice — a deployment resumed after a crash — changes nothing.
 *
 * <p>A scale-to-zero version's inference component ({@link #applyToComponent}) is scaled in copies, from 0: target
 * tracking takes it down to zero when idle, and — as AWS documents for scaling out from zero, which target tracking
 * cannot do — a step scaling policy adds one copy when the CloudWatch alarm on the component's
 * {@code NoCapacityInvocationFailures} (a request that found no copy) fires; SageMaker's managed instance scaling adds
 * the instance the copy needs. {@code PutMetricAlarm} is an upsert too.
 */
public final class EndpointAutoscaler {
  static final String POLICY = "pier-target-tracking";
  static final String SCALE_OUT_FROM_ZERO = "pier-scale-out-from-zero";
  private final ApplicationAutoScalingClient client;
  private final CloudWatchClient cloudWatch;

  public EndpointAutoscaler(ApplicationAutoScalingClient client) {
    this(client, null);
  }

  /** @param cloudWatch puts the scale-out-from-zero alarms; null where no version scales to zero */
  public EndpointAutoscaler(ApplicationAutoScalingClient client, CloudWatchClient cloudWatch) {
    this.client = client;
    this.cloudWatch = cloudWatch;
  }

  static String componentResourceId(String component) {
    return "inference-component/" + component;
  }

  /** The alarm that scales {@code component} out from zero (named after it, so under the stage's prefix). */
  static String noCapacityAlarm(String component) {
    return component + "-no-capacity";
  }

  /**
   * Scales inference component {@code component} between {@code a.minInstances()} (0 for scale to zero) and
   * {@code a.maxInstances()} copies: target tracking on SageMaker's per-copy metric, and with a minimum of 0 the step
   * policy and alarm that bring it back from zero.
   */
  public void applyToComponent(String component, Autoscaling a) {
    String resource = componentResourceId(component);
    client.registerScalableTarget(r -> r.serviceNamespace(ServiceNamespace.SAGEMAKER).resourceId(resource)
        .scalableDimension(ScalableDimension.SAGEMAKER_INFERENCE_COMPONENT_DESIRED_COPY_COUNT)
        .minCapacity(a.minInstances()).maxCapacity(a.maxInstances()));
    TargetTrackingScalingPolicyConfiguration.Builder tracking = TargetTrackingScalingPolicyConfiguration.builder()
        .targetValue(a.target()).scaleOutCooldown(a.scaleOutCooldownSeconds())
        .scaleInCooldown(a.scaleInCooldownSeconds());
    if (a.metric() == Autoscaling.Metric.GPU_UTILIZATION) {
      tracking.customizedMetricSpecification(CustomizedMetricSpecification.builder()
          .namespace("/aws/sagemaker/InferenceComponents").metricName("GPUUtilizationNormalized")
          .statistic(MetricStatistic.AVERAGE)
          .dimensions(List.of(MetricDimension.builder().name("InferenceComponentName").value(component).build()))
          .build());
    } else {
      tracking.predefinedMetricSpecification(PredefinedMetricSpecification.builder().predefinedMetricType(
          a.metric() == Autoscaling.Metric.CONCURRENT_REQUESTS_PER_MODEL
              ? MetricType.SAGE_MAKER_INFERENCE_COMPONENT_CONCURRENT_REQUESTS_PER_COPY_HIGH_RESOLUTION
              : MetricType.SAGE_MAKER_INFERENCE_COMPONENT_INVOCATIONS_PER_COPY).build());
    }
    client.putScalingPolicy(r -> r.policyName(POLICY).serviceNamespace(ServiceNamespace.SAGEMAKER)
        .resourceId(resource).scalableDimension(ScalableDimension.SAGEMAKER_INFERENCE_COMPONENT_DESIRED_COPY_COUNT)
        .policyType(PolicyType.TARGET_TRACKING_SCALING).targetTrackingScalingPolicyConfiguration(tracking.build()));
    if (a.minInstances() > 0) {
      return;
    }
    if (cloudWatch == null) {
      throw new IllegalStateException("scaling " + component + " to zero needs a CloudWatch client for its"
          + " scale-out alarm");
    }
    String policyArn = client.putScalingPolicy(r -> r.policyName(SCALE_OUT_FROM_ZERO)
        .serviceNamespace(ServiceNamespace.SAGEMAKER).resourceId(resource)
        .scalableDimension(ScalableDimension.SAGEMAKER_INFERENCE_COMPONENT_DESIRED_COPY_COUNT)
        .policyType(PolicyType.STEP_SCALING)
        .stepScalingPolicyConfiguration(StepScalingPolicyConfiguration.builder()
            .adjustmentType(AdjustmentType.CHANGE_IN_CAPACITY).metricAggregationType(MetricAggregationType.MAXIMUM)
            .cooldown(a.scaleOutCooldownSeconds())
            .stepAdjustments(StepAdjustment.builder().metricIntervalLowerBound(0.0).scalingAdjustment(1).build())
            .build()))
        .policyARN();
    cloudWatch.putMetricAlarm(r -> r.alarmName(noCapacityAlarm(component))
        .alarmDescription("A request found inference component " + component + " at zero copies: add one (Pier)")
        .namespace("AWS/SageMaker").metricName("NoCapacityInvocationFailures")
        .dimensions(Dimension.builder().name("InferenceComponentName").value(component).build())
        .statistic(Statistic.SUM).period(60).evaluationPeriods(1).threshold(1.0)
        .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
        .treatMissingData("notBreaching").alarmActions(policyArn));
  }

  static String resourceId(String endpoint) {
    return "endpoint/" + endpoint + "/variant/" + EndpointDeployer.VARIANT;
  }

  public void apply(String endpoint, Autoscaling a) {
    if (a.minInstances() < 1) {
      throw dev.pier.kernel.PierException.badRequest("autoscaling: an instance-backed SageMaker variant cannot scale"
          + " to zero (only inference components can: instance_count 0), got a minimum of " + a.minInstances());
    }
    String resource = resourceId(endpoint);
    client.registerScalableTarget(r -> r.serviceNamespace(ServiceNamespace.SAGEMAKER).resourceId(resource)
        .scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
        .minCapacity(a.minInstances()).maxCapacity(a.maxInstances()));
    TargetTrackingScalingPolicyConfiguration.Builder tracking = TargetTrackingScalingPolicyConfiguration.builder()
        .targetValue(a.target()).scaleOutCooldown(a.scaleOutCooldownSeconds())
        .scaleInCooldown(a.scaleInCooldownSeconds());
    if (a.metric() == Autoscaling.Metric.INVOCATIONS_PER_INSTANCE) {
      tracking.predefinedMetricSpecification(PredefinedMetricSpecification.builder()
          .predefinedMetricType(MetricType.SAGE_MAKER_VARIANT_INVOCATIONS_PER_INSTANCE).build());
    } else if (a.metric() == Autoscaling.Metric.CONCURRENT_REQUESTS_PER_MODEL) {
      tracking.predefinedMetricSpecification(PredefinedMetricSpecification.builder()
          .predefinedMetricType(MetricType.SAGE_MAKER_VARIANT_CONCURRENT_REQUESTS_PER_MODEL_HIGH_RESOLUTION).build());
    } else {
      tracking.customizedMetricSpecification(CustomizedMetricSpecification.builder().namespace("/aws/sagemaker/Endpoints")
          .metricName("GPUUtilization").statistic(MetricStatistic.AVERAGE)
          .dimensions(List.of(MetricDimension.builder().name("EndpointName").value(endpoint).build(),
              MetricDimension.builder().name("VariantName").value(EndpointDeployer.VARIANT).build())).build());
    }
    client.putScalingPolicy(r -> r.policyName(POLICY).serviceNamespace(ServiceNamespace.SAGEMAKER)
        .resourceId(resource).scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
        .policyType(PolicyType.TARGET_TRACKING_SCALING).targetTrackingScalingPolicyConfiguration(tracking.build()));
  }
}
