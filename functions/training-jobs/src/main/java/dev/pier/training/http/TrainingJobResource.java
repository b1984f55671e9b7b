package dev.pier.training.http;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.pier.kernel.PierException;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.CallerIdentity;
import dev.pier.kernel.security.Permission;
import dev.pier.training.jobs.TrainingJob;
import dev.pier.training.jobs.TrainingJobSpec;
import dev.pier.training.jobs.TrainingJobs;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;

/**
 * Training jobs: {@code POST /api/v1/training-jobs} (JSON, or the YAML {@code ./pier train job.yaml} sends),
 * {@code GET} one or all, {@code POST …/{id}/cancel}. A job belongs to the model it registers into: submitting and
 * cancelling need {@code register} on that model, reading needs {@code read} there ({@link JobGrants}).
 */
@Tag(name = "Training")
@Path("/api/v1/training-jobs")
@Produces(MediaType.APPLICATION_JSON)
public class TrainingJobResource {
  private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  private static final YAMLMapper YAML = new YAMLMapper();

  @Inject TrainingJobs jobs;
  @Inject CallerIdentity caller;

  @APIResponse(responseCode = "201",
      description = "The job queued (Location: its URL); also mlflow_experiment, and trials.items on a single"
          + " job's GET",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = TrainingJob.class)))
  @Operation(summary = "Submit a training job (JSON or YAML)")
  @POST
  @Consumes({MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml", MediaType.TEXT_PLAIN})
  @Authorize(value = Permission.REGISTER, anyModel = true)
  public Response submit(String body) {
    ObjectNode job = submitted(body);
    return Response.status(201).location(URI.create("/api/v1/training-jobs/" + job.path("id").asText())).entity(job)
        .build();
  }

  /** {@link #submit} without JAX-RS: the job's view (also what {@link TrainingRoutes} answers, outside a server). */
  ObjectNode submitted(String body) {
    JsonNode spec;
    try {
      spec = body == null || body.isBlank() ? null
          : body.stripLeading().startsWith("{") ? JSON.readTree(body) : YAML.readTree(body);
    } catch (IOException e) {
      throw PierException.badRequest("the training job is neither JSON nor YAML: " + e.getMessage().lines()
          .findFirst().orElse(""));
    }
    TrainingJobSpec parsed = TrainingJobSpec.parse(spec);
    JobGrants.requireSubmit(caller, parsed); // before the dataset is recorded or anything runs
    return view(jobs.submit(parsed), false);
  }

  @APIResponse(responseCode = "200", description = "The matching training jobs",
      content = @Content(mediaType = "application/json",
          schema = @Schema(type = SchemaType.OBJECT, description = "{jobs: [training job, ...]}")))
  @Operation(summary = "List training jobs")
  @GET
  @Authorize(value = Permission.READ, anyModel = true)
  public ObjectNode list(@QueryParam("project") String project, @QueryParam("state") String state,
      @QueryParam("name") String name, @QueryParam(dev.pier.kernel.paging.PageSize.PARAM) String maxResults,
      @QueryParam("page_token") String pageToken) {
    ObjectNode out = JSON.createObjectNode();
    var items = out.putArray("jobs");
    var page = dev.pier.kernel.paging.Page.of(jobs.list(project, state, name).stream()
        .filter(j -> JobGrants.visible(caller, j)) // listings follow grants, before paging
        .sorted(java.util.Comparator.comparing(TrainingJob::createdAt,
            java.util.Comparator.nullsLast(java.util.Comparator.reverseOrder())).thenComparing(TrainingJob::id))
        .toList(), // newest first
        pageToken, dev.pier.kernel.paging.PageSize.parse(maxResults), TrainingJob::id);
    page.items().forEach(j -> items.add(view(j, false)));
    if (page.nextPageToken() != null) {
      out.put("next_page_token", page.nextPageToken());
    }
    return out;
  }

  /** The job with its trials (number, params, state, scores, run, seconds, cost). */
  @APIResponse(responseCode = "200",
      description = "The job; also mlflow_experiment, and trials.items on a single job's GET",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = TrainingJob.class)))
  @Operation(summary = "Get a training job: state, trials, best trial, cost, registered version")
  @GET
  @Path("{id}")
  @Authorize(value = Permission.READ, anyModel = true)
  public ObjectNode get(@PathParam("id") String id) {
    TrainingJob job = jobs.get(id);
    if (!JobGrants.visible(caller, job)) {
      throw PierException.notFound("no training job '" + id + "'"); // another model's job, as if it did not exist
    }
    return view(job, true);
  }

  @APIResponse(responseCode = "200",
      description = "The job; also mlflow_experiment, and trials.items on a single job's GET",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = TrainingJob.class)))
  @Operation(summary = "Cancel a training job")
  @POST
  @Path("{id}/cancel")
  @Authorize(value = Permission.REGISTER, anyModel = true)
  public ObjectNode cancel(@PathParam("id") String id) {
    TrainingJob job = jobs.get(id);
    if (!JobGrants.visible(caller, job)) {
      throw PierException.notFound("no training job '" + id + "'");
    }
    JobGrants.requireCancel(caller, job);
    return view(jobs.cancel(id), false);
  }

  private ObjectNode view(TrainingJob job, boolean withTrials) {
    ObjectNode o = JSON.valueToTree(job);
    o.put("mlflow_experiment", job.experimentId());
    if (withTrials) {
      ((ObjectNode) o.get("trials")).set("items", JSON.valueToTree(jobs.trials(job.id())));
      if (!job.state().isFinal() && job.phase().equals("queued")) { // where it waits, as the launcher's queue says
        jobs.place(job.id()).ifPresent(p -> o.putObject("queue").put("position", p.position())
            .put("queued", p.queued()).put("project", job.project()).put("project_limit", p.projectLimit())
            .put("project_running", p.projectRunning()));
      }
    }
    return o;
  }
}
