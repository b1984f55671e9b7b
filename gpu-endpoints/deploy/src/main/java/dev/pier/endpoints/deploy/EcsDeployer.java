package dev.pier.endpoints.deploy;

import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.Deployment;
import software.amazon.awssdk.services.ecs.model.DeploymentAlarms;
import software.amazon.awssdk.services.ecs.model.DeploymentCircuitBreaker;
import software.amazon.awssdk.services.ecs.model.DeploymentConfiguration;
import software.amazon.awssdk.services.ecs.model.DeploymentRolloutState;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.ListTaskDefinitionsResponse;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.ecs.model.SortOrder;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionStatus;

/**
 * Puts a version on the ECS GPU service (infra-cdk's {@code EcsGpuService}): a task definition revision of the
 * version's own family — the service's current task definition (image, one GPU, roles, network, logging) with the
 * endpoint container's environment naming the version's artifact ({@code PIER_ARTIFACT} s3 URI,
 * {@code PIER_ARTIFACT_SHA256}, {@code PIER_METADATA}, {@code PIER_MODEL_NAME}, {@code PIER_MODEL_VERSION}) — and a
 * service update to it with ECS's deployment circuit breaker (rollback on) and the rollout's CloudWatch alarms
 * (rollback on), minimum healthy 100 % and maximum 200 %, so the old tasks serve until the new ones pass the load
 * balancer's {@code /ping} check. Idempotent: the family is named like a SageMaker model ({@link
 * EcsSpec#family()}: service, version, artifact digest), an existing revision of it is reused, and a service already
 * on it (or moving to it) is left alone. {@link #readiness} says where the service is, in SageMaker's words, so the
 * registry shows both placements alike.
 */
public final class EcsDeployer {
  static final String CONTAINER = "endpoint";
  private final EcsClient ecs;

  public EcsDeployer(EcsClient ecs) {
    this.ecs = ecs;
  }

  public EndpointDeployer.Deployment deploy(EcsSpec spec, Rollout rollout) {
    Service service = service(spec);
    if (service == null) {
      throw PierException.badRequest("ECS service " + spec.service() + " does not exist in cluster " + spec.cluster()
          + " (deploy the CDK app with -c ecsGpu=true, or set pier.endpoints.ecs.cluster and .service)");
    }
    Deployment primary = primary(service);
    if (primary != null && spec.family().equals(family(primary.taskDefinition()))) {
      return new EndpointDeployer.Deployment(primary.rolloutState() == DeploymentRolloutState.COMPLETED
          ? EndpointDeployer.Action.UNCHANGED : EndpointDeployer.Action.UPDATED, spec.family());
    }
    if (primary != null && primary.rolloutState() == DeploymentRolloutState.IN_PROGRESS) {
      throw PierException.conflict("ECS service " + spec.service() + " is rolling out "
          + family(primary.taskDefinition()) + "; deploy version " + spec.version() + " once it is done");
    }
    String taskDefinition = existingRevision(spec);
    if (taskDefinition == null) {
      TaskDefinition template = ecs.describeTaskDefinition(r -> r.taskDefinition(service.taskDefinition()))
          .taskDefinition();
      taskDefinition = ecs.registerTaskDefinition(revision(template, spec)).taskDefinition().taskDefinitionArn();
    }
    String arn = taskDefinition;
    DeploymentConfiguration.Builder config = DeploymentConfiguration.builder()
        .minimumHealthyPercent(100).maximumPercent(200)
        .deploymentCircuitBreaker(DeploymentCircuitBreaker.builder().enable(true).rollback(true).build());
    if (!rollout.rollbackAlarms().isEmpty()) {
      config.alarms(DeploymentAlarms.builder().alarmNames(rollout.rollbackAlarms()).enable(true).rollback(true)
          .build());
    }
    ecs.updateService(r -> r.cluster(spec.cluster()).service(spec.service()).taskDefinition(arn)
        .desiredCount(spec.desiredCount()).deploymentConfiguration(config.build()));
    return new EndpointDeployer.Deployment(EndpointDeployer.Action.UPDATED, spec.family());
  }

  /**
   * Where the service is for {@code spec}: {@code InService} and ready once the primary deployment is the version's
   * family and completed (ECS: every desired task running and healthy); {@code Updating} while it rolls out; when the
   * circuit breaker or an alarm rolled it back, the family now primary and ECS's reason ({@code RollingBack} while
   * the old revision rolls back in, then {@code InService} on it); {@code Failed} when ECS gave up without rollback.
   */
  public EndpointDeployer.Readiness readiness(EcsSpec spec) {
    Service service = service(spec);
    if (service == null) {
      return new EndpointDeployer.Readiness("NotFound", null, false, null);
    }
    Deployment primary = primary(service);
    if (primary == null) {
      return new EndpointDeployer.Readiness("Creating", null, false, null);
    }
    String current = family(primary.taskDefinition());
    if (spec.family().equals(current)) {
      DeploymentRolloutState state = primary.rolloutState();
      if (state == null) { // a service without rollout states: done once every desired task runs, alone
        state = service.deployments().size() == 1 && primary.desiredCount() != null && primary.desiredCount() > 0
            && primary.desiredCount().equals(primary.runningCount()) ? DeploymentRolloutState.COMPLETED
            : DeploymentRolloutState.IN_PROGRESS;
      }
      return switch (state) {
        case COMPLETED -> new EndpointDeployer.Readiness("InService", current, true, null);
        case FAILED -> new EndpointDeployer.Readiness("Failed", current, false, primary.rolloutStateReason());
        default -> new EndpointDeployer.Readiness("Updating", current, false, null);
      };
    }
    String reason = service.deployments().stream()
        .filter(d -> spec.family().equals(family(d.taskDefinition())) && d.rolloutState()
            == DeploymentRolloutState.FAILED)
        .map(Deployment::rolloutStateReason).findFirst().orElse(null);
    String status = primary.rolloutState() == DeploymentRolloutState.IN_PROGRESS
        ? (reason != null ? "RollingBack" : "Updating") : "InService";
    return new EndpointDeployer.Readiness(status, current, false, reason);
  }

  private Service service(EcsSpec spec) {
    List<Service> found = ecs.describeServices(r -> r.cluster(spec.cluster()).services(spec.service())).services();
    return found.stream().filter(s -> !"INACTIVE".equals(s.status())).findFirst().orElse(null);
  }

  private static Deployment primary(Service s) {
    return s.deployments().stream().filter(d -> "PRIMARY".equals(d.status())).findFirst().orElse(null);
  }

  /** {@code arn:aws:ecs:region:account:task-definition/FAMILY:REVISION} → FAMILY. */
  static String family(String taskDefinitionArn) {
    if (taskDefinitionArn == null) {
      return null;
    }
    String s = taskDefinitionArn.substring(taskDefinitionArn.lastIndexOf('/') + 1);
    int colon = s.lastIndexOf(':');
    return colon < 0 ? s : s.substring(0, colon);
  }

  /** The newest active revision of the version's family, if one was registered before (a deploy resumed). */
  private String existingRevision(EcsSpec spec) {
    ListTaskDefinitionsResponse r = ecs.listTaskDefinitions(b -> b.familyPrefix(spec.family())
        .status(TaskDefinitionStatus.ACTIVE).sort(SortOrder.DESC).maxResults(10));
    return r.taskDefinitionArns().stream().filter(a -> spec.family().equals(family(a))).findFirst().orElse(null);
  }

  /** The service's task definition as the version's revision: same everything, the version's environment. */
  static RegisterTaskDefinitionRequest revision(TaskDefinition t, EcsSpec spec) {
    List<ContainerDefinition> containers = new ArrayList<>();
    boolean named = t.containerDefinitions().stream().anyMatch(c -> CONTAINER.equals(c.name()));
    for (int i = 0; i < t.containerDefinitions().size(); i++) {
      ContainerDefinition c = t.containerDefinitions().get(i);
      if (named ? CONTAINER.equals(c.name()) : i == 0) {
        List<KeyValuePair> env = new ArrayList<>(c.environment().stream()
            .filter(e -> !spec.environment().containsKey(e.name())).toList());
        spec.environment().entrySet().stream().sorted(Map.Entry.comparingByKey())
            .forEach(e -> env.add(KeyValuePair.builder().name(e.getKey()).value(e.getValue()).build()));
        ContainerDefinition.Builder b = c.toBuilder().environment(env);
        if (spec.memoryMb() != null) {
          b.memoryReservation(spec.memoryMb());
        }
        c = b.build();
      }
      containers.add(c);
    }
    return RegisterTaskDefinitionRequest.builder().family(spec.family()).taskRoleArn(t.taskRoleArn())
        .executionRoleArn(t.executionRoleArn()).networkMode(t.networkMode()).containerDefinitions(containers)
        .volumes(t.volumes()).placementConstraints(t.placementConstraints())
        .requiresCompatibilities(t.requiresCompatibilities()).cpu(t.cpu()).memory(t.memory()).pidMode(t.pidMode())
        .ipcMode(t.ipcMode()).proxyConfiguration(t.proxyConfiguration()).ephemeralStorage(t.ephemeralStorage())
        .runtimePlatform(t.runtimePlatform())
        .tags(Tag.builder().key("pier:model").value(spec.model()).build(),
            Tag.builder().key("pier:version").value(Integer.toString(spec.version())).build())
        .build();
  }
}
