package dev.pier.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CfnOutputProps;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.ecr.IRepository;
import software.amazon.awscdk.services.ecr.Repository;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.constructs.Construct;

/**
 * What the registry's endpoint deployer ({@code gpu-endpoints/deploy}, {@code pier.endpoints.deploy.*} on the plain
 * server) needs in AWS, least privilege:
 *
 * <ul>
 *   <li>its DynamoDB table ({@code pk} model, {@code sk} version; on demand, the data key, point-in-time recovery);
 *   <li>the endpoints' execution role SageMaker assumes: pull Pier's endpoint image ({@code pier-endpoint} in ECR),
 *       read content-addressed artifacts, write the endpoints' logs and metrics, read the rollback alarms;
 *   <li>rollback alarms for blue/green shifts: 5xx answers and model latency over every SageMaker endpoint in the
 *       account and region (CloudWatch Metrics Insights, so endpoints the deployer creates later are covered);
 *   <li>the deployer's managed policy, to attach to the role of whatever runs the plain server: SageMaker model,
 *       endpoint configuration and endpoint calls on {@code <prefix>-*} names only, {@code iam:PassRole} of the
 *       execution role to SageMaker only, the table's items, and Application Auto Scaling on SageMaker variants (with
 *       what it calls on the caller's behalf: the variant's capacity and its target-tracking alarms).
 * </ul>
 */
final class EndpointDeployerResources extends Construct {
  /** The repository Pier's endpoint image is pushed to (as {@code EcsGpuService} uses). */
  static final String IMAGE_REPOSITORY = "pier-endpoint";
  /** A shift is rolled back when the endpoints answered this many 5xx in a minute. */
  static final int ROLLBACK_5XX_PER_MINUTE = 1;
  /** ... or when the slowest endpoint's mean model latency (µs, SageMaker's unit) was over this for 2 minutes. */
  static final int ROLLBACK_MODEL_LATENCY_MICROS = 1_000_000;

  private final Table table;
  private final Role executionRole;
  private final ManagedPolicy deployerPolicy;
  private final List<Alarm> rollbackAlarms;
  private final IRepository image;
  private EcsGpuService ecs;

  EndpointDeployerResources(Construct scope, String id, PierConfig config, DataStack data) {
    super(scope, id);
    String prefix = config.prefix();
    this.table = Table.Builder.create(this, "DeploymentsTable")
        .tableName(prefix + "-endpoint-deployments")
        .partitionKey(Attribute.builder().name("pk").type(AttributeType.STRING).build())
        .sortKey(Attribute.builder().name("sk").type(AttributeType.STRING).build())
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .encryption(TableEncryption.CUSTOMER_MANAGED)
        .encryptionKey(data.key())
        .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
            .pointInTimeRecoveryEnabled(true).build())
        .deletionProtection(config.prod())
        .removalPolicy(config.prod() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY)
        .build();
    this.rollbackAlarms = List.of(
        rollbackAlarm("Rollback5xx", prefix + "-endpoints-5xx",
            "SELECT SUM(Invocation5XXErrors) FROM SCHEMA(\"AWS/SageMaker\", EndpointName, VariantName)",
            "SageMaker endpoints answered 5xx: rolls back a blue/green shift in progress",
            ROLLBACK_5XX_PER_MINUTE, 1),
        rollbackAlarm("RollbackLatency", prefix + "-endpoints-model-latency",
            "SELECT MAX(ModelLatency) FROM SCHEMA(\"AWS/SageMaker\", EndpointName, VariantName)",
            "a SageMaker endpoint's mean model latency was over " + ROLLBACK_MODEL_LATENCY_MICROS / 1000
                + " ms for 2 minutes: rolls back a blue/green shift in progress",
            ROLLBACK_MODEL_LATENCY_MICROS, 2));
    this.image = Repository.fromRepositoryName(this, "Image", IMAGE_REPOSITORY);
    this.executionRole = createExecutionRole(prefix, data);
    this.deployerPolicy = createDeployerPolicy(prefix);
    new CfnOutput(this, "DeployerPolicyArn", CfnOutputProps.builder().value(deployerPolicy.getManagedPolicyArn())
        .description("attach to the role of the plain server that runs the endpoint deployer").build());
    new CfnOutput(this, "ExecutionRoleArn", CfnOutputProps.builder().value(executionRole.getRoleArn())
        .description("pier.endpoints.deploy.role-arn").build());
  }

  private Alarm rollbackAlarm(String id, String name, String query, String description, double threshold,
      int periods) {
    return Alarm.Builder.create(this, id)
        .alarmName(name)
        .alarmDescription(description)
        .metric(MathExpression.Builder.create().expression(query).usingMetrics(Map.of())
            .period(Duration.minutes(1)).label(id).build())
        .threshold(threshold)
        .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
        .evaluationPeriods(periods)
        .datapointsToAlarm(periods)
        .treatMissingData(TreatMissingData.NOT_BREACHING)
        .build();
  }

  private Role createExecutionRole(String prefix, DataStack data) {
    Role r = Role.Builder.create(this, "ExecutionRole")
        .assumedBy(new ServicePrincipal("sagemaker.amazonaws.com"))
        .description("Pier endpoints the registry deploys: pull the endpoint image and the version's artifact, write"
            + " logs and metrics, read the rollback alarms")
        .build();
    List.of(
        PolicyStatement.Builder.create().sid("ReadArtifacts")
            .actions(List.of("s3:GetObject"))
            .resources(List.of(data.artifacts().arnForObjects(DataStack.ARTIFACTS_PREFIX + "*")))
            .build(),
        PolicyStatement.Builder.create().sid("DecryptArtifacts")
            .actions(List.of("kms:Decrypt"))
            .resources(List.of(data.artifactsKey().getKeyArn()))
            .build(),
        PolicyStatement.Builder.create().sid("EcrToken")
            .actions(List.of("ecr:GetAuthorizationToken"))
            .resources(List.of("*"))
            .build(),
        PolicyStatement.Builder.create().sid("PullImage")
            .actions(List.of("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"))
            .resources(List.of(image.getRepositoryArn()))
            .build(),
        PolicyStatement.Builder.create().sid("EndpointLogs")
            .actions(List.of("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                "logs:DescribeLogStreams"))
            .resources(List.of(Fn.sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
                + "/aws/sagemaker/Endpoints/" + prefix + "-*")))
            .build(),
        PolicyStatement.Builder.create().sid("EndpointMetrics")
            .actions(List.of("cloudwatch:PutMetricData"))
            .resources(List.of("*"))
            .conditions(Map.of("StringLike", Map.of("cloudwatch:namespace",
                List.of("/aws/sagemaker/*", "AWS/SageMaker"))))
            .build(),
        PolicyStatement.Builder.create().sid("ReadRollbackAlarms") // SageMaker reads them with this role
            .actions(List.of("cloudwatch:DescribeAlarms"))
            .resources(rollbackAlarms.stream().map(Alarm::getAlarmArn).toList())
            .build())
        .forEach(r::addToPolicy);
    Nag.suppress(r, "AwsSolutions-IAM5",
        "ecr:GetAuthorizationToken and cloudwatch:PutMetricData take no resource (the latter is limited to "
            + "SageMaker's namespaces, /aws/sagemaker/* and AWS/SageMaker, by condition); artifacts are content-addressed under artifacts/sha256/; log "
            + "groups are named by the endpoints the deployer creates, all under the stage's prefix.",
        "Resource::*", "/^Resource::.*\\/artifacts\\/sha256\\/\\*$/", "/^Resource::arn:.*:log-group:.*$/");
    return r;
  }

  private ManagedPolicy createDeployerPolicy(String prefix) {
    String sagemaker = "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:";
    ManagedPolicy p = ManagedPolicy.Builder.create(this, "DeployerPolicy")
        .managedPolicyName(prefix + "-endpoint-deployer")
        .description("Pier's endpoint deployer (pier.endpoints.deploy.*): SageMaker endpoints named " + prefix
            + "-*, their autoscaling, and the deployments table")
        .statements(List.of(
            PolicyStatement.Builder.create().sid("DeployEndpoints")
                .actions(List.of("sagemaker:CreateModel", "sagemaker:DescribeModel", "sagemaker:CreateEndpointConfig",
                    "sagemaker:DescribeEndpointConfig", "sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint",
                    "sagemaker:DescribeEndpoint", "sagemaker:AddTags"))
                .resources(List.of(Fn.sub(sagemaker + "model/" + prefix + "-*"),
                    Fn.sub(sagemaker + "endpoint-config/" + prefix + "-*"),
                    Fn.sub(sagemaker + "endpoint/" + prefix + "-*")))
                .build(),
            // scale to zero (instance_count 0): each version an inference component named after its endpoint
            PolicyStatement.Builder.create().sid("DeployInferenceComponents")
                .actions(List.of("sagemaker:CreateInferenceComponent", "sagemaker:DescribeInferenceComponent",
                    "sagemaker:AddTags"))
                .resources(List.of(Fn.sub(sagemaker + "inference-component/" + prefix + "-*"),
                    Fn.sub(sagemaker + "endpoint/" + prefix + "-*"), Fn.sub(sagemaker + "model/" + prefix + "-*")))
                .build(),
            PolicyStatement.Builder.create().sid("PassExecutionRole")
                .actions(List.of("iam:PassRole"))
                .resources(List.of(executionRole.getRoleArn()))
                .conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "sagemaker.amazonaws.com")))
                .build(),
            PolicyStatement.Builder.create().sid("RecordDeployments")
                .actions(List.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan"))
                .resources(List.of(table.getTableArn()))
                .build(),
            PolicyStatement.Builder.create().sid("UseTableKey")
                .actions(List.of("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"))
                .resources(List.of(table.getEncryptionKey().getKeyArn()))
                .build(),
            // Application Auto Scaling acts with the caller's rights on the variant and creates target tracking's
            // alarms (TargetTracking-endpoint/<name>/variant/...) with them.
            PolicyStatement.Builder.create().sid("ScaleEndpoints")
                .actions(List.of("application-autoscaling:RegisterScalableTarget",
                    "application-autoscaling:PutScalingPolicy"))
                .resources(List.of("*"))
                .conditions(Map.of("StringEquals", Map.of("application-autoscaling:service-namespace",
                    "sagemaker")))
                .build(),
            PolicyStatement.Builder.create().sid("ReadScaling")
                .actions(List.of("application-autoscaling:DescribeScalableTargets",
                    "application-autoscaling:DescribeScalingPolicies"))
                .resources(List.of("*"))
                .build(),
            PolicyStatement.Builder.create().sid("VariantCapacity")
                .actions(List.of("sagemaker:UpdateEndpointWeightsAndCapacities"))
                .resources(List.of(Fn.sub(sagemaker + "endpoint/" + prefix + "-*")))
                .build(),
            PolicyStatement.Builder.create().sid("TargetTrackingAlarms")
                .actions(List.of("cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms",
                    "cloudwatch:DeleteAlarms"))
                .resources(List.of(Fn.sub("arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:"
                    + "TargetTracking-endpoint/" + prefix + "-*"),
                    Fn.sub("arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:"
                        + "TargetTracking-inference-component/" + prefix + "-*")))
                .build(),
            // the scale-out-from-zero alarm the deployer puts on each scale-to-zero component (<component>-no-capacity)
            PolicyStatement.Builder.create().sid("ScaleOutFromZeroAlarms")
                .actions(List.of("cloudwatch:PutMetricAlarm"))
                .resources(List.of(Fn.sub("arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:"
                    + prefix + "-*-no-capacity")))
                .build(),
            PolicyStatement.Builder.create().sid("AutoScalingServiceLinkedRole")
                .actions(List.of("iam:CreateServiceLinkedRole"))
                .resources(List.of(Fn.sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/"
                    + "sagemaker.application-autoscaling.amazonaws.com/"
                    + "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint")))
                .conditions(Map.of("StringLike", Map.of("iam:AWSServiceName",
                    "sagemaker.application-autoscaling.amazonaws.com")))
                .build()))
        .build();
    Nag.suppress(p, "AwsSolutions-IAM5",
        "The deployer names SageMaker models, endpoint configurations and endpoints at run time, all under the "
            + "stage's prefix; Application Auto Scaling's calls take no resource ARN (limited to the sagemaker "
            + "namespace by condition where the action supports it; Describe* reads only); target tracking names its "
            + "alarms after the endpoint or inference component, the scale-out-from-zero alarms are named after the "
            + "component (<component>-no-capacity).",
        "Resource::*", "/^Resource::arn:.*:sagemaker:.*$/", "/^Resource::arn:.*:alarm:TargetTracking.*$/",
        "/^Resource::arn:.*:alarm:.*-no-capacity$/");
    Nag.suppress(p, "AwsSolutions-IAM5",
        "ECS's RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions and the TagResource a "
            + "registration's tags need take no task definition ARN before the revision exists.", "Resource::*");
    return p;
  }

  /**
   * Lets the deployer put versions placed {@code "kind": "ecs"} on {@code gpu}'s service: read and update that service,
   * register and read task definition revisions (ECS takes no resource for those), and pass the service's task and
   * execution roles to ECS tasks only.
   */
  void deployTo(EcsGpuService gpu) {
    this.ecs = gpu;
    String ecsArn = "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:";
    List<String> roles = new java.util.ArrayList<>(List.of(gpu.task().getTaskRole().getRoleArn()));
    if (gpu.task().getExecutionRole() != null) {
      roles.add(gpu.task().getExecutionRole().getRoleArn());
    }
    deployerPolicy.addStatements(
        PolicyStatement.Builder.create().sid("UpdateEcsGpuService")
            .actions(List.of("ecs:DescribeServices", "ecs:UpdateService"))
            .resources(List.of(Fn.sub(ecsArn + "service/" + gpu.clusterName() + "/" + gpu.serviceName())))
            .build(),
        PolicyStatement.Builder.create().sid("EcsTaskDefinitions")
            .actions(List.of("ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions",
                "ecs:TagResource"))
            .resources(List.of("*"))
            .build(),
        PolicyStatement.Builder.create().sid("PassEcsTaskRoles")
            .actions(List.of("iam:PassRole"))
            .resources(roles)
            .conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "ecs-tasks.amazonaws.com")))
            .build());
  }

  /** The plain server's settings for the deployer ({@code pier.endpoints.deploy.*} as environment variables). */
  Map<String, String> environment() {
    Map<String, String> env = new java.util.TreeMap<>(Map.of("PIER_ENDPOINTS_DEPLOY_ENABLED", "true",
        "PIER_ENDPOINTS_DEPLOY_TABLE", table.getTableName(),
        "PIER_ENDPOINTS_DEPLOY_ROLE_ARN", executionRole.getRoleArn(),
        "PIER_ENDPOINTS_DEPLOY_IMAGE", image.getRepositoryUri() + ":latest",
        "PIER_ENDPOINTS_DEPLOY_ROLLBACK_ALARMS", String.join(",", rollbackAlarms.stream().map(Alarm::getAlarmName)
            .toList())));
    if (ecs != null) {
      env.put("PIER_ENDPOINTS_ECS_CLUSTER", ecs.clusterName());
      env.put("PIER_ENDPOINTS_ECS_SERVICE", ecs.serviceName());
    }
    return env;
  }

  Table table() {
    return table;
  }

  Role executionRole() {
    return executionRole;
  }

  ManagedPolicy deployerPolicy() {
    return deployerPolicy;
  }

  List<Alarm> rollbackAlarms() {
    return rollbackAlarms;
  }
}
