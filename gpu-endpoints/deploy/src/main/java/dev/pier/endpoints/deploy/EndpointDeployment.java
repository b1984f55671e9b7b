package dev.pier.endpoints.deploy;

import java.time.Instant;

/**
 * Where the deployment of one version to its SageMaker endpoint stands, as recorded before each SageMaker call (so a
 * server killed at any point continues where it was): what the user sees as the version's {@code endpoint_status}.
 *
 * @param model the registry model
 * @param version the version deployed
 * @param alias the alias to move to the version once its endpoint is InService; null for none
 * @param actor who asked (the alias move is theirs)
 * @param endpointName the endpoint
 * @param endpointConfigName the version's SageMaker model and endpoint configuration; null before the first call
 * @param phase how far it is
 * @param endpointStatus the endpoint's status as SageMaker last reported it (Creating, Updating, InService, Failed,
 *     RollingBack), or {@code Pending} before the first call
 * @param reason why it failed (SageMaker's FailureReason, a rollback, a refused call); null otherwise
 * @param revision increases with every change; every write is conditional on the one read
 * @param updatedAt the last change
 */
public record EndpointDeployment(String model, int version, String alias, String actor, String endpointName,
    String endpointConfigName, Phase phase, String endpointStatus, String reason, long revision, Instant updatedAt) {

  public enum Phase {
    /** Asked for; no SageMaker call made yet. */
    REQUESTED,
    /** Model, configuration and endpoint (create or blue/green update) being asked of SageMaker. */
    DEPLOYING,
    /** SageMaker took it; waiting for the endpoint to report InService on the version's configuration. */
    SHIFTING,
    /** InService on the version's configuration; the alias (if any) moved, autoscaling applied. */
    IN_SERVICE,
    /** Failed or rolled back; the alias was left where it was. */
    FAILED;

    public boolean finished() {
      return this == IN_SERVICE || this == FAILED;
    }
  }

  EndpointDeployment next(Phase p, String status, String configName, String why, Instant at) {
    return new EndpointDeployment(model, version, alias, actor, endpointName, configName, p, status, why,
        revision + 1, at);
  }
}
