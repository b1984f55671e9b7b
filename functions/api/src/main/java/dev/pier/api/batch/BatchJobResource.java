package dev.pier.api.batch;

import dev.pier.api.Caller;

import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.batch.BatchJob;
import dev.pier.batch.BatchJobs;
import dev.pier.batch.JobCost;
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
import java.time.Duration;
import java.time.Instant;

/** Batch jobs: {@code /api/v1/batch-jobs}. */
@Path("/api/v1/batch-jobs")
@Produces(MediaType.APPLICATION_JSON)
public class BatchJobResource {
  private final BatchJobs jobs;
  private final Caller caller;

  public BatchJobResource(BatchPlatform batch, Caller caller) {
    this.jobs = batch.jobs();
    this.caller = caller;
  }

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
        text(body, "output"), text(body, "format"), text(body, "priority")));
    return Response.status(201).location(URI.create("/api/v1/batch-jobs/" + job.id())).entity(view(job)).build();
  }

  @GET
  @Authorize(value = Permission.READ, anyModel = true)
  public JsonNode list(@QueryParam("model") String model, @QueryParam("state") String state,
      @QueryParam(PageSize.PARAM) String maxResults, @QueryParam("page_token") String pageToken) {
    PageSize size = PageSize.parse(maxResults);
    Page<BatchJob> page = Page.of(jobs.list(model, state).stream()
        .filter(j -> caller.allows(Permission.READ, j.model())).toList(), pageToken, size, BatchJob::id);
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode items = out.putArray("jobs");
    page.items().forEach(j -> items.add(view(j)));
    if (page.nextPageToken() != null) {
      out.put("next_page_token", page.nextPageToken());
    }
    return out;
  }

  @GET
  @Path("/{id}")
  @Authorize(value = Permission.READ, anyModel = true)
  public JsonNode get(@PathParam("id") String id) {
    BatchJob job = jobs.get(id);
    if (!caller.allows(Permission.READ, job.model())) {
      throw PierException.notFound("no batch job '" + id + "'"); // as for an unknown id: other teams' ids reveal nothing
    }
    return view(job);
  }

  @POST
  @Path("/{id}/cancel")
  @Authorize(Permission.PREDICT)
  public JsonNode cancel(@PathParam("id") String id) {
    return view(jobs.cancel(id));
  }

  /** A string (or integer) field of a request body, null when absent; a 400 naming it otherwise. */
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

  private ObjectNode view(BatchJob j) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("id", j.id());
    o.put("model", j.model());
    o.put("version", j.version());
    o.put("requested", j.reference());
    o.put("state", j.state().name());
    o.put("priority", j.priority().id());
    o.put("format", j.format().id());
    o.put("input", j.input().toString());
    o.put("output", j.output().toString());
    o.put("errors", j.errorsFile().toString());
    o.put("manifest", j.manifest().toString());
    ObjectNode records = o.putObject("records");
    if (j.total() != null) {
      records.put("total", j.total());
    } else {
      records.putNull("total");
    }
    records.put("succeeded", j.succeeded());
    records.put("failed", j.failed());
    o.put("created_at", j.createdAt().toString());
    if (j.startedAt() != null) {
      o.put("started_at", j.startedAt().toString());
      Instant end = j.finishedAt() != null ? j.finishedAt() : Instant.now();
      double seconds = Math.max(0.001, Duration.between(j.startedAt(), end).toMillis() / 1000.0);
      double rate = j.done() / seconds;
      o.put("records_per_second", Math.round(rate));
      if (!j.state().isFinal() && j.total() != null && rate > 0) {
        o.put("eta_seconds", Math.round((j.total() - j.done()) / rate));
      }
    }
    if (j.finishedAt() != null) {
      o.put("finished_at", j.finishedAt().toString());
    }
    if (j.error() != null) {
      o.put("error", j.error());
    }
    if (j.scoringMillis() > 0) {
      o.put("scoring_records_per_second", Math.round(j.done() * 1000.0 / j.scoringMillis()));
    }
    if (j.plan() != null) {
      ObjectNode plan = o.putObject("plan");
      plan.put("chunks", j.plan().chunks());
      plan.put("chunk_rows", j.plan().chunkRows());
      plan.put("concurrency", j.plan().concurrency());
      plan.put("basis", j.plan().basis());
      if (j.plan().rowsPerSecond() > 0) {
        plan.put("measured_records_per_second", Math.round(j.plan().rowsPerSecond()));
      }
    }
    o.put("source", j.source());
    o.set("estimated_cost_usd", cost(j));
    return o;
  }

  /** What the job costs (or would cost) on AWS: see {@link JobCost} for prices and counts. */
  private ObjectNode cost(BatchJob j) {
    JobCost c = JobCost.of(j, jobs.settings());
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("total", c.total());
    o.put("lambda", c.lambda());
    o.put("step_functions", c.stepFunctions());
    o.put("s3", c.s3());
    o.put("dynamodb", c.dynamodb());
    return o;
  }
}
