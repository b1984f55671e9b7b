package dev.pier.endpoints.deploy.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pier.endpoints.deploy.EndpointDeployment;
import java.util.Locale;

/** A version's endpoint deployment as the REST API shows it. */
public record EndpointDeploymentJson(String model, int version, String alias,
    @JsonProperty("endpoint_name") String endpointName,
    @JsonProperty("endpoint_config_name") String endpointConfigName,
    String phase,
    @JsonProperty("endpoint_status") String endpointStatus,
    String reason,
    boolean ready,
    @JsonProperty("updated_at") String updatedAt) {

  static EndpointDeploymentJson of(EndpointDeployment d) {
    return new EndpointDeploymentJson(d.model(), d.version(), d.alias(), d.endpointName(), d.endpointConfigName(),
        d.phase().name().toLowerCase(Locale.ROOT), d.endpointStatus(), d.reason(),
        d.phase() == EndpointDeployment.Phase.IN_SERVICE, d.updatedAt().toString());
  }
}
