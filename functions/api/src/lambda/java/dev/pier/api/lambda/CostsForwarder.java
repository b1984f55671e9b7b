package dev.pier.api.lambda;

import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/** {@code /api/v1/costs} in the Lambda zip, forwarded to the training worker ({@link TrainingForwarding}). */
@Path("/api/v1/costs")
@Produces(MediaType.APPLICATION_JSON)
public class CostsForwarder {
  @Inject TrainingForwarding forwarding;
  @Context UriInfo uri;

  @GET
  @Authorize(value = Permission.READ, anyModel = true)
  public Response costs() {
    return forwarding.forward(uri, "GET", null);
  }
}
