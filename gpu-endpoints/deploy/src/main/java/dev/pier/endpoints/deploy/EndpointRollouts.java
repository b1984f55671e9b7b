package dev.pier.endpoints.deploy;

import dev.pier.endpoints.deploy.EndpointDeployment.Phase;
import dev.pier.kernel.PierException;
import dev.pier.registry.Alias;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Deploys endpoint-placed versions from the registry: asked to put a version on its endpoint (and, optionally, to move
 * an alias to it), it creates or updates the SageMaker endpoint through {@link EndpointDeployer} (blue/green for an
 * endpoint that already serves another version), waits for the endpoint to report InService on the version's
 * configuration, and only then moves the alias and applies autoscaling. A failure or a rollback leaves the alias where
 * it was, with the reason on the deployment.
 *
 * <p>Each step is recorded (conditionally, in {@link DeploymentStore}) before the SageMaker calls it makes, and every
 * call is idempotent, so {@link #sweep} — run at start and periodically — continues any deployment a killed server
 * left half-done, and two servers sweeping together take each step once.
 */
public final class EndpointRollouts {

  /**
   * The platform's part of every deployment.
   *
   * @param image Pier's endpoint image (ECR URI)
   * @param roleArn the endpoints' execution role
   * @param defaultInstanceType where a version's placement names none
   * @param rollout how an endpoint already serving moves to a new version
   * @param autoscaling target tracking (its minimum is each version's {@code instance_count}); null for none
   */
  public record Settings(String image, String roleArn, String defaultInstanceType, Rollout rollout,
      Autoscaling autoscaling, Ecs ecs) {
    public Settings(String image, String roleArn, String defaultInstanceType, Rollout rollout,
        Autoscaling autoscaling) {
      this(image, roleArn, defaultInstanceType, rollout, autoscaling, null);
    }
  }

  /**
   * The ECS placement's target ({@code pier.endpoints.ecs.*}): the cluster, and the service a version placed with
   * {@code "kind": "ecs"} and no {@code endpoint_name} goes to.
   */
  public record Ecs(String cluster, String service) {}

  private final ModelRegistry registry;
  private final EndpointDeployer deployer;
  private final EcsDeployer ecsDeployer;
  private final EndpointAutoscaler autoscaler;
  private final DeploymentStore store;
  private final Settings settings;
  private final Clock clock;

  public EndpointRollouts(ModelRegistry registry, EndpointDeployer deployer, EndpointAutoscaler autoscaler,
      DeploymentStore store, Settings settings, Clock clock) {
    this(registry, deployer, null, autoscaler, store, settings, clock);
  }

  /** @param ecsDeployer the ECS placement's deployer; null when {@code settings.ecs()} is */
  public EndpointRollouts(ModelRegistry registry, EndpointDeployer deployer, EcsDeployer ecsDeployer,
      EndpointAutoscaler autoscaler, DeploymentStore store, Settings settings, Clock clock) {
    this.registry = registry;
    this.deployer = deployer;
    this.ecsDeployer = ecsDeployer;
    this.autoscaler = autoscaler;
    this.store = store;
    this.settings = settings;
    this.clock = clock;
  }

  /**
   * Asks for version {@code version} of {@code model} on its endpoint, moving {@code alias} (null: none) to it once
   * the endpoint is InService. Returns the recorded deployment at once (the caller answers 202); nothing is called in
   * SageMaker here. Asking again for what is in progress returns it; a finished deployment is started again (a failed
   * one retried, an InService one checked — unchanged when the endpoint still runs the version).
   */
  public EndpointDeployment request(String model, int version, String alias, String actor) {
    ModelVersion v = registry.version(model, version);
    String endpoint = check(v); // 400s and 409s before anything is recorded
    for (int attempt = 0; attempt < 5; attempt++) {
      EndpointDeployment current = store.get(model, version);
      if (current != null && !current.phase().finished()) {
        if (alias == null || alias.equals(current.alias())) {
          return current;
        }
        if (current.alias() == null) { // deploying since registration: the alias moves with it once InService
          EndpointDeployment with = new EndpointDeployment(model, version, alias, actor, current.endpointName(),
              current.endpointConfigName(), current.phase(), current.endpointStatus(), current.reason(),
              current.revision() + 1, clock.instant());
          if (store.put(with, current.revision())) {
            return with;
          }
          continue;
        }
        throw PierException.conflict("version " + version + " of '" + model + "' is being deployed to endpoint "
            + current.endpointName() + " (" + current.endpointStatus() + ") to move alias '" + current.alias()
            + "'; ask again once it is finished");
      }
      EndpointDeployment asked = new EndpointDeployment(model, version, alias, actor, endpoint, null,
          Phase.REQUESTED, "Pending", null, current == null ? 1 : current.revision() + 1, clock.instant());
      if (store.put(asked, current == null ? 0 : current.revision())) {
        return asked;
      }
    }
    throw PierException.unavailable("too many concurrent deployments of version " + version + "; retry", null);
  }

  /**
   * A newly registered endpoint-placed version: its endpoint is deployed (no alias moves). One that cannot be (a bad
   * placement) is recorded as failed with the reason, so the version says why it has no endpoint; the registration
   * itself stands.
   */
  public EndpointDeployment requestOnRegistration(ModelVersion v) {
    if (!deployed(v)) {
      return null;
    }
    try {
      return request(v.model(), v.version(), null, v.governance().createdBy());
    } catch (PierException e) {
      EndpointDeployment failed = new EndpointDeployment(v.model(), v.version(), null, v.governance().createdBy(),
          endpointName(v), null, Phase.FAILED, "NotDeployed", e.getMessage(), 1,
          clock.instant());
      store.put(failed, 0);
      return failed;
    }
  }

  /** The version's deployment as last recorded; null when it was never deployed. */
  public EndpointDeployment status(String model, int version) {
    return store.get(model, version);
  }

  /** Takes one step of every unfinished deployment; returns how many are still unfinished. */
  public int sweep() {
    int open = 0;
    for (EndpointDeployment d : store.unfinished()) {
      if (!advance(d).phase().finished()) {
        open++;
      }
    }
    return open;
  }

  /** Takes the next step of {@code d}'s deployment (if another server took it first, returns what that one wrote). */
  public EndpointDeployment advance(EndpointDeployment d) {
    ModelVersion v;
    String configName;
    try {
      v = registry.version(d.model(), d.version());
      configName = onEcs(v) ? ecsSpec(v).family() : spec(v).sageMakerModelName();
    } catch (PierException e) {
      return write(d, d.next(Phase.FAILED, d.endpointStatus(), d.endpointConfigName(), e.getMessage(), clock.instant()));
    }
    return switch (d.phase()) {
      case REQUESTED -> {
        EndpointDeployment deploying = write(d, d.next(Phase.DEPLOYING, d.endpointStatus(), configName, null,
            clock.instant()));
        yield deploying.phase() == Phase.DEPLOYING ? deploy(deploying, v) : deploying;
      }
      case DEPLOYING -> deploy(d, v);
      case SHIFTING -> watch(d, v);
      case IN_SERVICE, FAILED -> d;
    };
  }

  private EndpointDeployment deploy(EndpointDeployment d, ModelVersion v) {
    EndpointDeployer.Deployment done;
    try {
      done = onEcs(v) ? ecsDeployer.deploy(ecsSpec(v), settings.rollout())
          : deployer.deploy(spec(v), settings.rollout());
    } catch (PierException e) {
      if (e.status() == 409) { // the endpoint is busy with another change: try again on the next sweep
        return d.reason() != null && d.reason().equals(e.getMessage()) ? d
            : write(d, d.next(Phase.DEPLOYING, d.endpointStatus(), d.endpointConfigName(), e.getMessage(),
                clock.instant()));
      }
      return write(d, d.next(Phase.FAILED, d.endpointStatus(), d.endpointConfigName(), e.getMessage(), clock.instant()));
    } catch (SdkException e) {
      if (e.retryable()) {
        throw e; // throttling, 5xx, network: the sweep tries again
      }
      return write(d, d.next(Phase.FAILED, d.endpointStatus(), d.endpointConfigName(),
          (onEcs(v) ? "ECS" : "SageMaker") + " refused the deployment: " + e.getMessage(),
          clock.instant()));
    }
    String status = switch (done.action()) {
      case CREATED -> "Creating";
      case UPDATED -> "Updating";
      case UNCHANGED -> "InService";
    };
    return write(d, d.next(Phase.SHIFTING, status, done.endpointConfigName(), null, clock.instant()));
  }

  private EndpointDeployment watch(EndpointDeployment d, ModelVersion v) {
    EndpointDeployer.Readiness r = readiness(v);
    String endpoint = endpointName(v);
    if (r.ready()) {
      if (d.alias() != null) {
        try {
          registry.setAlias(d.model(), d.alias(), new Alias.Target(d.version(), null), d.actor());
        } catch (PierException e) {
          return write(d, d.next(Phase.FAILED, r.status(), d.endpointConfigName(),
              "the endpoint is InService but alias '" + d.alias() + "' was not moved: " + e.getMessage(),
              clock.instant()));
        }
      }
      String note = null;
      if (v.onEndpoint() && v.placement().scalesToZero()) {
        // copies from 0, back from zero on the no-capacity alarm; target tracking as configured (or requests in
        // flight per copy when autoscaling is off: scaling to zero needs a policy that scales in)
        Autoscaling a = settings.autoscaling() != null ? settings.autoscaling().withMin(0)
            : new Autoscaling(0, 1, Autoscaling.Metric.CONCURRENT_REQUESTS_PER_MODEL, 4, 60, 300);
        try {
          autoscaler.applyToComponent(spec(v).inferenceComponentName(), a);
        } catch (SdkException | PierException | IllegalStateException e) {
          note = "scale to zero not applied (the component keeps its copy): " + e.getMessage();
        }
      } else if (settings.autoscaling() != null && v.onEndpoint()) { // ECS: the service's own target tracking (CDK)
        try {
          autoscaler.apply(endpoint, settings.autoscaling().withMin(minInstances(v)));
        } catch (SdkException | PierException e) {
          note = "autoscaling not applied: " + e.getMessage();
        }
      }
      return write(d, d.next(Phase.IN_SERVICE, r.status(), d.endpointConfigName(), note, clock.instant()));
    }
    String status = r.status();
    if ("Failed".equals(status) || "NotFound".equals(status)) {
      return write(d, d.next(Phase.FAILED, status, d.endpointConfigName(), r.failureReason() != null
          ? r.failureReason() : "endpoint " + endpoint + " is " + status, clock.instant()));
    }
    if ("InService".equals(status)) { // InService on another configuration: SageMaker rolled the update back
      return write(d, d.next(Phase.FAILED, "RolledBack", d.endpointConfigName(), "rolled back to "
          + r.endpointConfigName() + (r.failureReason() == null ? "" : ": " + r.failureReason()), clock.instant()));
    }
    if (status.equals(d.endpointStatus())) {
      return d;
    }
    return write(d, d.next(Phase.SHIFTING, status, d.endpointConfigName(), r.failureReason(), clock.instant()));
  }

  /** Writes {@code next} if {@code d} is still what is stored; else returns what is. */
  private EndpointDeployment write(EndpointDeployment d, EndpointDeployment next) {
    if (store.put(next, d.revision())) {
      return next;
    }
    EndpointDeployment now = store.get(d.model(), d.version());
    return now == null ? d : now;
  }

  private static int minInstances(ModelVersion v) {
    Integer n = v.placement().instanceCount();
    return n == null || n < 1 ? 1 : n;
  }

  /** Whether the version's placement is one this deployer rolls out (SageMaker endpoint or ECS). */
  public static boolean deployed(ModelVersion v) {
    return v.onEndpoint() || onEcs(v);
  }

  private static boolean onEcs(ModelVersion v) {
    return v.placement() != null && v.placement().onEcs();
  }

  /** Checks that {@code v} can be deployed (400/409 naming why not) and returns its endpoint or ECS service. */
  private String check(ModelVersion v) {
    return onEcs(v) ? ecsSpec(v).service() : spec(v).endpointName();
  }

  /** The SageMaker endpoint, or the ECS service, the version goes to. */
  private String endpointName(ModelVersion v) {
    if (onEcs(v)) {
      return v.placement().endpointName() != null ? v.placement().endpointName()
          : settings.ecs() == null ? null : settings.ecs().service();
    }
    return v.placement().endpointFor(v.model(), v.version());
  }

  private EndpointDeployer.Readiness readiness(ModelVersion v) {
    return onEcs(v) ? ecsDeployer.readiness(ecsSpec(v)) : deployer.readiness(spec(v));
  }

  /** The version as the ECS GPU service is asked to run it; 400/409 when it cannot be. */
  EcsSpec ecsSpec(ModelVersion v) {
    if (settings.ecs() == null || ecsDeployer == null) {
      throw PierException.badRequest("version " + v.version() + " of '" + v.model() + "' is placed on ecs, but this"
          + " server has no ECS target: set pier.endpoints.ecs.cluster and pier.endpoints.ecs.service");
    }
    servable(v);
    String metadata = ContainerMetadata.of(v);
    Integer count = v.placement().instanceCount();
    return new EcsSpec(settings.ecs().cluster(), endpointName(v), v.model(), v.version(), v.artifact().sha256(),
        "s3://" + registry.artifacts().bucket() + "/" + v.artifact().key(), metadata, count == null ? 1 : count,
        v.placement().memoryMb());
  }

  private static void servable(ModelVersion v) {
    if (!v.artifact().servable() || v.artifact().key() == null) {
      throw PierException.conflict("version " + v.version() + " of '" + v.model() + "' has no servable artifact"
          + (v.artifact().statusMessage() == null ? "" : ": " + v.artifact().statusMessage()));
    }
  }

  /** The version as SageMaker is asked to run it; 400/409 when it cannot be deployed. */
  DeploySpec spec(ModelVersion v) {
    if (!v.onEndpoint()) {
      throw PierException.badRequest("version " + v.version() + " of '" + v.model()
          + "' is placed in function; only versions with placement.kind endpoint or ecs are deployed");
    }
    servable(v);
    Integer count = v.placement().instanceCount();
    String metadata = ContainerMetadata.of(v);
    if (metadata.length() > ContainerMetadata.MAX_ENVIRONMENT_VALUE) {
      throw PierException.badRequest("the version's metadata for the endpoint image is " + metadata.length()
          + " characters; SageMaker takes at most " + ContainerMetadata.MAX_ENVIRONMENT_VALUE
          + " in an environment value (a shorter signature or batching would fit)");
    }
    String type = v.placement().instanceType() != null ? v.placement().instanceType() : settings.defaultInstanceType();
    return new DeploySpec(v.placement().endpointFor(v.model(), v.version()), v.model(), v.version(),
        v.artifact().sha256(), settings.image(), "s3://" + registry.artifacts().bucket() + "/" + v.artifact().key(),
        settings.roleArn(), type, count == null ? 1 : count,
        Map.of("PIER_METADATA", metadata, "PIER_MODEL_NAME", v.model()),
        settings.autoscaling() == null ? 1 : settings.autoscaling().maxInstances());
  }

  /** Whether {@code v}'s endpoint is InService on {@code v}'s configuration now (one DescribeEndpoint). */
  public boolean serving(ModelVersion v) {
    return readiness(v).ready();
  }

  /** The deployments a (re)started server continues. */
  public List<EndpointDeployment> unfinished() {
    return store.unfinished();
  }
}
