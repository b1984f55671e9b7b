package dev.pier.training.http;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import dev.pier.training.datasets.DatasetVersion;
import dev.pier.training.datasets.Datasets;
import dev.pier.training.jobs.Fields;
import jakarta.ws.rs.core.Response;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Dataset versions: {@code POST /api/v1/datasets} records the files an S3 URI names now, {@code GET} lists datasets
 * and a dataset's versions. Training data concerns the platform, as the feature store does: its permissions.
 */
@Tag(name = "Training")
@Path("/api/v1/datasets")
@Produces(MediaType.APPLICATION_JSON)
public class DatasetResource {
  @Inject Datasets datasets;

  /** {@code {"name", "uri", "format"}}: 201 with the version (the same one again for the same files). */
  @APIResponse(responseCode = "201", description = "The dataset version (Location: its URL)",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = DatasetVersion.class)))
  @Operation(summary = "Record a dataset version (S3 files or a point-in-time training set)")
  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Authorize(Permission.FEATURES_WRITE)
  public Response record(JsonNode body) {
    DatasetVersion v = recorded(body);
    return Response.status(201).location(java.net.URI.create(location(v))).entity(v).build();
  }

  /** {@link #record} without JAX-RS (also what {@link TrainingRoutes} answers, outside a server). */
  DatasetVersion recorded(JsonNode body) {
    Fields.object(body, Set.of("name", "uri", "format"), "the request body");
    DatasetVersion v = datasets.record(Fields.text(body, "name"), Fields.required(body, "uri"),
        Fields.text(body, "format"));
    return v;
  }

  static String location(DatasetVersion v) {
    return "/api/v1/datasets/" + v.name() + "/versions/" + v.version();
  }

  @Operation(summary = "List datasets")
  @GET
  @Authorize(Permission.FEATURES_READ)
  public Map<String, List<Datasets.Summary>> list() {
    return Map.of("datasets", datasets.datasets());
  }

  @Operation(summary = "A dataset's versions")
  @GET
  @Path("{name}/versions")
  @Authorize(Permission.FEATURES_READ)
  public Map<String, List<DatasetVersion>> versions(@PathParam("name") String name) {
    return Map.of("versions", datasets.versions(name));
  }

  @Operation(summary = "One dataset version: manifest, schema, rows")
  @GET
  @Path("{name}/versions/{version}")
  @Authorize(Permission.FEATURES_READ)
  public DatasetVersion version(@PathParam("name") String name, @PathParam("version") String version) {
    try {
      return datasets.resolve(name + "@" + version);
    } catch (PierException e) {
      throw e.status() == 400 ? PierException.notFound(e.getMessage()) : e;
    }
  }
}
