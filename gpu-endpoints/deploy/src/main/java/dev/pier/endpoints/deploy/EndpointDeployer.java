package dev.pier.endpoints.deploy;

import dev.pier.kernel.PierException;
import java.util.List;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.Alarm;
import software.amazon.awssdk.services.sagemaker.model.AutoRollbackConfig;
import software.amazon.awssdk.services.sagemaker.model.BlueGreenUpdatePolicy;
import software.amazon.awssdk.services.sagemaker.model.CapacitySize;
import software.amazon.awssdk.services.sagemaker.model.CapacitySizeType;
import software.amazon.awssdk.services.sagemaker.model.ContainerDefinition;
import software.amazon.awssdk.services.sagemaker.model.DeploymentConfig;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeInferenceComponentResponse;
import software.amazon.awssdk.services.sagemaker.model.InferenceComponentComputeResourceRequirements;
import software.amazon.awssdk.services.sagemaker.model.InferenceComponentRuntimeConfig;
import software.amazon.awssdk.services.sagemaker.model.InferenceComponentSpecification;
import software.amazon.awssdk.services.sagemaker.model.InferenceComponentStatus;
import software.amazon.awssdk.services.sagemaker.model.ManagedInstanceScalingStatus;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariantManagedInstanceScaling;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariantRoutingConfig;
import software.amazon.awssdk.services.sagemaker.model.RoutingStrategy;
import software.amazon.awssdk.services.sagemaker.model.EndpointStatus;
import software.amazon.awssdk.services.sagemaker.model.ModelCompressionType;
import software.amazon.awssdk.services.sagemaker.model.ModelDataSource;
import software.amazon.awssdk.services.sagemaker.model.S3ModelDataSource;
import software.amazon.awssdk.services.sagemaker.model.S3ModelDataType;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariant;
import software.amazon.awssdk.services.sagemaker.model.SageMakerException;
import software.amazon.awssdk.services.sagemaker.model.Tag;
import software.amazon.awssdk.services.sagemaker.model.TrafficRoutingConfig;
import software.amazon.awssdk.services.sagemaker.model.TrafficRoutingConfigType;

/**
 * Puts a version on its SageMaker endpoint: the SageMaker model (Pier's endpoint image with the version's archive),
 * an endpoint configuration naming it, and the endpoint — created the first time, else updated with a blue/green
 * deployment ({@link Rollout}: all at once, canary or linear, rolled back by SageMaker on the given CloudWatch alarms,
 * the old fleet serving until the shift is done, so requests do not fail during it). Every step is idempotent: names
 * derive from endpoint, version and artifact digest, existing models and configurations are reused, and deploying the
 * version an endpoint already runs (or is moving to) changes nothing. {@link #readiness} reads where the endpoint is.
 */
public final class EndpointDeployer {
  static final String VARIANT = "AllTraffic";
  private final SageMakerClient sagemaker;

  public EndpointDeployer(SageMakerClient sagemaker) {
    this.sagemaker = sagemaker;
  }

  /** What a deploy did. */
  public record Deployment(Action action, String endpointConfigName) {}

  public enum Action { CREATED, UPDATED, UNCHANGED }

  /** Where an endpoint is: SageMaker's status, whether it serves {@code endpointConfigName}, and why it failed. */
  public record Readiness(String status, String endpointConfigName, boolean ready, String failureReason) {}

  public Deployment deploy(DeploySpec spec, Rollout rollout) {
    String name = spec.sageMakerModelName();
    if (!exists(() -> sagemaker.describeModel(r -> r.modelName(name)))) {
      sagemaker.createModel(r -> r.modelName(name).executionRoleArn(spec.roleArn())
          .primaryContainer(container(spec))
          .tags(tags(spec)));
    }
    if (spec.scalesToZero()) {
      return deployComponent(spec);
    }
    if (!exists(() -> sagemaker.describeEndpointConfig(r -> r.endpointConfigName(name)))) {
      sagemaker.createEndpointConfig(r -> r.endpointConfigName(name)
          .productionVariants(ProductionVariant.builder().variantName(VARIANT).modelName(name)
              .instanceType(spec.instanceType()).initialInstanceCount(spec.instanceCount()).build())
          .tags(tags(spec)));
    }
    DescribeEndpointResponse current = describe(spec.endpointName());
    if (current == null) {
      sagemaker.createEndpoint(r -> r.endpointName(spec.endpointName()).endpointConfigName(name).tags(tags(spec)));
      return new Deployment(Action.CREATED, name);
    }
    if (name.equals(current.endpointConfigName())) {
      return new Deployment(Action.UNCHANGED, name);
    }
    EndpointStatus status = current.endpointStatus();
    if (status == EndpointStatus.UPDATING && current.pendingDeploymentSummary() != null
        && name.equals(current.pendingDeploymentSummary().endpointConfigName())) {
      return new Deployment(Action.UPDATED, name); // already shifting to it (a deploy resumed after a crash)
    }
    if (status == EndpointStatus.CREATING || status == EndpointStatus.UPDATING
        || status == EndpointStatus.ROLLING_BACK || status == EndpointStatus.SYSTEM_UPDATING) {
      throw PierException.conflict("endpoint " + spec.endpointName() + " is " + status
          + "; deploy version " + spec.version() + " once it is InService");
    }
    sagemaker.updateEndpoint(r -> r.endpointName(spec.endpointName()).endpointConfigName(name)
        .deploymentConfig(deploymentConfig(rollout)));
    return new Deployment(Action.UPDATED, name);
  }

  /**
   * A scale-to-zero endpoint (SageMaker: only endpoints hosting inference components scale to zero instances): its
   * configuration ({@link DeploySpec#componentEndpointConfigName}) names no model, carries the execution role, lets
   * SageMaker manage the instances from 0 to {@code maxInstances} and routes to the least busy copy; the version is an
   * inference component on it, created with one copy (SageMaker refuses zero at creation) once the endpoint is
   * InService ({@link #readiness} creates it, so a deployment that waits for the endpoint needs no other step).
   * Another version on the same endpoint is another component beside it: each version's requests name their own
   * component, so moving an alias shifts nothing and fails no request; the old component scales to zero when idle.
   */
  private Deployment deployComponent(DeploySpec spec) {
    String config = spec.componentEndpointConfigName();
    if (!exists(() -> sagemaker.describeEndpointConfig(r -> r.endpointConfigName(config)))) {
      sagemaker.createEndpointConfig(r -> r.endpointConfigName(config).executionRoleArn(spec.roleArn())
          .productionVariants(ProductionVariant.builder().variantName(VARIANT).instanceType(spec.instanceType())
              .initialInstanceCount(1)
              .managedInstanceScaling(ProductionVariantManagedInstanceScaling.builder()
                  .status(ManagedInstanceScalingStatus.ENABLED).minInstanceCount(0)
                  .maxInstanceCount(spec.maxInstances()).build())
              .routingConfig(ProductionVariantRoutingConfig.builder()
                  .routingStrategy(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS).build())
              .build())
          .tags(tags(spec)));
    }
    DescribeEndpointResponse current = describe(spec.endpointName());
    if (current == null) {
      sagemaker.createEndpoint(r -> r.endpointName(spec.endpointName()).endpointConfigName(config).tags(tags(spec)));
      return new Deployment(Action.CREATED, spec.inferenceComponentName());
    }
    if (!config.equals(current.endpointConfigName())) {
      throw PierException.badRequest("endpoint " + spec.endpointName() + " serves a model of its own ("
          + current.endpointConfigName() + "); a version with instance_count 0 needs a scale-to-zero endpoint: leave"
          + " endpoint_name out, or name one that only scale-to-zero versions use");
    }
    if (current.endpointStatus() == EndpointStatus.IN_SERVICE) {
      return new Deployment(ensureComponent(spec) ? Action.CREATED : Action.UNCHANGED, spec.inferenceComponentName());
    }
    return new Deployment(Action.UPDATED, spec.inferenceComponentName());
  }

  /** Creates the version's inference component if it is missing; true when it was created now. */
  private boolean ensureComponent(DeploySpec spec) {
    if (describeComponent(spec.inferenceComponentName()) != null) {
      return false;
    }
    sagemaker.createInferenceComponent(r -> r.inferenceComponentName(spec.inferenceComponentName())
        .endpointName(spec.endpointName()).variantName(VARIANT)
        .specification(InferenceComponentSpecification.builder().modelName(spec.sageMakerModelName())
            .computeResourceRequirements(InferenceComponentComputeResourceRequirements.builder()
                .minMemoryRequiredInMb(COMPONENT_MEMORY_MB)
                .numberOfAcceleratorDevicesRequired(spec.instanceType().matches("ml\\.(g|p)\\d.*") ? 1f : null)
                .build())
            .build())
        .runtimeConfig(InferenceComponentRuntimeConfig.builder().copyCount(1).build())
        .tags(tags(spec)));
    return true;
  }

  /** Memory a copy of the endpoint container reserves on its instance. */
  static final int COMPONENT_MEMORY_MB = 4096;

  private DescribeInferenceComponentResponse describeComponent(String name) {
    try {
      return sagemaker.describeInferenceComponent(r -> r.inferenceComponentName(name));
    } catch (SageMakerException e) {
      if (notFound(e)) {
        return null;
      }
      throw e;
    }
  }

  /**
   * A scale-to-zero version: ready once its endpoint is InService and its component too (created here the first time
   * the endpoint is InService); until then the endpoint's, then the component's status.
   */
  private Readiness componentReadiness(DeploySpec spec) {
    DescribeEndpointResponse d = describe(spec.endpointName());
    if (d == null) {
      return new Readiness("NotFound", null, false, null);
    }
    if (d.endpointStatus() != EndpointStatus.IN_SERVICE) {
      return new Readiness(d.endpointStatusAsString(), spec.inferenceComponentName(), false, d.failureReason());
    }
    if (ensureComponent(spec)) {
      return new Readiness("Creating", spec.inferenceComponentName(), false, null);
    }
    DescribeInferenceComponentResponse c = describeComponent(spec.inferenceComponentName());
    InferenceComponentStatus status = c.inferenceComponentStatus();
    return new Readiness(status == InferenceComponentStatus.IN_SERVICE ? "InService" : c.inferenceComponentStatusAsString(),
        spec.inferenceComponentName(), status == InferenceComponentStatus.IN_SERVICE, c.failureReason());
  }

  /** The endpoint's state for the version whose configuration is {@code spec}'s. */
  public Readiness readiness(DeploySpec spec) {
    if (spec.scalesToZero()) {
      return componentReadiness(spec);
    }
    DescribeEndpointResponse d = describe(spec.endpointName());
    if (d == null) {
      return new Readiness("NotFound", null, false, null);
    }
    return new Readiness(d.endpointStatusAsString(), d.endpointConfigName(),
        d.endpointStatus() == EndpointStatus.IN_SERVICE && spec.sageMakerModelName().equals(d.endpointConfigName()),
        d.failureReason());
  }

  /**
   * Pier's image with the version's artifact: a {@code .tar.gz} as SageMaker's model data (unpacked into
   * {@code /opt/ml/model}), any other object uncompressed, as it is in Pier's content-addressed store — SageMaker
   * copies it to the instance's disk, so a model of many GB is never unpacked nor held in memory on the way.
   */
  static ContainerDefinition container(DeploySpec spec) {
    ContainerDefinition.Builder c = ContainerDefinition.builder().image(spec.image()).environment(spec.environment());
    if (spec.modelDataUrl().endsWith(".tar.gz")) {
      return c.modelDataUrl(spec.modelDataUrl()).build();
    }
    return c.modelDataSource(ModelDataSource.builder().s3DataSource(S3ModelDataSource.builder()
        .s3Uri(spec.modelDataUrl()).s3DataType(S3ModelDataType.S3_OBJECT)
        .compressionType(ModelCompressionType.NONE).build()).build()).build();
  }

  static DeploymentConfig deploymentConfig(Rollout rollout) {
    TrafficRoutingConfig.Builder routing = TrafficRoutingConfig.builder().waitIntervalInSeconds(rollout.waitSeconds());
    CapacitySize step = CapacitySize.builder().type(CapacitySizeType.CAPACITY_PERCENT).value(rollout.stepPercent())
        .build();
    switch (rollout.mode()) {
      case ALL_AT_ONCE -> routing.type(TrafficRoutingConfigType.ALL_AT_ONCE);
      case CANARY -> routing.type(TrafficRoutingConfigType.CANARY).canarySize(step);
      case LINEAR -> routing.type(TrafficRoutingConfigType.LINEAR).linearStepSize(step);
    }
    DeploymentConfig.Builder config = DeploymentConfig.builder()
        .blueGreenUpdatePolicy(BlueGreenUpdatePolicy.builder().trafficRoutingConfiguration(routing.build())
            .terminationWaitInSeconds(rollout.bakeSeconds()).build());
    if (!rollout.rollbackAlarms().isEmpty()) {
      config.autoRollbackConfiguration(AutoRollbackConfig.builder()
          .alarms(rollout.rollbackAlarms().stream().map(a -> Alarm.builder().alarmName(a).build()).toList()).build());
    }
    return config.build();
  }

  private DescribeEndpointResponse describe(String endpoint) {
    try {
      return sagemaker.describeEndpoint(r -> r.endpointName(endpoint));
    } catch (SageMakerException e) {
      if (notFound(e)) {
        return null;
      }
      throw e;
    }
  }

  private static boolean exists(Runnable describe) {
    try {
      describe.run();
      return true;
    } catch (SageMakerException e) {
      if (notFound(e)) {
        return false;
      }
      throw e;
    }
  }

  /** SageMaker answers a Describe of something missing with a ValidationException "Could not find …". */
  private static boolean notFound(SageMakerException e) {
    return e.awsErrorDetails() != null && "ValidationException".equals(e.awsErrorDetails().errorCode())
        && String.valueOf(e.awsErrorDetails().errorMessage()).startsWith("Could not find");
  }

  private static List<Tag> tags(DeploySpec spec) {
    return List.of(Tag.builder().key("pier:model").value(spec.model()).build(),
        Tag.builder().key("pier:version").value(Integer.toString(spec.version())).build());
  }
}
