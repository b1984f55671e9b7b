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

/** {@code /api/v1/training-jobs} in the Lambda zip, forwarded to the training worker ({@link TrainingForwarding}). */
@Path("/api/v1/training-jobs")
@Produces(MediaType.APPLICATION_JSON)
public class TrainingJobsForwarder {
  @Inject TrainingForwarding forwarding;
  @Context UriInfo uri;

  @POST
  @Consumes({MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml", MediaType.TEXT_PLAIN})
  @Authorize(value = Permission.REGISTER, anyModel = true)
  public Response submit(String body) {
    return forwarding.forward(uri, "POST", body);
  }

  @GET
  @Authorize(value = Permission.READ, anyModel = true)
  public Response list() {
    return forwarding.forward(uri, "GET", null);
  }

  @GET
  @Path("{id}")
  @Authorize(value = Permission.READ, anyModel = true)
  public Response get() {
    return forwarding.forward(uri, "GET", null);
  }

  @POST
  @Path("{id}/cancel")
  @Authorize(value = Permission.REGISTER, anyModel = true)
  public Response cancel() {
    return forwarding.forward(uri, "POST", null);
  }
}
