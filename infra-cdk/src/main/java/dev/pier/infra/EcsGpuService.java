package dev.pier.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.applicationautoscaling.EnableScalingProps;
import software.amazon.awscdk.services.autoscaling.AutoScalingGroup;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ecr.Repository;
import software.amazon.awscdk.services.ecs.AmiHardwareType;
import software.amazon.awscdk.services.ecs.AsgCapacityProvider;
import software.amazon.awscdk.services.ecs.AwsLogDriverProps;
import software.amazon.awscdk.services.ecs.CapacityProviderStrategy;
import software.amazon.awscdk.services.ecs.Cluster;
import software.amazon.awscdk.services.ecs.ContainerDefinitionOptions;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.Ec2Service;
import software.amazon.awscdk.services.ecs.Ec2TaskDefinition;
import software.amazon.awscdk.services.ecs.EcsOptimizedImage;
import software.amazon.awscdk.services.ecs.LogDriver;
import software.amazon.awscdk.services.ecs.NetworkMode;
import software.amazon.awscdk.services.ecs.PortMapping;
import software.amazon.awscdk.services.ecs.RequestCountScalingProps;
import software.amazon.awscdk.services.ecs.ScalableTaskCount;
import software.amazon.awscdk.services.elasticloadbalancingv2.AddApplicationTargetsProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationListener;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancer;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationProtocol;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationTargetGroup;
import software.amazon.awscdk.services.elasticloadbalancingv2.BaseApplicationListenerProps;
import software.constructs.Construct;

/**
 * The second GPU placement (context {@code ecsGpu=true}; off by default): Pier's endpoint image
 * ({@code gpu-endpoints/server}, the account's {@code pier-endpoint} ECR repository) as an ECS service on GPU
 * instances. An Auto Scaling group of ECS GPU-optimized instances is the cluster's capacity provider (managed scaling,
 * from zero instances); each task reserves one GPU, so there is one task per GPU; an internal load balancer checks
 * {@code /ping} and spreads {@code /invocations} and OIP REST; the service tracks requests per task, and the capacity
 * provider adds or removes instances to fit the tasks. Callers inside the VPC (the API's network, a peered one) are
 * let in by adding them to the load balancer's security group.
 */
public final class EcsGpuService extends Construct {
  /** Requests per task per minute the service's target tracking keeps. */
  public static final int REQUESTS_PER_TASK = 6000;
  private final Ec2Service service;
  private final Ec2TaskDefinition task;
  private final String clusterName;
  private final String serviceName;

  public EcsGpuService(Construct scope, String id, PierConfig config, PierConfig.EcsGpu gpu, DataStack data) {
    super(scope, id);
    Vpc vpc = Vpc.Builder.create(this, "Vpc").maxAzs(2).natGateways(1).build();
    vpc.addFlowLog("FlowLog"); // to CloudWatch Logs: who reached the endpoint tasks and the load balancer
    this.clusterName = config.prefix() + "-gpu";
    this.serviceName = config.prefix() + "-gpu";
    Cluster cluster = Cluster.Builder.create(this, "Cluster").vpc(vpc).clusterName(clusterName)
        .containerInsightsV2(software.amazon.awscdk.services.ecs.ContainerInsights.ENABLED).build();
    AutoScalingGroup instances = AutoScalingGroup.Builder.create(this, "GpuInstances").vpc(vpc)
        .instanceType(new InstanceType(gpu.instanceType()))
        .machineImage(EcsOptimizedImage.amazonLinux2(AmiHardwareType.GPU))
        .blockDevices(List.of(software.amazon.awscdk.services.autoscaling.BlockDevice.builder()
            .deviceName("/dev/xvda") // the ECS GPU AMI's root volume: the image and models downloaded to the host
            .volume(software.amazon.awscdk.services.autoscaling.BlockDeviceVolume.ebs(100,
                software.amazon.awscdk.services.autoscaling.EbsDeviceOptions.builder().encrypted(true)
                    .volumeType(software.amazon.awscdk.services.autoscaling.EbsDeviceVolumeType.GP3).build()))
            .build()))
        .minCapacity(0).maxCapacity(gpu.maxTasks()).requireImdsv2(true).build();
    Nag.suppress(instances, "AwsSolutions-AS3", "The group is the ECS capacity provider's: ECS managed scaling sizes"
        + " it to the tasks, and the service's deployment circuit breaker, alarms and ECS events report what fails;"
        + " per-instance launch/terminate notifications would repeat them.");
    AsgCapacityProvider capacity = AsgCapacityProvider.Builder.create(this, "GpuCapacity")
        .autoScalingGroup(instances).enableManagedScaling(true).targetCapacityPercent(100)
        .enableManagedTerminationProtection(false).enableManagedDraining(true).build();
    cluster.addAsgCapacityProvider(capacity); // ECS managed draining moves tasks off an instance scaled in
    Nag.suppress(instances, "AwsSolutions-IAM5", "The ECS container instance role CDK attaches: the agent's"
        + " ecs:Submit* state reports and the actions AWS documents with Resource * (ecs:DiscoverPollEndpoint,"
        + " ecr:GetAuthorizationToken, logs); registration is limited to this cluster.",
        "Action::ecs:Submit*", "Resource::*");

    this.task = Ec2TaskDefinition.Builder.create(this, "Task").networkMode(NetworkMode.AWS_VPC).build();
    data.artifacts().grantRead(task.getTaskRole()); // models from S3, as on SageMaker
    Nag.suppress(task.getTaskRole(), "AwsSolutions-IAM5", "The endpoint container reads the one version its"
        + " environment names from the artifacts bucket: artifacts are content-addressed, so which key is known only at"
        + " deployment (the task definition revision names it); read-only, nothing else in the bucket is written.",
        "Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "/Resource::.*ArtifactsBucket.*\\/\\*/");
    Nag.suppress(task, "AwsSolutions-ECS2", "The environment holds no secrets: the device, the port, and per version"
        + " the artifact's S3 URI, its SHA-256 and the registration metadata the deployer sets; nothing to hide in"
        + " Parameter Store.");
    task.addContainer("endpoint", ContainerDefinitionOptions.builder()
        .image(ContainerImage.fromEcrRepository(Repository.fromRepositoryName(this, "Image", "pier-endpoint"),
            gpu.imageTag()))
        .gpuCount(1)
        .memoryReservationMiB(8192)
        .environment(Map.of("PIER_DEVICE", "cuda", "SAGEMAKER_BIND_TO_PORT", "8080"))
        .portMappings(List.of(PortMapping.builder().containerPort(8080).build()))
        .logging(LogDriver.awsLogs(AwsLogDriverProps.builder().streamPrefix("pier-endpoint").build()))
        .build());
    // the execution role exists once the container's image and logs need it
    Nag.suppress(task.getExecutionRole(), "AwsSolutions-IAM5", "ecr:GetAuthorizationToken is granted on * by AWS's"
        + " definition (the task execution role's image pull); the repository and log group actions are on their own"
        + " ARNs.", "Resource::*");
    this.service = Ec2Service.Builder.create(this, "Service").serviceName(serviceName).cluster(cluster)
        .taskDefinition(task).desiredCount(1)
        .capacityProviderStrategies(List.of(CapacityProviderStrategy.builder()
            .capacityProvider(capacity.getCapacityProviderName()).weight(1).build()))
        .build();

    ApplicationLoadBalancer lb = ApplicationLoadBalancer.Builder.create(this, "Lb").vpc(vpc).internetFacing(false)
        .build();
    if (config.region() != null) {
      // access logs: ELB delivers only to a bucket with S3-managed keys, so it has its own
      lb.logAccessLogs(software.amazon.awscdk.services.s3.Bucket.Builder.create(this, "LbAccessLogs")
          .encryption(software.amazon.awscdk.services.s3.BucketEncryption.S3_MANAGED)
          .blockPublicAccess(software.amazon.awscdk.services.s3.BlockPublicAccess.BLOCK_ALL)
          .enforceSsl(true).minimumTlsVersion(1.2)
          .objectOwnership(software.amazon.awscdk.services.s3.ObjectOwnership.BUCKET_OWNER_ENFORCED)
          .lifecycleRules(List.of(software.amazon.awscdk.services.s3.LifecycleRule.builder().id("expire-access-logs")
              .expiration(Duration.days(config.prod() ? 365 : 90)).build()))
          .removalPolicy(config.prod() ? software.amazon.awscdk.RemovalPolicy.RETAIN
              : software.amazon.awscdk.RemovalPolicy.DESTROY)
          .build(), "gpu-lb");
    } else {
      Nag.suppress(lb, "AwsSolutions-ELB2", "Access logs need the deployment's region (which principal ELB delivers"
          + " logs as depends on it): deploy with -c region=… to have them; without, the VPC flow log records who"
          + " reached this internal load balancer.");
    }
    ApplicationListener listener = lb.addListener("Http", BaseApplicationListenerProps.builder().port(80).open(false)
        .build());
    ApplicationTargetGroup targets = listener.addTargets("Endpoint", AddApplicationTargetsProps.builder().port(8080)
        .protocol(ApplicationProtocol.HTTP).targets(List.of(service))
        .healthCheck(software.amazon.awscdk.services.elasticloadbalancingv2.HealthCheck.builder().path("/ping")
            .build())
        .build());
    ScalableTaskCount scaling = service.autoScaleTaskCount(EnableScalingProps.builder().minCapacity(1)
        .maxCapacity(gpu.maxTasks()).build());
    scaling.scaleOnRequestCount("RequestsPerTask", RequestCountScalingProps.builder()
        .requestsPerTarget(REQUESTS_PER_TASK).targetGroup(targets)
        .scaleOutCooldown(Duration.seconds(60)).scaleInCooldown(Duration.minutes(5)).build());
    // pier.endpoints.ecs.url of a server in the VPC: the platform's routes forward ECS-placed versions here
    new software.amazon.awscdk.CfnOutput(this, "LoadBalancerUrl", software.amazon.awscdk.CfnOutputProps.builder()
        .exportName(config.prefix() + "-gpu-url").value("http://" + lb.getLoadBalancerDnsName())
        .description("pier.endpoints.ecs.url: the ECS GPU service's internal load balancer").build());
  }

  public Ec2Service service() {
    return service;
  }

  /** The task definition the deployer's revisions copy (its task and execution roles are passed to ECS). */
  Ec2TaskDefinition task() {
    return task;
  }

  /** {@code pier.endpoints.ecs.cluster}. */
  String clusterName() {
    return clusterName;
  }

  /** {@code pier.endpoints.ecs.service}. */
  String serviceName() {
    return serviceName;
  }
}
