package dev.pier.api.batch;

import dev.pier.api.Caller;

import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.batch.BatchJob;
import dev.pier.batch.BatchJobs;
import dev.pier.kernel.PierException;
import dev.pier.kernel.paging.Page;
import dev.pier.kernel.paging.PageSize;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Batch jobs: {@code /api/v1/batch-jobs}. */
@Tag(name = "Batch")
@Path("/api/v1/batch-jobs")
@Produces(MediaType.APPLICATION_JSON)
public class BatchJobResource {
  private final BatchJobs jobs;
  private final Caller caller;

  public BatchJobResource(BatchJobs jobs, Caller caller) {
    this.jobs = jobs;
    this.caller = caller;
  }

  @APIResponse(responseCode = "201", description = "The job queued (Location: its URL)",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = BatchJobView.class)))
  @Operation(summary = "Submit a batch job")
  @POST
  @Authorize(Permission.PREDICT)
  @Consumes(MediaType.APPLICATION_JSON)
  public Response submit(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw PierException.badRequest("the body must be a JSON object with model and input");
    }
    String reference = text(body, "version");
    if (reference == null) {
      reference = text(body, "alias");
    }
    BatchJob job = jobs.submit(new BatchJobs.Submission(text(body, "model"), reference, text(body, "input"),
        text(body, "output"), text(body, "format"), text(body, "priority"), featuresAsOf(body),
        text(body, "engine"), text(body, "unit_column"), text(body, "mode"), attributeColumns(body),
        text(body, "table_format")));
    return Response.status(201).location(URI.create("/api/v1/batch-jobs/" + job.id())).entity(view(job)).build();
  }

  /**
   * {@code "attribute_columns": {"country": "country_code"}}: each targeting attribute of a row's unit and the field
   * holding it; a 400 unless an object of strings.
   */
  private static java.util.Map<String, String> attributeColumns(JsonNode body) {
    JsonNode node = body.get("attribute_columns");
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw PierException.badRequest("attribute_columns must be an object mapping each targeting attribute to the"
          + " rows' field holding it, e.g. {\"country\": \"country\"}");
    }
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    for (var it = node.fields(); it.hasNext(); ) {
      var e = it.next();
      if (!e.getValue().isTextual()) {
        throw PierException.badRequest("attribute_columns." + e.getKey() + " must name a field (a string), got "
            + e.getValue());
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  @Operation(summary = "List batch jobs")
  @GET
  @Authorize(value = Permission.READ, anyModel = true)
  public BatchJobView.Page list(@QueryParam("model") String model, @QueryParam("state") String state,
      @QueryParam(PageSize.PARAM) String maxResults, @QueryParam("page_token") String pageToken) {
    PageSize size = PageSize.parse(maxResults);
    Page<BatchJob> page = Page.of(jobs.list(model, state).stream()
        .filter(j -> caller.allows(Permission.READ, j.model())).toList(), pageToken, size, BatchJob::id);
    return new BatchJobView.Page(page.items().stream().map(this::view).toList(), page.nextPageToken());
  }

  @Operation(summary = "Get a batch job")
  @GET
  @Path("/{id}")
  @Authorize(value = Permission.READ, anyModel = true)
  public BatchJobView get(@PathParam("id") String id) {
    BatchJob job = jobs.get(id);
    if (!caller.allows(Permission.READ, job.model())) {
      throw PierException.notFound("no batch job '" + id + "'"); // as for an unknown id: other teams' ids reveal nothing
    }
    return view(job);
  }

  @Operation(summary = "Cancel a batch job")
  @POST
  @Path("/{id}/cancel")
  @Authorize(Permission.PREDICT)
  public BatchJobView cancel(@PathParam("id") String id) {
    return view(jobs.cancel(id));
  }

  /** A string (or integer) field of a request body, null when absent; a 400 naming it otherwise. */
  /**
   * {@code "point_in_time": true} (with an optional {@code "event_timestamp_column"}, default {@code event_timestamp}):
   * the field of each row whose moment its features are looked up as of; null without it.
   */
  static String featuresAsOf(JsonNode body) {
    JsonNode flag = body.get("point_in_time");
    String column = text(body, "event_timestamp_column");
    if (flag != null && !flag.isNull() && !flag.isBoolean()) {
      throw PierException.badRequest("point_in_time must be true or false");
    }
    boolean pointInTime = flag != null && flag.asBoolean();
    if (!pointInTime) {
      if (column != null) {
        throw PierException.badRequest("event_timestamp_column is only for \"point_in_time\": true");
      }
      return null;
    }
    if (column != null && column.isBlank()) {
      throw PierException.badRequest("event_timestamp_column must name the rows' timestamp field");
    }
    return column != null ? column : "event_timestamp";
  }

  static String text(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual() && !v.isIntegralNumber()) {
      throw PierException.badRequest(field + " must be a string");
    }
    return v.asText();
  }

  private BatchJobView view(BatchJob j) {
    return BatchJobView.of(j, jobs.settings());
  }
}
