package dev.pier.endpoints.deploy.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.CallerIdentity;
import dev.pier.kernel.security.Permission;
import dev.pier.endpoints.deploy.EndpointDeployment;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A version's SageMaker endpoint: deploy it (optionally moving an alias once InService) and watch it. */
@Tag(name = "Registry")
@Path("/api/v1/models/{model}/versions/{version}/endpoint")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class EndpointDeploymentResource {
  private final EndpointDeployWiring wiring;
  private final CallerIdentity caller;

  public EndpointDeploymentResource(EndpointDeployWiring wiring, CallerIdentity caller) {
    this.wiring = wiring;
    this.caller = caller;
  }

  @APIResponse(responseCode = "202", description = "The deployment, recorded; the endpoint is created or updated in"
      + " the background and the alias moves once it is InService",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = EndpointDeploymentJson.class)))
  @Operation(summary = "Deploy a version to its SageMaker endpoint (optionally moving an alias once InService)")
  @POST
  @Authorize(Permission.ALIAS)
  public Response deploy(@PathParam("model") String model, @PathParam("version") String version, JsonNode body) {
    String alias = null;
    if (body != null && !body.isNull()) {
      if (!body.isObject() || body.size() > 1 || body.size() == 1 && !body.has("alias")) {
        throw PierException.badRequest("the body must be {} or {\"alias\": \"NAME\"}");
      }
      JsonNode a = body.get("alias");
      if (a != null && !a.isNull()) {
        if (!a.isTextual()) {
          throw PierException.badRequest("alias must be a string");
        }
        alias = a.asText();
        dev.pier.registry.Names.checkAlias(alias);
      }
    }
    return Response.accepted(EndpointDeploymentJson.of(wiring.rollouts().request(model, number(version), alias,
        caller.principal()))).build();
  }

  @Operation(summary = "A version's endpoint deployment: phase, endpoint status, reason")
  @GET
  @Authorize(Permission.READ)
  public EndpointDeploymentJson status(@PathParam("model") String model, @PathParam("version") String version) {
    int n = number(version);
    EndpointDeployment d = wiring.rollouts().status(model, n);
    if (d == null) {
      throw PierException.notFound("version " + n + " of '" + model + "' has never been deployed to an endpoint");
    }
    return EndpointDeploymentJson.of(d);
  }

  private static int number(String version) {
    try {
      int n = Integer.parseInt(version);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw PierException.badRequest("version must be a positive integer, got '" + version + "'");
  }
}
