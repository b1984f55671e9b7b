package dev.pier.api.lambda;

import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/** {@code /api/v1/datasets} in the Lambda zip, forwarded to the training worker ({@link TrainingForwarding}). */
@Path("/api/v1/datasets")
@Produces(MediaType.APPLICATION_JSON)
public class DatasetsForwarder {
  @Inject TrainingForwarding forwarding;
  @Context UriInfo uri;

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Authorize(Permission.FEATURES_WRITE)
  public Response record(String body) {
    return forwarding.forward(uri, "POST", body);
  }

  @GET
  @Authorize(Permission.FEATURES_READ)
  public Response list() {
    return forwarding.forward(uri, "GET", null);
  }

  @GET
  @Path("{name}/versions")
  @Authorize(Permission.FEATURES_READ)
  public Response versions() {
    return forwarding.forward(uri, "GET", null);
  }

  @GET
  @Path("{name}/versions/{version}")
  @Authorize(Permission.FEATURES_READ)
  public Response version() {
    return forwarding.forward(uri, "GET", null);
  }
}
