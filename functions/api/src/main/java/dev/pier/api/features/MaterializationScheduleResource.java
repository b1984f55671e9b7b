package dev.pier.api.features;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** User-managed materialization schedules: {@code /api/v1/features/materialization-schedules}. */
@Tag(name = "Features")
@Path("/api/v1/features/materialization-schedules")
@Produces(MediaType.APPLICATION_JSON)
public class MaterializationScheduleResource {
  private static final Set<String> FIELDS = Set.of("feature_views", "schedule", "enabled");

  private final MaterializationSchedules schedules;

  public MaterializationScheduleResource(MaterializationSchedules schedules) {
    this.schedules = schedules;
  }

  @APIResponse(responseCode = "201", description = "The schedule (Location: its URL)",
      content = @Content(mediaType = "application/json",
          schema = @Schema(implementation = MaterializationSchedule.class)))
  @Operation(summary = "Create a materialization schedule")
  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Authorize(Permission.FEATURES_WRITE)
  public Response create(JsonNode body) {
    object(body, "schedule, and optionally feature_views and enabled");
    List<String> views = new ArrayList<>();
    JsonNode v = body.get("feature_views");
    if (v != null && !v.isNull()) {
      if (!v.isArray()) {
        throw PierException.badRequest("'feature_views' must be a list of feature view names");
      }
      for (JsonNode n : v) {
        if (!n.isTextual() || n.asText().isBlank()) {
          throw PierException.badRequest("'feature_views' must be a list of feature view names, got " + n);
        }
        views.add(n.asText());
      }
    }
    JsonNode schedule = body.get("schedule");
    MaterializationSchedule s = schedules.create(views, schedule == null || !schedule.isTextual() ? null
        : schedule.asText(), enabled(body, true));
    return Response.status(201).location(URI.create("/api/v1/features/materialization-schedules/" + s.id()))
        .entity(s).build();
  }

  @Operation(summary = "List materialization schedules")
  @GET
  @Authorize(Permission.FEATURES_READ)
  public MaterializationSchedule.Page list() {
    return new MaterializationSchedule.Page(schedules.list());
  }

  @Operation(summary = "Get a materialization schedule")
  @GET
  @Path("/{id}")
  @Authorize(Permission.FEATURES_READ)
  public MaterializationSchedule get(@PathParam("id") String id) {
    return schedules.get(id);
  }

  /** {@code {"enabled": false}} pauses a schedule, {@code true} resumes it. */
  @Operation(summary = "Enable or disable a materialization schedule")
  @PATCH
  @Path("/{id}")
  @Consumes(MediaType.APPLICATION_JSON)
  @Authorize(Permission.FEATURES_WRITE)
  public MaterializationSchedule update(@PathParam("id") String id, JsonNode body) {
    if (body == null || !body.isObject() || !body.has("enabled") || body.size() != 1) {
      throw PierException.badRequest("the body must be {\"enabled\": true} or {\"enabled\": false}");
    }
    return schedules.setEnabled(id, enabled(body, true));
  }

  @APIResponse(responseCode = "204", description = "Deleted")
  @Operation(summary = "Delete a materialization schedule")
  @DELETE
  @Path("/{id}")
  @Authorize(Permission.FEATURES_WRITE)
  public Response delete(@PathParam("id") String id) {
    schedules.delete(id);
    return Response.noContent().build();
  }

  private static void object(JsonNode body, String what) {
    if (body == null || !body.isObject()) {
      throw PierException.badRequest("the body must be a JSON object with " + what);
    }
    body.fieldNames().forEachRemaining(f -> {
      if (!FIELDS.contains(f)) {
        throw PierException.badRequest("unknown field '" + f + "'; a materialization schedule has "
            + String.join(", ", new java.util.TreeSet<>(FIELDS)));
      }
    });
  }

  private static boolean enabled(JsonNode body, boolean otherwise) {
    JsonNode e = body.get("enabled");
    if (e == null || e.isNull()) {
      return otherwise;
    }
    if (!e.isBoolean()) {
      throw PierException.badRequest("'enabled' must be true or false");
    }
    return e.booleanValue();
  }
}
