package dev.pier.api.batch;

import dev.pier.api.Caller;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.batch.BatchSchedule;
import dev.pier.batch.BatchSchedules;
import dev.pier.kernel.PierException;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import dev.pier.kernel.paging.Page;
import dev.pier.kernel.paging.PageSize;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Recurring batch jobs: {@code /api/v1/batch-schedules}. */
@Tag(name = "Batch")
@Path("/api/v1/batch-schedules")
@Produces(MediaType.APPLICATION_JSON)
public class BatchScheduleResource {
  private static final Set<String> FIELDS = Set.of("model", "version", "alias", "input", "output", "format",
      "priority", "schedule", "point_in_time", "event_timestamp_column");

  private final BatchSchedules schedules;
  private final Caller caller;

  public BatchScheduleResource(BatchSchedules schedules, Caller caller) {
    this.schedules = schedules;
    this.caller = caller;
  }

  @APIResponse(responseCode = "201", description = "The schedule (Location: its URL)",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = BatchScheduleView.class)))
  @Operation(summary = "Create a batch schedule")
  @POST
  @Authorize(Permission.PREDICT)
  @Consumes(MediaType.APPLICATION_JSON)
  public Response create(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw PierException.badRequest("the body must be a JSON object with model, input and schedule");
    }
    body.fieldNames().forEachRemaining(f -> {
      if (!FIELDS.contains(f)) {
        throw PierException.badRequest("unknown field '" + f + "'; a batch schedule has " + String.join(", ",
            new java.util.TreeSet<>(FIELDS)));
      }
    });
    String reference = BatchJobResource.text(body, "version");
    BatchSchedule s = schedules.create(new BatchSchedules.Submission(BatchJobResource.text(body, "model"),
        reference != null ? reference : BatchJobResource.text(body, "alias"), BatchJobResource.text(body, "input"), BatchJobResource.text(body, "output"),
        BatchJobResource.text(body, "format"), BatchJobResource.text(body, "priority"), BatchJobResource.text(body, "schedule"),
        BatchJobResource.featuresAsOf(body)));
    return Response.status(201).location(URI.create("/api/v1/batch-schedules/" + s.id()))
        .entity(BatchScheduleView.of(s)).build();
  }

  @Operation(summary = "List batch schedules")
  @GET
  @Authorize(value = Permission.READ, anyModel = true)
  public BatchScheduleView.Page list(@QueryParam(PageSize.PARAM) String maxResults,
      @QueryParam("page_token") String pageToken) {
    PageSize size = PageSize.parse(maxResults);
    Page<BatchSchedule> page = Page.of(schedules.list().stream()
        .filter(s -> caller.allows(Permission.READ, s.model())).toList(), pageToken, size, BatchSchedule::id);
    return new BatchScheduleView.Page(page.items().stream().map(BatchScheduleView::of).toList(),
        page.nextPageToken());
  }

  @Operation(summary = "Get a batch schedule")
  @GET
  @Path("/{id}")
  @Authorize(value = Permission.READ, anyModel = true)
  public BatchScheduleView get(@PathParam("id") String id) {
    BatchSchedule s = schedules.get(id);
    if (!caller.allows(Permission.READ, s.model())) {
      throw PierException.notFound("no batch schedule '" + id + "'"); // as for an unknown id
    }
    return BatchScheduleView.of(s);
  }

  @APIResponse(responseCode = "204", description = "Deleted")
  @Operation(summary = "Delete a batch schedule")
  @DELETE
  @Path("/{id}")
  @Authorize(Permission.PREDICT)
  public Response delete(@PathParam("id") String id) {
    schedules.delete(id);
    return Response.noContent().build();
  }
}
