package dev.pier.api.async;

import dev.pier.api.Caller;

import dev.pier.kernel.security.Authorize;
import dev.pier.async.AsyncPrediction;
import dev.pier.async.AsyncPredictions;
import dev.pier.kernel.PierException;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code GET /api/v1/predictions/{id}}: an async prediction's state and, once it succeeded, its OIP response (see
 * {@link dev.pier.async.AsyncJson}). The caller needs PREDICT on the prediction's model; to anyone else — and for
 * ids that never existed, expired or were erased — it is a 404, so ids of other teams' predictions reveal nothing.
 */
@Tag(name = "Async predictions")
@Path("/api/v1/predictions")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class PredictionResource {
  private final AsyncPredictions predictions;
  private final Caller caller;

  public PredictionResource(AsyncPredictions predictions, Caller caller) {
    this.predictions = predictions;
    this.caller = caller;
  }

  @APIResponse(responseCode = "200", description = "The prediction: its state and, once done, its OIP response",
      content = @Content(mediaType = "application/json",
          schema = @Schema(type = SchemaType.OBJECT,
              description = "{id, state, model_name, model_version, created, updated, attempts,"
                  + " response | error}")))
  @Operation(summary = "Get an async prediction")
  @GET
  @Path("/{id}")
  @Authorize(value = Permission.PREDICT, anyModel = true)
  public String get(@PathParam("id") String id) {
    AsyncPrediction p = predictions.get(id)
        .filter(found -> caller.principal() == null || caller.principal().allows(Permission.PREDICT, found.model()))
        .orElseThrow(() -> PierException.notFound("no async prediction " + id));
    return predictions.view(p);
  }
}
