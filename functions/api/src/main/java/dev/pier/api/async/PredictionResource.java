package dev.pier.api.async;

import dev.pier.api.Caller;

import dev.pier.kernel.security.Authorize;
import dev.pier.async.AsyncPrediction;
import dev.pier.kernel.PierException;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code GET /api/v1/predictions/{id}}: an async prediction's state and, once it succeeded, its OIP response (see
 * {@link dev.pier.async.AsyncJson}). The caller needs PREDICT on the prediction's model; to anyone else — and for
 * ids that never existed, expired or were erased — it is a 404, so ids of other teams' predictions reveal nothing.
 */
@Path("/api/v1/predictions")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class PredictionResource {
  private final AsyncPlatform async;
  private final Caller caller;

  public PredictionResource(AsyncPlatform async, Caller caller) {
    this.async = async;
    this.caller = caller;
  }

  @GET
  @Path("/{id}")
  @Authorize(value = Permission.PREDICT, anyModel = true)
  public String get(@PathParam("id") String id) {
    AsyncPrediction p = async.predictions().get(id)
        .filter(found -> caller.principal() == null || caller.principal().allows(Permission.PREDICT, found.model()))
        .orElseThrow(() -> PierException.notFound("no async prediction " + id));
    return async.predictions().view(p);
  }
}
