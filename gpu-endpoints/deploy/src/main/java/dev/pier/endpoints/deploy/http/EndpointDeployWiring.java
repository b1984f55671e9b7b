package dev.pier.endpoints.deploy.http;

import dev.pier.endpoints.deploy.Autoscaling;
import dev.pier.endpoints.deploy.DeploymentStore;
import dev.pier.endpoints.deploy.EcsDeployer;
import dev.pier.endpoints.deploy.EndpointAutoscaler;
import dev.pier.endpoints.deploy.EndpointDeployer;
import dev.pier.endpoints.deploy.EndpointDeployment;
import dev.pier.endpoints.deploy.EndpointRollouts;
import dev.pier.endpoints.deploy.Rollout;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.local.LocalStandIns;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.RegistryListener;
import dev.pier.registry.api.AliasGate;
import io.quarkus.logging.Log;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Startup;
import jakarta.inject.Singleton;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/**
 * Endpoint deployment from the registry, on the plain server (functions/api's local profile carries this module; the
 * Lambda zip does not). Off unless {@code pier.endpoints.deploy.enabled}: then a registered endpoint-placed version is
 * deployed to its SageMaker endpoint, an alias moved to one is held (202) until its endpoint is InService, and a
 * sweep continues unfinished deployments at start and every {@code sweep-interval}. Wiring only.
 */
@Singleton
public class EndpointDeployWiring implements AliasGate {
  private final EndpointRollouts rollouts;
  private final ModelRegistry registry;
  private final SageMakerClient sagemaker;
  private final ApplicationAutoScalingClient autoscaling;
  private final EcsClient ecs;
  private final CloudWatchClient cloudWatch;
  private final Duration interval;
  private ScheduledExecutorService timer;

  public EndpointDeployWiring(AwsClients aws, Optional<LocalStandIns> standIns, ModelRegistry registry,
      @ConfigProperty(name = "pier.endpoints.deploy.enabled", defaultValue = "false") boolean enabled,
      @ConfigProperty(name = "pier.endpoints.deploy.image") Optional<String> image,
      @ConfigProperty(name = "pier.endpoints.deploy.role-arn") Optional<String> role,
      @ConfigProperty(name = "pier.endpoints.deploy.table", defaultValue = "pier-endpoint-deployments") String table,
      @ConfigProperty(name = "pier.endpoints.deploy.default-instance-type", defaultValue = "ml.g5.xlarge")
      String defaultType,
      @ConfigProperty(name = "pier.endpoints.deploy.rollout", defaultValue = "canary") String mode,
      @ConfigProperty(name = "pier.endpoints.deploy.step-percent", defaultValue = "10") int step,
      @ConfigProperty(name = "pier.endpoints.deploy.wait-seconds", defaultValue = "300") int wait,
      @ConfigProperty(name = "pier.endpoints.deploy.bake-seconds", defaultValue = "600") int bake,
      @ConfigProperty(name = "pier.endpoints.deploy.rollback-alarms") Optional<List<String>> alarms,
      @ConfigProperty(name = "pier.endpoints.deploy.sweep-interval", defaultValue = "PT15S") Duration interval,
      @ConfigProperty(name = "pier.endpoints.deploy.sagemaker-endpoint") Optional<URI> sagemakerEndpoint,
      @ConfigProperty(name = "pier.endpoints.autoscaling.metric", defaultValue = "invocations_per_instance")
      String metric,
      @ConfigProperty(name = "pier.endpoints.autoscaling.target", defaultValue = "200") double target,
      @ConfigProperty(name = "pier.endpoints.autoscaling.max-instances", defaultValue = "4") int max,
      @ConfigProperty(name = "pier.endpoints.autoscaling.scale-out-cooldown-seconds", defaultValue = "60") int out,
      @ConfigProperty(name = "pier.endpoints.autoscaling.scale-in-cooldown-seconds", defaultValue = "300") int in,
      @ConfigProperty(name = "pier.endpoints.autoscaling.endpoint") Optional<URI> autoscalingEndpoint,
      @ConfigProperty(name = "pier.endpoints.autoscaling.cloudwatch-endpoint") Optional<URI> cloudWatchEndpoint,
      @ConfigProperty(name = "pier.endpoints.ecs.cluster") Optional<String> ecsCluster,
      @ConfigProperty(name = "pier.endpoints.ecs.service") Optional<String> ecsService,
      @ConfigProperty(name = "pier.endpoints.ecs.endpoint") Optional<URI> ecsEndpoint) {
    this.interval = interval;
    this.registry = registry;
    if (!enabled) {
      this.rollouts = null;
      this.sagemaker = null;
      this.autoscaling = null;
      this.ecs = null;
      this.cloudWatch = null;
      return;
    }
    String img = image.orElseThrow(() -> new IllegalArgumentException(
        "pier.endpoints.deploy.enabled needs pier.endpoints.deploy.image (Pier's endpoint image in ECR)"));
    String roleArn = role.orElseThrow(() -> new IllegalArgumentException(
        "pier.endpoints.deploy.enabled needs pier.endpoints.deploy.role-arn (the endpoints' execution role)"));
    Rollout.Mode m = switch (mode.toLowerCase(Locale.ROOT)) {
      case "all_at_once" -> Rollout.Mode.ALL_AT_ONCE;
      case "canary" -> Rollout.Mode.CANARY;
      case "linear" -> Rollout.Mode.LINEAR;
      default -> throw new IllegalArgumentException(
          "pier.endpoints.deploy.rollout must be all_at_once, canary or linear, not '" + mode + "'");
    };
    Autoscaling scaling = switch (metric.toLowerCase(Locale.ROOT)) {
      case "none" -> null;
      case "invocations_per_instance" -> new Autoscaling(1, max, Autoscaling.Metric.INVOCATIONS_PER_INSTANCE, target,
          out, in);
      case "gpu_utilization" -> new Autoscaling(1, max, Autoscaling.Metric.GPU_UTILIZATION, target, out, in);
      case "concurrent_requests_per_model" -> new Autoscaling(1, max, Autoscaling.Metric.CONCURRENT_REQUESTS_PER_MODEL,
          target, out, in);
      default -> throw new IllegalArgumentException("pier.endpoints.autoscaling.metric must be"
          + " invocations_per_instance, gpu_utilization, concurrent_requests_per_model or none, not '" + metric + "'");
    };
    this.sagemaker = aws.client(SageMakerClient.builder(), sagemakerEndpoint.orElse(null));
    this.autoscaling = aws.client(ApplicationAutoScalingClient.builder(), autoscalingEndpoint.orElse(null));
    this.cloudWatch = aws.client(CloudWatchClient.builder(), cloudWatchEndpoint.orElse(null));
    if (ecsCluster.isPresent() != ecsService.isPresent()) {
      throw new IllegalArgumentException("the ECS placement needs both pier.endpoints.ecs.cluster and"
          + " pier.endpoints.ecs.service");
    }
    this.ecs = ecsCluster.isPresent() ? aws.client(EcsClient.builder(), ecsEndpoint.orElse(null)) : null;
    DeploymentStore store = new DeploymentStore(aws.dynamoDb(), table);
    if (standIns.isPresent()) {
      store.createIfMissing(); // in AWS the CDK app creates it
    }
    this.rollouts = new EndpointRollouts(registry, new EndpointDeployer(sagemaker),
        ecs == null ? null : new EcsDeployer(ecs), new EndpointAutoscaler(autoscaling, cloudWatch),
        store, new EndpointRollouts.Settings(img, roleArn, defaultType,
            new Rollout(m, m == Rollout.Mode.ALL_AT_ONCE ? 0 : step, wait, bake, alarms.orElse(List.of())), scaling,
            ecs == null ? null : new EndpointRollouts.Ecs(ecsCluster.get(), ecsService.get())),
        Clock.systemUTC());
    registry.addListener(new RegistryListener() {
      @Override
      public void versionCreated(ModelVersion version) {
        rollouts.requestOnRegistration(version);
      }
    });
  }

  void onStart(@Observes Startup event) {
    if (rollouts == null) {
      return;
    }
    timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("pier-endpoint-deploy")
        .factory());
    timer.scheduleWithFixedDelay(() -> {
      try {
        rollouts.sweep();
      } catch (RuntimeException e) {
        Log.warnf("endpoint deployment sweep failed (retried in %s): %s", interval, e.toString());
      }
    }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The deployer, or 501 naming the setting when deployment is off. */
  EndpointRollouts rollouts() {
    if (rollouts == null) {
      throw PierException.notImplemented("endpoint deployment is off on this server: set pier.endpoints.deploy.enabled"
          + "=true with pier.endpoints.deploy.image and pier.endpoints.deploy.role-arn");
    }
    return rollouts;
  }

  /** Holds a move to an endpoint-placed version until its endpoint is InService; moves now once it is. */
  @Override
  public Object hold(String model, int version, String alias, String actor) {
    if (rollouts == null) {
      return null;
    }
    ModelVersion target = registry.version(model, version);
    if (!EndpointRollouts.deployed(target)) {
      return null;
    }
    EndpointDeployment d = rollouts.status(target.model(), target.version());
    if (d != null && d.phase() == EndpointDeployment.Phase.IN_SERVICE && rollouts.serving(target)) {
      return null; // its endpoint serves it already (deployed at registration or before): the alias moves now
    }
    return EndpointDeploymentJson.of(rollouts.request(target.model(), target.version(), alias, actor));
  }

  @PreDestroy
  void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
    if (sagemaker != null) {
      sagemaker.close();
      autoscaling.close();
      cloudWatch.close();
      if (ecs != null) {
        ecs.close();
      }
    }
  }
}
