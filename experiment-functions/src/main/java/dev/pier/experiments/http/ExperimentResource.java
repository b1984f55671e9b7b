package dev.pier.experiments.http;

import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.experiments.Experiments;
import dev.pier.experiments.IngestReport;
import dev.pier.experiments.results.ExperimentResults;
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
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code /api/v1/experiments}: design, start/pause/stop, exposures, events, results. Thin: each method parses,
 * calls one {@link Experiments} method and maps the answer; validation and errors (PierException → problem+json)
 * live there. The {@link Experiments} instance comes from the application that serves this resource.
 */
@Tag(name = "Experiments")
@Path("/api/v1/experiments")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ExperimentResource {

  private final Experiments experiments;
  private final dev.pier.kernel.security.CallerIdentity caller;

  @Inject
  public ExperimentResource(Experiments experiments, dev.pier.kernel.security.CallerIdentity caller) {
    this.experiments = experiments;
    this.caller = caller;
  }

  @APIResponse(responseCode = "201", description = "The experiment designed (Location: its URL)",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = ExperimentView.class)))
  @Operation(summary = "Design an experiment")
  @POST
  @Authorize(Permission.ALIAS)
  public Response create(JsonNode body) {
    ExperimentView view = ExperimentView.of(experiments.create(body));
    return Response.created(URI.create("/api/v1/experiments/" + view.id())).entity(view).build();
  }

  @Operation(summary = "List experiments")
  @GET
  @Authorize(Permission.READ)
  public ExperimentPage list(@QueryParam("model") String model, @QueryParam("state") String state,
      @QueryParam("q") String q, @QueryParam(dev.pier.kernel.paging.PageSize.PARAM) String maxResults,
      @QueryParam("page_token") String pageToken) {
    var page = experiments.list(model, state, q, pageToken, dev.pier.kernel.paging.PageSize.parse(maxResults));
    return new ExperimentPage(page.items().stream().map(ExperimentView::of).toList(), page.nextPageToken());
  }

  /** One page of experiments; {@code next_page_token} only when more follow. */
  @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
  public record ExperimentPage(List<ExperimentView> experiments,
      @com.fasterxml.jackson.annotation.JsonProperty("next_page_token") String nextPageToken) {}

  @Operation(summary = "Get an experiment")
  @GET
  @Path("/{id}")
  @Authorize(Permission.READ)
  public ExperimentView get(@PathParam("id") String id) {
    return ExperimentView.of(experiments.get(id));
  }

  @Operation(summary = "Start an experiment")
  @POST
  @Path("/{id}/start")
  @Authorize(Permission.ALIAS)
  public ExperimentView start(@PathParam("id") String id) {
    return ExperimentView.of(experiments.start(id));
  }

  @Operation(summary = "Pause an experiment")
  @POST
  @Path("/{id}/pause")
  @Authorize(Permission.ALIAS)
  public ExperimentView pause(@PathParam("id") String id) {
    return ExperimentView.of(experiments.pause(id));
  }

  @Operation(summary = "Stop an experiment")
  @POST
  @Path("/{id}/stop")
  @Authorize(Permission.ALIAS)
  public ExperimentView stop(@PathParam("id") String id) {
    return ExperimentView.of(experiments.stop(id, caller.principal())); // the history says who stopped it
  }

  @Operation(summary = "Report exposures to an experiment")
  @POST
  @Path("/{id}/exposures")
  @Authorize(Permission.PREDICT)
  public IngestReport exposures(@PathParam("id") String id, JsonNode body) {
    return experiments.exposures(id, body);
  }

  @Operation(summary = "Report metric events")
  @POST
  @Path("/events")
  @Authorize(Permission.PREDICT)
  public IngestReport events(JsonNode body) {
    return experiments.events(body);
  }

  /**
   * Runs one automatic analysis now, or as the analysis at {@code at} (an ISO-8601 instant: the analysis workflow
   * passes its scheduled time, so a retried step answers the decision recorded for it and applies nothing again).
   */
  @Operation(summary = "Analyze an experiment now")
  @POST
  @Path("/{id}/analyze")
  @Authorize(Permission.ALIAS)
  public dev.pier.experiments.Decision analyze(@PathParam("id") String id, @QueryParam("at") String at) {
    if (at == null || at.isBlank()) return experiments.analyze(id);
    java.time.Instant when;
    try {
      when = java.time.Instant.parse(at);
    } catch (java.time.format.DateTimeParseException x) {
      throw dev.pier.kernel.PierException.badRequest("at: not an ISO-8601 instant: '" + at + "'");
    }
    return experiments.analyze(id, when);
  }

  /** One page of decisions; {@code next_page_token} only when more follow. */
  @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
  public record DecisionPage(List<dev.pier.experiments.Decision> decisions,
      @com.fasterxml.jackson.annotation.JsonProperty("next_page_token") String nextPageToken) {}

  @Operation(summary = "List an experiment's decisions",
      description = "Oldest first, a page at a time: max_results (1-1000, default 100) and the page_token the"
          + " previous page answered as next_page_token.")
  @GET
  @Path("/{id}/decisions")
  @Authorize(Permission.READ)
  public DecisionPage decisions(@PathParam("id") String id,
      @QueryParam(dev.pier.kernel.paging.PageSize.PARAM) String maxResults,
      @QueryParam("page_token") String pageToken) {
    var page = experiments.decisions(id, pageToken, dev.pier.kernel.paging.PageSize.parse(maxResults));
    return new DecisionPage(page.items(), page.nextPageToken());
  }

  @Operation(summary = "Get an experiment's results")
  @GET
  @Path("/{id}/results")
  @Authorize(Permission.READ)
  public ExperimentResults results(@PathParam("id") String id) {
    return experiments.results(id);
  }
}
