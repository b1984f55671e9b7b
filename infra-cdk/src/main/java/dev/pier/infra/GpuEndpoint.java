package dev.pier.infra;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.services.applicationautoscaling.AdjustmentType;
import software.amazon.awscdk.services.applicationautoscaling.BasicTargetTrackingScalingPolicyProps;
import software.amazon.awscdk.services.applicationautoscaling.PredefinedMetric;
import software.amazon.awscdk.services.applicationautoscaling.ScalableTarget;
import software.amazon.awscdk.services.applicationautoscaling.ServiceNamespace;
import software.amazon.awscdk.services.applicationautoscaling.StepScalingAction;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.ApplicationScalingAction;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.s3.IBucket;
import software.amazon.awscdk.services.sagemaker.CfnEndpoint;
import software.amazon.awscdk.services.sagemaker.CfnEndpointConfig;
import software.amazon.awscdk.services.sagemaker.CfnModel;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sns.Topic;
import software.constructs.Construct;

/**
 * A SageMaker model, endpoint configuration and endpoint for models placed on GPU instances, with autoscaling.
 * Asynchronous endpoints queue requests (outputs land in the captures bucket) and scale down to zero instances when
 * idle, waking on the first queued request; real-time endpoints keep at least one instance and track invocations per
 * instance. Both also track GPU utilization.
 *
 * <p>An asynchronous endpoint reads Pier's staged requests ({@code async-requests/} of the async bucket) and publishes
 * a notification per finished request to its success or error SNS topic (KMS-encrypted with the outputs key); the
 * workers stack subscribes the async work queue to both, so the async worker completes the prediction.
 */
public final class GpuEndpoint extends Construct {
  public static final String VARIANT = "primary";
  /** Async: requests waiting per instance the scaling aims for. */
  static final double BACKLOG_PER_INSTANCE_TARGET = 5;
  /** Real-time: invocations per instance per minute the scaling aims for. */
  static final double INVOCATIONS_PER_INSTANCE_TARGET = 60;
  /** Average GPU utilization (percent) the scaling aims for. */
  static final double GPU_UTILIZATION_TARGET = 70;
  /**
   * Instance families whose volumes are local NVMe: SageMaker encrypts them in hardware and refuses a KMS key for
   * them in the endpoint configuration.
   */
  private static final Pattern INSTANCE_STORAGE = Pattern.compile(
      "^ml\\.(g4dn|g5|g6|g6e|gr6|p3dn|p4d|p4de|p5|p5e|p5en|m5d|c5d|r5d|c6id|m6id|r6id)\\..*");
  private static final Pattern ECR_IMAGE = Pattern.compile("^([0-9]{12})\\.dkr\\.ecr\\.([^.]+)\\.[^/]+/([^:@]+).*$");

  /**
   * What to deploy.
   *
   * @param name short name, part of the endpoint's name
   * @param image the serving container; {@code ${AWS::Region}} and other pseudo parameters are substituted
   * @param modelDataUrl {@code s3://bucket/key} of the model archive
   * @param modelBucket the bucket holding it, when it is one of Pier's (null for a bucket elsewhere)
   */
  public record Spec(String name, PierConfig.EndpointMode mode, String instanceType, int maxInstances, String image,
      String modelDataUrl, IBucket modelBucket) {}

  private final Spec spec;
  private final String name;
  private final List<ITopic> notificationTopics;
  private final Role role;
  private final CfnModel model;
  private final CfnEndpointConfig endpointConfig;
  private final CfnEndpoint endpoint;
  private final ScalableTarget scaling;

  /**
   * @param key encrypts the endpoint's volumes, its outputs and its notification topics
   * @param outputs where an asynchronous endpoint writes answers and failures ({@code async-inference/<name>/})
   * @param asyncRequests the async predictions bucket, whose {@code async-requests/} an asynchronous endpoint reads
   */
  public GpuEndpoint(Construct scope, String id, PierConfig config, Spec spec, IKey key, IBucket outputs,
      IBucket asyncRequests) {
    super(scope, id);
    this.spec = spec;
    this.name = config.prefix() + "-" + spec.name();
    this.notificationTopics = async() ? List.of(createTopic("SuccessTopic", "succeeded", key),
        createTopic("ErrorTopic", "failed", key)) : List.of();
    this.role = createRole(key, outputs, asyncRequests);
    this.model = createModel();
    this.endpointConfig = createEndpointConfig(key, outputs);
    this.endpoint = CfnEndpoint.Builder.create(this, "Endpoint")
        .endpointName(name)
        .endpointConfigName(endpointConfig.getAttrEndpointConfigName())
        .build();
    this.scaling = createScaling();
  }

  public Spec spec() {
    return spec;
  }

  public CfnEndpoint endpoint() {
    return endpoint;
  }

  public String endpointName() {
    return endpoint.getAttrEndpointName();
  }

  /** The endpoint's name as a plain string (no reference to this stack), for other stacks' configuration. */
  public String name() {
    return name;
  }

  /** An asynchronous endpoint's success and error notification topics; none for a real-time endpoint. */
  public List<ITopic> notificationTopics() {
    return notificationTopics;
  }

  /** Where an asynchronous endpoint writes answers and failures in the outputs bucket. */
  public String outputPrefix() {
    return "async-inference/" + spec.name() + "/";
  }

  public ScalableTarget scaling() {
    return scaling;
  }

  public boolean async() {
    return spec.mode() == PierConfig.EndpointMode.async;
  }

  private Topic createTopic(String id, String outcome, IKey key) {
    return Topic.Builder.create(this, id)
        .topicName(name + "-" + (outcome.equals("succeeded") ? "success" : "error"))
        .displayName("Pier " + spec.name() + ": asynchronous inferences that " + outcome)
        .masterKey(key)
        .enforceSsl(true)
        .build();
  }

  private Role createRole(IKey key, IBucket outputs, IBucket asyncRequests) {
    Role r = Role.Builder.create(this, "ExecutionRole")
        .assumedBy(new ServicePrincipal("sagemaker.amazonaws.com"))
        .description("Pier GPU endpoint " + spec.name() + ": pull its image and model, write logs and metrics")
        .build();
    if (spec.modelBucket() != null) {
      r.addToPolicy(PolicyStatement.Builder.create()
          .sid("ReadModelArchive")
          .actions(List.of("s3:GetObject"))
          .resources(List.of(spec.modelBucket().arnForObjects(DataStack.ENDPOINT_MODELS_PREFIX + "*")))
          .build());
      if (spec.modelBucket().getEncryptionKey() != null) {
        r.addToPolicy(PolicyStatement.Builder.create()
            .sid("DecryptModelArchive")
            .actions(List.of("kms:Decrypt"))
            .resources(List.of(spec.modelBucket().getEncryptionKey().getKeyArn()))
            .build());
      }
    } else {
      r.addToPolicy(PolicyStatement.Builder.create()
          .sid("ReadModelArchive")
          .actions(List.of("s3:GetObject"))
          .resources(List.of(s3ObjectArn(spec.modelDataUrl())))
          .build());
    }
    r.addToPolicy(PolicyStatement.Builder.create()
        .sid("UseDataKey")
        .actions(List.of("kms:Decrypt", "kms:GenerateDataKey"))
        .resources(List.of(key.getKeyArn()))
        .build());
    r.addToPolicy(PolicyStatement.Builder.create()
        .sid("EcrToken")
        .actions(List.of("ecr:GetAuthorizationToken"))
        .resources(List.of("*"))
        .build());
    r.addToPolicy(PolicyStatement.Builder.create()
        .sid("PullImage")
        .actions(List.of("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"))
        .resources(List.of(repositoryArn(spec.image())))
        .build());
    r.addToPolicy(PolicyStatement.Builder.create()
        .sid("EndpointLogs")
        .actions(List.of("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"))
        .resources(List.of(Fn.sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
            + "/aws/sagemaker/Endpoints/*")))
        .build());
    r.addToPolicy(PolicyStatement.Builder.create()
        .sid("EndpointMetrics")
        .actions(List.of("cloudwatch:PutMetricData"))
        .resources(List.of("*"))
        .conditions(Map.of("StringLike", Map.of("cloudwatch:namespace", List.of("/aws/sagemaker/*", "AWS/SageMaker"))))
        .build());
    if (async()) {
      r.addToPolicy(PolicyStatement.Builder.create()
          .sid("WriteAsyncResults")
          .actions(List.of("s3:PutObject"))
          .resources(List.of(outputs.arnForObjects(outputPrefix() + "*")))
          .build());
      r.addToPolicy(PolicyStatement.Builder.create()
          .sid("ReadAsyncRequests")
          .actions(List.of("s3:GetObject"))
          .resources(List.of(asyncRequests.arnForObjects(DataStack.ASYNC_PREFIXES.get(0) + "*")))
          .build());
      if (asyncRequests.getEncryptionKey() != null) {
        r.addToPolicy(PolicyStatement.Builder.create()
            .sid("DecryptAsyncRequests")
            .actions(List.of("kms:Decrypt"))
            .resources(List.of(asyncRequests.getEncryptionKey().getKeyArn()))
            .conditions(Map.of("StringEquals", Map.of("kms:ViaService", Fn.sub("s3.${AWS::Region}.amazonaws.com"))))
            .build());
      }
      // SageMaker publishes with this role; the topics' key is the one UseDataKey already allows.
      r.addToPolicy(PolicyStatement.Builder.create()
          .sid("PublishNotifications")
          .actions(List.of("sns:Publish"))
          .resources(notificationTopics.stream().map(ITopic::getTopicArn).toList())
          .build());
    }
    Nag.suppress(r, "AwsSolutions-IAM5",
        "ecr:GetAuthorizationToken and cloudwatch:PutMetricData support no resource-level permissions (the latter is "
            + "limited to SageMaker namespaces by condition); SageMaker names endpoint log groups itself under "
            + "/aws/sagemaker/Endpoints/; model archives live under endpoints/ and async results under "
            + "async-inference/<endpoint>/ in Pier's buckets; an asynchronous endpoint reads the requests Pier staged, "
            + "objects named by prediction id under async-requests/.",
        "Resource::*", "/^Resource::.*\\/async-requests\\/\\*$/",
        "/^Resource::.*\\/aws\\/sagemaker\\/Endpoints\\/\\*$/", "/^Resource::.*\\/endpoints\\/\\*$/",
        "/^Resource::.*\\/async-inference\\/.*\\*$/", "/^Resource::arn:.*:s3:::.*$/");
    return r;
  }

  private CfnModel createModel() {
    CfnModel m = CfnModel.Builder.create(this, "Model")
        .executionRoleArn(role.getRoleArn())
        .primaryContainer(CfnModel.ContainerDefinitionProperty.builder()
            .image(Fn.sub(spec.image()))
            .modelDataUrl(spec.modelDataUrl())
            .build())
        // The container reaches nothing on the network; SageMaker itself fetches the model and writes results.
        .enableNetworkIsolation(true)
        .build();
    m.getNode().addDependency(role);
    return m;
  }

  private CfnEndpointConfig createEndpointConfig(IKey key, IBucket outputs) {
    boolean instanceStorage = INSTANCE_STORAGE.matcher(spec.instanceType()).matches();
    var builder = CfnEndpointConfig.Builder.create(this, "Config")
        .productionVariants(List.of(CfnEndpointConfig.ProductionVariantProperty.builder()
            .variantName(VARIANT)
            .modelName(model.getAttrModelName())
            .instanceType(spec.instanceType())
            // Async endpoints start with one instance too; autoscaling takes them to zero when idle.
            .initialInstanceCount(1)
            .initialVariantWeight(1)
            .build()));
    if (!instanceStorage) {
      builder.kmsKeyId(key.getKeyArn());
    }
    if (async()) {
      String base = "s3://" + outputs.getBucketName() + "/" + outputPrefix();
      builder.asyncInferenceConfig(CfnEndpointConfig.AsyncInferenceConfigProperty.builder()
          .outputConfig(CfnEndpointConfig.AsyncInferenceOutputConfigProperty.builder()
              .s3OutputPath(base + "results/")
              .s3FailurePath(base + "failures/")
              .kmsKeyId(key.getKeyArn())
              // Answers stay out of SNS (they may hold personal data): the worker reads them from S3 and masks them.
              .notificationConfig(CfnEndpointConfig.AsyncInferenceNotificationConfigProperty.builder()
                  .successTopic(notificationTopics.get(0).getTopicArn())
                  .errorTopic(notificationTopics.get(1).getTopicArn())
                  .build())
              .build())
          .clientConfig(CfnEndpointConfig.AsyncInferenceClientConfigProperty.builder()
              .maxConcurrentInvocationsPerInstance(4)
              .build())

          .build());
    }
    return builder.build();
  }

  private ScalableTarget createScaling() {
    ScalableTarget target = ScalableTarget.Builder.create(this, "Scaling")
        .serviceNamespace(ServiceNamespace.SAGEMAKER)
        .resourceId("endpoint/" + endpoint.getAttrEndpointName() + "/variant/" + VARIANT)
        .scalableDimension("sagemaker:variant:DesiredInstanceCount")
        .minCapacity(async() ? 0 : 1)
        .maxCapacity(spec.maxInstances())
        .build();
    target.getNode().addDependency(endpoint);
    if (async()) {
      target.scaleToTrackMetric("BacklogPerInstance", BasicTargetTrackingScalingPolicyProps.builder()
          .targetValue(BACKLOG_PER_INSTANCE_TARGET)
          .customMetric(endpointMetric("AWS/SageMaker", "ApproximateBacklogSizePerInstance", false))
          .scaleInCooldown(Duration.minutes(10))
          .scaleOutCooldown(Duration.minutes(2))
          .build());
      createWakeFromZero(target);
    } else {
      target.scaleToTrackMetric("InvocationsPerInstance", BasicTargetTrackingScalingPolicyProps.builder()
          .targetValue(INVOCATIONS_PER_INSTANCE_TARGET)
          .predefinedMetric(PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE)
          .scaleInCooldown(Duration.minutes(5))
          .scaleOutCooldown(Duration.minutes(1))
          .build());
    }
    // GPUUtilization is summed over an instance's GPUs (0-100 per GPU): the target suits single-GPU types.
    target.scaleToTrackMetric("GpuUtilization", BasicTargetTrackingScalingPolicyProps.builder()
        .targetValue(GPU_UTILIZATION_TARGET)
        .customMetric(endpointMetric("/aws/sagemaker/Endpoints", "GPUUtilization", true))
        .scaleInCooldown(Duration.minutes(10))
        .scaleOutCooldown(Duration.minutes(2))
        .build());
    return target;
  }

  /**
   * Target tracking cannot leave zero instances (there is no per-instance metric to track), so a step policy adds
   * one when requests wait and no instance serves them.
   */
  private void createWakeFromZero(ScalableTarget target) {
    StepScalingAction wake = StepScalingAction.Builder.create(this, "WakeFromZero")
        .scalingTarget(target)
        .adjustmentType(AdjustmentType.CHANGE_IN_CAPACITY)
        .cooldown(Duration.minutes(5))
        .build();
    wake.addAdjustment(software.amazon.awscdk.services.applicationautoscaling.AdjustmentTier.builder()
        .lowerBound(0)
        .adjustment(1)
        .build());
    Alarm alarm = Alarm.Builder.create(this, "BacklogWithoutCapacity")
        .alarmDescription("Requests wait on " + spec.name() + " and no instance runs: scale out from zero")
        .metric(endpointMetric("AWS/SageMaker", "HasBacklogWithoutCapacity", false).with(
            software.amazon.awscdk.services.cloudwatch.MetricOptions.builder().statistic("Maximum").build()))
        .threshold(1)
        .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
        .evaluationPeriods(1)
        .treatMissingData(TreatMissingData.NOT_BREACHING)
        .build();
    alarm.addAlarmAction(new ApplicationScalingAction(wake));
  }

  /** A metric of this endpoint; per variant when {@code perVariant}. */
  public Metric endpointMetric(String namespace, String name, boolean perVariant) {
    Map<String, String> dims = perVariant
        ? Map.of("EndpointName", endpoint.getAttrEndpointName(), "VariantName", VARIANT)
        : Map.of("EndpointName", endpoint.getAttrEndpointName());
    return Metric.Builder.create()
        .namespace(namespace)
        .metricName(name)
        .dimensionsMap(dims)
        .statistic("Average")
        .period(Duration.minutes(1))
        .build();
  }

  /** {@code s3://bucket/key} → its object ARN. */
  private static String s3ObjectArn(String url) {
    if (!url.startsWith("s3://")) {
      throw new IllegalArgumentException("gpuModelDataUrl must be an s3:// URL, got " + url);
    }
    return Fn.sub("arn:${AWS::Partition}:s3:::") + url.substring("s3://".length());
  }

  /** The ECR repository of an image URI, so the role can pull from it and nothing else. */
  static String repositoryArn(String image) {
    Matcher m = ECR_IMAGE.matcher(image);
    if (!m.matches()) {
      throw new IllegalArgumentException("gpuImage must be an ECR image URI (<account>.dkr.ecr.<region>.amazonaws.com/"
          + "<repository>:<tag>), got " + image);
    }
    return Fn.sub("arn:${AWS::Partition}:ecr:" + m.group(2) + ":" + m.group(1) + ":repository/" + m.group(3));
  }
}
