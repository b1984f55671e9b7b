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

/**
 * Registers an endpoint's variant with Application Auto Scaling and puts one target-tracking policy on it. Both calls
 * are upserts in AWS (registering again updates min/max, putting a policy of the same name replaces it), so applying
 * the same settings twice — a deployment resumed after a crash — changes nothing.
 */
public final class EndpointAutoscaler {
  static final String POLICY = "pier-target-tracking";
  private final ApplicationAutoScalingClient client;

  public EndpointAutoscaler(ApplicationAutoScalingClient client) {
    this.client = client;
  }

  static String resourceId(String endpoint) {
    return "endpoint/" + endpoint + "/variant/" + EndpointDeployer.VARIANT;
  }

  public void apply(String endpoint, Autoscaling a) {
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
