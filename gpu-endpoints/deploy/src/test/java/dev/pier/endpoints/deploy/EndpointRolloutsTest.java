package dev.pier.endpoints.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.endpoints.deploy.EndpointDeployment.Phase;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.kernel.engine.Framework;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.Batching;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.NewVersion;
import dev.pier.registry.Placement;
import dev.pier.registry.RegistryTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingClient;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/**
 * The registry (on the DynamoDB and S3 stand-ins) wired to SageMaker and Application Auto Scaling (the real SDK
 * clients against the HTTP-level stand-in): aliases move only once the endpoint is InService, failures and rollbacks
 * leave them where they were, and a new controller (a restarted server) continues what a killed one left.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndpointRolloutsTest {
  private static final AtomicInteger NEXT = new AtomicInteger();
  private static final Autoscaling SCALING = new Autoscaling(1, 6, Autoscaling.Metric.GPU_UTILIZATION, 70, 60, 300);
  private Path dataDir;
  private LocalAws aws;
  private AwsClients clients;
  private ModelRegistry registry;
  private SageMakerStandIn standIn;
  private SageMakerClient sagemaker;
  private ApplicationAutoScalingClient autoscaling;
  private software.amazon.awssdk.services.cloudwatch.CloudWatchClient cloudWatch;
  private DeploymentStore store;

  @BeforeAll
  void start() throws Exception {
    dataDir = Files.createTempDirectory("pier-rollouts");
    aws = LocalAws.start(dataDir);
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
    ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
    store = new DeploymentStore(clients.dynamoDb(), "endpoint-deployments");
    store.createIfMissing();
    store.createIfMissing(); // idempotent
  }

  @BeforeEach
  void standIn() throws Exception {
    if (standIn != null) {
      sagemaker.close();
      autoscaling.close();
      cloudWatch.close();
      standIn.close();
    }
    standIn = new SageMakerStandIn();
    var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    sagemaker = SageMakerClient.builder().endpointOverride(standIn.endpoint()).region(Region.US_EAST_1)
        .credentialsProvider(creds).httpClient(UrlConnectionHttpClient.create()).build();
    autoscaling = ApplicationAutoScalingClient.builder().endpointOverride(standIn.endpoint()).region(Region.US_EAST_1)
        .credentialsProvider(creds).httpClient(UrlConnectionHttpClient.create()).build();
    cloudWatch = software.amazon.awssdk.services.cloudwatch.CloudWatchClient.builder()
        .endpointOverride(standIn.endpoint()).region(Region.US_EAST_1)
        .credentialsProvider(creds).httpClient(UrlConnectionHttpClient.create()).build();
  }

  @AfterAll
  void stop() throws Exception {
    sagemaker.close();
    autoscaling.close();
    cloudWatch.close();
    standIn.close();
    clients.close();
    aws.close();
  }

  /** A controller as a (re)started server builds it: nothing in memory but its clients. */
  private EndpointRollouts controller() {
    return new EndpointRollouts(registry, new EndpointDeployer(sagemaker),
        new EndpointAutoscaler(autoscaling, cloudWatch), new DeploymentStore(clients.dynamoDb(), "endpoint-deployments"),
        new EndpointRollouts.Settings("000000000000.dkr.ecr.us-east-1.amazonaws.com/pier-endpoint:1",
            "arn:aws:iam::000000000000:role/pier-endpoint", "ml.g5.xlarge",
            new Rollout(Rollout.Mode.LINEAR, 25, 60, 300, List.of("pier-5xx")), SCALING),
        Clock.systemUTC());
  }

  private ModelVersion register(String model, Placement placement) throws Exception {
    Path file = Files.writeString(Files.createTempFile(dataDir, "m", ".onnx"), model + System.nanoTime());
    return registry.register(model, new NewVersion(Framework.ONNX, null, ModelVersion.Metadata.NONE,
        new ModelVersion.Serving(new Batching(16, 2000), placement), null), file, null, "alice");
  }

  private static Placement endpoint(String name, String type, Integer count) {
    return new Placement(Placement.Kind.ENDPOINT, name, type, count, null);
  }

  private Integer production(String model) {
    try {
      return registry.alias(model, "production").version();
    } catch (PierException e) {
      return null;
    }
  }

  @Test
  void theAliasMovesOnlyOnceTheCreatedEndpointIsInServiceThenAutoscalingIsApplied() throws Exception {
    String m = "shop-" + NEXT.incrementAndGet();
    ModelVersion v1 = register(m, endpoint(null, null, 2));
    EndpointRollouts rollouts = controller();
    EndpointDeployment asked = rollouts.request(m, 1, "production", "alice");
    assertThat(asked.phase()).isEqualTo(Phase.REQUESTED);
    assertThat(asked.endpointName()).isEqualTo(v1.placement().endpointName());
    assertThat(standIn.operations).isEmpty(); // nothing asked of SageMaker on the request's thread
    assertThat(rollouts.request(m, 1, "production", "alice")).isEqualTo(asked); // asked again: the same

    EndpointDeployment d = rollouts.advance(asked);
    assertThat(d.phase()).isEqualTo(Phase.SHIFTING);
    assertThat(d.endpointStatus()).isEqualTo("Creating");
    String config = d.endpointConfigName();
    var container = standIn.models.get(config).path("PrimaryContainer");
    assertThat(container.path("ModelDataSource").path("S3DataSource").path("S3Uri").asText())
        .isEqualTo("s3://artifacts/" + v1.artifact().key());
    assertThat(container.path("ModelDataSource").path("S3DataSource").path("CompressionType").asText())
        .isEqualTo("None");
    assertThat(container.path("Environment").path("PIER_METADATA").asText())
        .contains("\"framework\":\"onnx\"").contains("\"max_batch_size\":16");
    assertThat(standIn.configs.get(config).path("ProductionVariants").path(0).path("InitialInstanceCount").asInt())
        .isEqualTo(2);
    assertThat(production(m)).isNull();

    d = rollouts.advance(d); // the stand-in still says Creating on this Describe
    assertThat(d.phase()).isEqualTo(Phase.SHIFTING);
    assertThat(production(m)).isNull();
    d = rollouts.advance(d);
    assertThat(d.phase()).isEqualTo(Phase.IN_SERVICE);
    assertThat(d.endpointStatus()).isEqualTo("InService");
    assertThat(production(m)).isEqualTo(1);
    assertThat(registry.aliases().history(m, "production", 1).get(0).to().version()).isEqualTo(1);
    assertThat(rollouts.status(m, 1)).isEqualTo(d);

    String resource = "endpoint/" + v1.placement().endpointName() + "/variant/AllTraffic";
    assertThat(standIn.scalableTargets.get(resource).path("MinCapacity").asInt()).isEqualTo(2); // instance_count
    assertThat(standIn.scalableTargets.get(resource).path("MaxCapacity").asInt()).isEqualTo(6);
    var tracking = standIn.scalingPolicies.get(resource).path("TargetTrackingScalingPolicyConfiguration");
    assertThat(tracking.path("TargetValue").asDouble()).isEqualTo(70.0);
    assertThat(tracking.path("CustomizedMetricSpecification").path("MetricName").asText()).isEqualTo("GPUUtilization");
    assertThat(standIn.scalingPolicies.get(resource).path("PolicyType").asText()).isEqualTo("TargetTrackingScaling");
  }

  @Test
  void anEcsPlacedVersionRollsOutOnTheEcsServiceTheAliasMovesOnceHealthyAndACircuitBreakerRollbackLeavesIt()
      throws Exception {
    try (EcsStandIn ecsStandIn = new EcsStandIn(); var ecs = software.amazon.awssdk.services.ecs.EcsClient.builder()
        .endpointOverride(ecsStandIn.endpoint()).region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClient(UrlConnectionHttpClient.create()).build()) {
      ecsStandIn.createService("pier-dev-gpu");
      EndpointRollouts rollouts = new EndpointRollouts(registry, new EndpointDeployer(sagemaker), new EcsDeployer(ecs),
          new EndpointAutoscaler(autoscaling), new DeploymentStore(clients.dynamoDb(), "endpoint-deployments"),
          new EndpointRollouts.Settings("unused", "unused", "ml.g5.xlarge",
              new Rollout(Rollout.Mode.ALL_AT_ONCE, 0, 0, 0, List.of("pier-5xx")), SCALING,
              new EndpointRollouts.Ecs("pier-dev-gpu", "pier-dev-gpu")), Clock.systemUTC());
      String m = "ecs-" + NEXT.incrementAndGet();
      ModelVersion v1 = register(m, new Placement(Placement.Kind.ECS, null, null, 2, 16384));
      assertThatThrownBy(() -> controller().request(m, 1, "production", "alice"))
          .hasMessageContaining("pier.endpoints.ecs.cluster");

      EndpointDeployment d = rollouts.advance(rollouts.request(m, 1, "production", "alice"));
      assertThat(d.endpointName()).isEqualTo("pier-dev-gpu");
      assertThat(d.phase()).isEqualTo(Phase.SHIFTING);
      assertThat(d.endpointStatus()).isEqualTo("Updating");
      assertThat(d.endpointConfigName()).isEqualTo("pier-dev-gpu-v1-" + v1.artifact().sha256().substring(0, 8));
      var revision = ecsStandIn.taskDefinitions.values().stream()
          .filter(t -> t.path("family").asText().equals(d.endpointConfigName())).findFirst().orElseThrow();
      var env = new java.util.HashMap<String, String>();
      revision.path("containerDefinitions").path(0).path("environment")
          .forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
      assertThat(env).containsEntry("PIER_ARTIFACT", "s3://artifacts/" + v1.artifact().key())
          .containsEntry("PIER_ARTIFACT_SHA256", v1.artifact().sha256()).containsEntry("PIER_DEVICE", "cuda");
      assertThat(env.get("PIER_METADATA")).contains("\"max_batch_size\":16");
      assertThat(revision.path("containerDefinitions").path(0).path("memoryReservation").asInt()).isEqualTo(16384);
      assertThat(ecsStandIn.lastUpdate.path("desiredCount").asInt()).isEqualTo(2);
      assertThat(rollouts.advance(d).phase()).as("tasks not healthy yet").isEqualTo(Phase.SHIFTING);
      assertThat(production(m)).isNull();
      ecsStandIn.complete("pier-dev-gpu");
      EndpointDeployment done = rollouts.advance(rollouts.status(m, 1));
      assertThat(done.phase()).isEqualTo(Phase.IN_SERVICE);
      assertThat(done.endpointStatus()).isEqualTo("InService");
      assertThat(production(m)).isEqualTo(1);
      assertThat(rollouts.serving(v1)).isTrue();
      assertThat(standIn.scalableTargets).as("ECS scales by its own service autoscaling").isEmpty();

      register(m, new Placement(Placement.Kind.ECS, null, null, 2, null));
      EndpointDeployment v2 = rollouts.advance(rollouts.request(m, 2, "production", "bob"));
      assertThat(v2.phase()).isEqualTo(Phase.SHIFTING);
      ecsStandIn.circuitBreaker("pier-dev-gpu", "tasks failed to start: CUDA out of memory");
      v2 = rollouts.advance(v2);
      assertThat(v2.endpointStatus()).isEqualTo("RollingBack");
      assertThat(v2.reason()).contains("CUDA out of memory");
      ecsStandIn.complete("pier-dev-gpu");
      v2 = rollouts.advance(v2);
      assertThat(v2.phase()).isEqualTo(Phase.FAILED);
      assertThat(v2.endpointStatus()).isEqualTo("RolledBack");
      assertThat(v2.reason()).contains("rolled back to " + done.endpointConfigName(), "CUDA out of memory");
      assertThat(production(m)).as("the previous version keeps serving").isEqualTo(1);
    }
    assertThatThrownBy(() -> new Placement(Placement.Kind.ECS, null, "g5.xlarge", 1, null))
        .hasMessageContaining("leave it out for kind ecs");
  }

  @Test
  void aNewVersionOnTheSameEndpointShiftsBlueGreenAndARestartedServerFinishesIt() throws Exception {
    String m = "rank-" + NEXT.incrementAndGet();
    String ep = m + "-gpu";
    register(m, endpoint(ep, "ml.g6.xlarge", null));
    register(m, endpoint(ep, "ml.g6.xlarge", null));
    EndpointRollouts first = controller();
    first.request(m, 1, "production", "alice");
    while (first.sweep() > 0) {
      // Creating → InService
    }
    assertThat(production(m)).isEqualTo(1);

    EndpointDeployment d = first.advance(first.request(m, 2, "production", "bob"));
    assertThat(d.phase()).isEqualTo(Phase.SHIFTING);
    assertThat(d.endpointStatus()).isEqualTo("Updating");
    assertThat(standIn.lastUpdate.path("EndpointConfigName").asText()).isEqualTo(d.endpointConfigName());
    assertThat(standIn.lastUpdate.path("DeploymentConfig").path("BlueGreenUpdatePolicy")
        .path("TrafficRoutingConfiguration").path("Type").asText()).isEqualTo("LINEAR");
    // the old configuration is kept: version 1's fleet serves until the shift is done
    assertThat(standIn.configs).containsKey(first.status(m, 1).endpointConfigName());
    assertThat(production(m)).isEqualTo(1);

    // kill -9 here: a new controller, with only what was recorded, continues
    EndpointRollouts restarted = controller();
    assertThat(restarted.unfinished()).extracting(EndpointDeployment::version).contains(2);
    while (restarted.sweep() > 0) {
      // Updating → InService
    }
    assertThat(restarted.status(m, 2).phase()).isEqualTo(Phase.IN_SERVICE);
    assertThat(production(m)).isEqualTo(2);
    assertThat(standIn.count("UpdateEndpoint")).isEqualTo(1);
    assertThat(registry.aliases().history(m, "production", 1).get(0).from().version()).isEqualTo(1);
  }

  @Test
  void killedBetweenRecordingAndCallingOrAfterTheCallTheRestartedServerNeitherRepeatsNorLosesIt() throws Exception {
    String m = "fraud-" + NEXT.incrementAndGet();
    String ep = m + "-gpu";
    register(m, endpoint(ep, null, null));
    register(m, endpoint(ep, null, null));
    EndpointRollouts first = controller();
    first.request(m, 1, "production", "alice");
    while (first.sweep() > 0) {
      // to InService
    }
    // killed after UpdateEndpoint returned but before SHIFTING was recorded: the record says DEPLOYING
    EndpointDeployment asked = first.request(m, 2, "production", "bob");
    EndpointDeployment deploying = asked.next(Phase.DEPLOYING, "Pending", null, null, asked.updatedAt());
    assertThat(store.put(deploying, asked.revision())).isTrue();
    EndpointDeployer deployer = new EndpointDeployer(sagemaker);
    DeploySpec spec = first.spec(registry.version(m, 2));
    deployer.deploy(spec, Rollout.canary(List.of()));
    long updates = standIn.count("UpdateEndpoint");

    EndpointRollouts restarted = controller();
    EndpointDeployment d = restarted.advance(restarted.status(m, 2));
    assertThat(d.phase()).isEqualTo(Phase.SHIFTING); // it saw its own update pending, and did not stack another
    assertThat(standIn.count("UpdateEndpoint")).isEqualTo(updates);
    while (restarted.sweep() > 0) {
      // to InService
    }
    assertThat(production(m)).isEqualTo(2);
    assertThat(standIn.count("CreateModel")).isEqualTo(2);
    assertThat(standIn.count("CreateEndpoint")).isEqualTo(1);
  }

  @Test
  void aRollbackOrAFailedEndpointLeavesTheAliasWhereItWasWithTheReason() throws Exception {
    String m = "churn-" + NEXT.incrementAndGet();
    String ep = m + "-gpu";
    register(m, endpoint(ep, null, null));
    register(m, endpoint(ep, null, null));
    EndpointRollouts rollouts = controller();
    rollouts.request(m, 1, "production", "alice");
    while (rollouts.sweep() > 0) {
      // to InService
    }
    standIn.rollBackNextUpdate("Alarm pier-5xx went into ALARM during the traffic shift");
    rollouts.request(m, 2, "production", "bob");
    while (rollouts.sweep() > 0) {
      // Updating → RollingBack → InService on version 1's configuration
    }
    EndpointDeployment rolledBack = rollouts.status(m, 2);
    assertThat(rolledBack.phase()).isEqualTo(Phase.FAILED);
    assertThat(rolledBack.endpointStatus()).isEqualTo("RolledBack");
    assertThat(rolledBack.reason()).contains("rolled back to " + rollouts.status(m, 1).endpointConfigName())
        .contains("went into ALARM");
    assertThat(production(m)).isEqualTo(1);

    String other = "pay-" + NEXT.incrementAndGet();
    register(other, endpoint(null, null, null));
    standIn.failNextCreate("The primary container for production variant AllTraffic did not pass the ping health"
        + " check: CUDA out of memory loading the model");
    rollouts.request(other, 1, "production", "carol");
    while (rollouts.sweep() > 0) {
      // Creating → Failed
    }
    assertThat(rollouts.status(other, 1).phase()).isEqualTo(Phase.FAILED);
    assertThat(rollouts.status(other, 1).endpointStatus()).isEqualTo("Failed");
    assertThat(rollouts.status(other, 1).reason()).contains("CUDA out of memory");
    assertThat(production(other)).isNull();
  }

  @Test
  void versionsThatCannotBeDeployedAreRefusedBeforeAnythingIsRecorded() throws Exception {
    String m = "bad-" + NEXT.incrementAndGet();
    register(m, Placement.FUNCTION);
    register(m, endpoint(null, "p3.2xlarge", 1));
    register(m, endpoint(null, "g5.xlarge", null));
    EndpointRollouts rollouts = controller();
    assertThatThrownBy(() -> rollouts.request(m, 1, "production", "alice"))
        .hasMessageContaining("placed in function").satisfies(e -> assertThat(((PierException) e).status())
            .isEqualTo(400));
    assertThatThrownBy(() -> rollouts.request(m, 2, "production", "alice")).hasMessageContaining("ml.* type");
    assertThatThrownBy(() -> rollouts.request(m, 3, "production", "alice")).hasMessageContaining("ml.* type");
    assertThatThrownBy(() -> rollouts.request(m, 9, "production", "alice"))
        .satisfies(e -> assertThat(((PierException) e).status()).isEqualTo(404));
    assertThat(rollouts.status(m, 1)).isNull();
    assertThat(standIn.operations).isEmpty();
    assertThatThrownBy(() -> new EndpointAutoscaler(autoscaling).apply("pier-x", new Autoscaling(0, 2,
        Autoscaling.Metric.INVOCATIONS_PER_INSTANCE, 100, 0, 0))).hasMessageContaining("cannot scale to zero");
    assertThat(standIn.operations).isEmpty();
  }

  /**
   * {@code instance_count} 0: the version is an inference component on an endpoint whose configuration names no model
   * and lets SageMaker take the instances to zero; once the endpoint is InService the component is created with one
   * copy (SageMaker refuses zero at creation), the alias moves when it is InService, and its copies are scaled from
   * 0 — target tracking down, and AWS's documented way back up: a step policy (+1 copy) on the alarm of the
   * component's NoCapacityInvocationFailures.
   */
  @Test
  void aVersionWithInstanceCountZeroIsAComponentOnAScaleToZeroEndpointBroughtBackByTheNoCapacityAlarm()
      throws Exception {
    String m = "idle-" + NEXT.incrementAndGet();
    ModelVersion v1 = register(m, endpoint(null, null, 0));
    EndpointRollouts rollouts = controller();
    EndpointDeployment d = rollouts.advance(rollouts.request(m, 1, "production", "alice"));
    assertThat(d.phase()).isEqualTo(Phase.SHIFTING);
    assertThat(d.endpointStatus()).isEqualTo("Creating");
    String endpoint = v1.placement().endpointName();
    String component = Placement.versionedName(endpoint, 1, v1.artifact().sha256()); // what the router names
    assertThat(d.endpointConfigName()).isEqualTo(component);
    var variant = standIn.configs.get(endpoint + "-ic").path("ProductionVariants").path(0);
    assertThat(variant.has("ModelName")).isFalse();
    assertThat(variant.path("ManagedInstanceScaling").path("Status").asText()).isEqualTo("ENABLED");
    assertThat(variant.path("ManagedInstanceScaling").path("MinInstanceCount").asInt()).isZero();
    assertThat(variant.path("ManagedInstanceScaling").path("MaxInstanceCount").asInt()).isEqualTo(6);
    assertThat(variant.path("RoutingConfig").path("RoutingStrategy").asText()).isEqualTo("LEAST_OUTSTANDING_REQUESTS");
    assertThat(standIn.components).isEmpty(); // the endpoint is still Creating: no component yet

    for (int step = 0; step < 6 && d.phase() != Phase.IN_SERVICE; step++) {
      assertThat(production(m)).isNull();
      d = rollouts.advance(d);
    }
    assertThat(d.phase()).isEqualTo(Phase.IN_SERVICE);
    assertThat(d.reason()).isNull();
    assertThat(production(m)).isEqualTo(1);
    var created = standIn.components.get(component);
    assertThat(created.path("EndpointName").asText()).isEqualTo(endpoint);
    assertThat(created.path("Specification").path("ModelName").asText()).isEqualTo(component);
    assertThat(created.path("Specification").path("ComputeResourceRequirements")
        .path("NumberOfAcceleratorDevicesRequired").asDouble()).isEqualTo(1.0); // ml.g5: one GPU per copy
    assertThat(created.path("RuntimeConfig").path("CopyCount").asInt()).isEqualTo(1);

    String resource = "inference-component/" + component;
    var target = standIn.scalableTargets.get(resource);
    assertThat(target.path("ScalableDimension").asText()).isEqualTo("sagemaker:inference-component:DesiredCopyCount");
    assertThat(target.path("MinCapacity").asInt()).isZero();
    assertThat(target.path("MaxCapacity").asInt()).isEqualTo(6);
    assertThat(standIn.scalingPolicies.get(resource).path("TargetTrackingScalingPolicyConfiguration")
        .path("CustomizedMetricSpecification").path("MetricName").asText()).isEqualTo("GPUUtilizationNormalized");
    var step = standIn.stepPolicies.get(resource).path("StepScalingPolicyConfiguration");
    assertThat(step.path("AdjustmentType").asText()).isEqualTo("ChangeInCapacity");
    assertThat(step.path("StepAdjustments").path(0).path("ScalingAdjustment").asInt()).isEqualTo(1);
    assertThat(step.path("StepAdjustments").path(0).path("MetricIntervalLowerBound").asDouble()).isZero();
    var alarm = standIn.alarms.get(component + "-no-capacity");
    assertThat(alarm.path("Namespace").asText()).isEqualTo("AWS/SageMaker");
    assertThat(alarm.path("MetricName").asText()).isEqualTo("NoCapacityInvocationFailures");
    assertThat(alarm.path("Dimensions").path(0).path("Name").asText()).isEqualTo("InferenceComponentName");
    assertThat(alarm.path("Dimensions").path(0).path("Value").asText()).isEqualTo(component);
    assertThat(alarm.path("Threshold").asDouble()).isEqualTo(1.0);
    assertThat(alarm.path("ComparisonOperator").asText()).isEqualTo("GreaterThanOrEqualToThreshold");
    assertThat(alarm.path("AlarmActions").path(0).asText()).endsWith(resource + ":policyName/pier-scale-out-from-zero");

    // version 2 on the same endpoint: a second component beside the first, no endpoint update, no traffic shift
    ModelVersion v2 = register(m, endpoint(endpoint, null, 0));
    EndpointDeployment d2 = rollouts.advance(rollouts.request(m, 2, "production", "alice"));
    for (int s = 0; s < 6 && d2.phase() != Phase.IN_SERVICE; s++) {
      assertThat(production(m)).isEqualTo(1);
      d2 = rollouts.advance(d2);
    }
    assertThat(d2.phase()).isEqualTo(Phase.IN_SERVICE);
    assertThat(production(m)).isEqualTo(2);
    assertThat(standIn.components).containsKeys(component, Placement.versionedName(endpoint, 2,
        v2.artifact().sha256()));
    assertThat(standIn.count("CreateEndpoint")).isEqualTo(1);
    assertThat(standIn.count("UpdateEndpoint")).isZero();
  }

  @Test
  void concurrentRequestsTrackingUsesSageMakersTenSecondMetric() {
    new EndpointAutoscaler(autoscaling).apply("pier-fast", new Autoscaling(1, 4,
        Autoscaling.Metric.CONCURRENT_REQUESTS_PER_MODEL, 5, 30, 300));
    var policy = standIn.scalingPolicies.get("endpoint/pier-fast/variant/AllTraffic")
        .path("TargetTrackingScalingPolicyConfiguration");
    assertThat(policy.path("PredefinedMetricSpecification").path("PredefinedMetricType").asText())
        .isEqualTo("SageMakerVariantConcurrentRequestsPerModelHighResolution");
    assertThat(policy.path("TargetValue").asDouble()).isEqualTo(5.0);
    assertThat(policy.path("ScaleOutCooldown").asInt()).isEqualTo(30);
  }
}
