package dev.pier.api.batch;

import dev.pier.api.Caller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.time.Instant;
import java.util.Set;

/** Recurring batch jobs: {@code /api/v1/batch-schedules}. */
@Path("/api/v1/batch-schedules")
@Produces(MediaType.APPLICATION_JSON)
public class BatchScheduleResource {
  private static final Set<String> FIELDS = Set.of("model", "version", "alias", "input", "output", "format",
      "priority", "schedule");

  private final BatchSchedules schedules;
  private final Caller caller;

  public BatchScheduleResource(BatchPlatform batch, Caller caller) {
    this.schedules = batch.schedules();
    this.caller = caller;
  }

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
        BatchJobResource.text(body, "format"), BatchJobResource.text(body, "priority"), BatchJobResource.text(body, "schedule")));
    return Response.status(201).location(URI.create("/api/v1/batch-schedules/" + s.id())).entity(view(s)).build();
  }

  @GET
  @Authorize(value = Permission.READ, anyModel = true)
  public JsonNode list(@QueryParam(PageSize.PARAM) String maxResults, @QueryParam("page_token") String pageToken) {
    PageSize size = PageSize.parse(maxResults);
    Page<BatchSchedule> page = Page.of(schedules.list().stream()
        .filter(s -> caller.allows(Permission.READ, s.model())).toList(), pageToken, size, BatchSchedule::id);
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode items = out.putArray("schedules");
    page.items().forEach(s -> items.add(view(s)));
    if (page.nextPageToken() != null) {
      out.put("next_page_token", page.nextPageToken());
    }
    return out;
  }

  @GET
  @Path("/{id}")
  @Authorize(value = Permission.READ, anyModel = true)
  public JsonNode get(@PathParam("id") String id) {
    BatchSchedule s = schedules.get(id);
    if (!caller.allows(Permission.READ, s.model())) {
      throw PierException.notFound("no batch schedule '" + id + "'"); // as for an unknown id
    }
    return view(s);
  }

  @DELETE
  @Path("/{id}")
  @Authorize(Permission.PREDICT)
  public Response delete(@PathParam("id") String id) {
    schedules.delete(id);
    return Response.noContent().build();
  }

  private static ObjectNode view(BatchSchedule s) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("id", s.id());
    o.put("model", s.model());
    o.put("requested", s.reference());
    o.put("input", s.input().toString());
    o.put("output", s.output().toString());
    if (s.format() != null) {
      o.put("format", s.format().id());
    } else {
      o.putNull("format");
    }
    o.put("priority", s.priority().id());
    o.put("schedule", s.schedule());
    o.put("created_at", s.createdAt().toString());
    if (s.lastFire() != null) {
      o.put("last_fire", s.lastFire().toString());
    }
    Instant next = s.expression().next(s.lastFire() != null ? s.lastFire() : Instant.now());
    if (next != null) {
      o.put("next_fire", next.toString());
    }
    return o;
  }
}
