package dev.pier.experiments.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.experiments.Experiments;
import dev.pier.experiments.Holdout;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code /api/v1/holdouts}: the global holdout and per-model holdouts, shares of units kept out of every experiment
 * and served the alias's own version. Thin: validation and errors live in {@link Experiments}.
 */
@Tag(name = "Experiments")
@Path("/api/v1/holdouts")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class HoldoutResource {

  private final Experiments experiments;

  @Inject
  public HoldoutResource(Experiments experiments) {
    this.experiments = experiments;
  }

  @Operation(summary = "List holdouts")
  @GET
  @Authorize(Permission.READ)
  public Map<String, List<Holdout>> list() {
    return Map.of("holdouts", experiments.holdouts());
  }

  @Operation(summary = "Set the global holdout")
  @PUT
  @Path("/global")
  @Authorize(Permission.ALIAS)
  public Holdout setGlobal(JsonNode body) {
    return experiments.setHoldout(null, body);
  }

  @APIResponse(responseCode = "204", description = "Removed")
  @Operation(summary = "Remove the global holdout")
  @DELETE
  @Path("/global")
  @Authorize(Permission.ALIAS)
  public Response removeGlobal() {
    experiments.removeHoldout(null);
    return Response.noContent().build();
  }

  @Operation(summary = "Set a model's holdout")
  @PUT
  @Path("/models/{model}")
  @Authorize(Permission.ALIAS)
  public Holdout setForModel(@PathParam("model") String model, JsonNode body) {
    return experiments.setHoldout(model, body);
  }

  @APIResponse(responseCode = "204", description = "Removed")
  @Operation(summary = "Remove a model's holdout")
  @DELETE
  @Path("/models/{model}")
  @Authorize(Permission.ALIAS)
  public Response removeForModel(@PathParam("model") String model) {
    experiments.removeHoldout(model);
    return Response.noContent().build();
  }
}
