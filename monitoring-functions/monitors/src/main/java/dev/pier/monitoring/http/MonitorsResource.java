package dev.pier.monitoring.http;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import dev.pier.monitoring.MonitorDefinition;
import dev.pier.monitoring.MonitorRequest;
import dev.pier.monitoring.MonitorRun;
import dev.pier.monitoring.Monitors;
import dev.pier.monitoring.capture.CaptureBuffer;
import dev.pier.monitoring.capture.CaptureSink;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
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
import java.util.List;
import java.util.Map;

/**
 * {@code /api/v1/monitors}: monitors, their runs (on demand and scheduled) and alerts. Thin: each method parses, calls
 * one {@link Monitors} method and maps the answer; validation and errors (PierException → problem+json) live there.
 * Changing monitors and running them needs {@code register}, reading them {@code read}, on the platform (a monitor's
 * model is in its body, not its path).
 */
@Tag(name = "Monitoring")
@Path("/api/v1/monitors")
@Produces(MediaType.APPLICATION_JSON)
public class MonitorsResource {
  @Inject Monitors monitors;
  /** The capture stage's buffer, when this app has one: flushed before a run so the run sees every prediction. */
  @Inject Instance<CaptureSink> sinks;

  @APIResponse(responseCode = "201", description = "The monitor created (Location: its URL)",
      content = @Content(mediaType = "application/json",
          schema = @Schema(type = SchemaType.OBJECT,
              description = "A monitor: id, model, version, requested_version, window, schedule, task,"
                  + " prediction, protected_columns, drift, drift_share, checks, alerts, created_at, reference")))
  @Operation(summary = "Create a monitor")
  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Authorize(Permission.REGISTER)
  public Response create(JsonNode body) {
    MonitorDefinition monitor = monitors.create(MonitorRequest.parse(body));
    return Response.created(URI.create("/api/v1/monitors/" + monitor.id())).entity(Monitors.json(monitor)).build();
  }

  @Operation(summary = "List monitors")
  @GET
  @Authorize(Permission.READ)
  public Map<String, List<JsonNode>> list() {
    return Map.of("monitors", monitors.list().stream().map(Monitors::json).toList());
  }

  @APIResponse(responseCode = "200", description = "The monitor",
      content = @Content(mediaType = "application/json",
          schema = @Schema(type = SchemaType.OBJECT,
              description = "A monitor: id, model, version, requested_version, window, schedule, task,"
                  + " prediction, protected_columns, drift, drift_share, checks, alerts, created_at, reference")))
  @Operation(summary = "Get a monitor")
  @GET
  @Path("/{id}")
  @Authorize(Permission.READ)
  public JsonNode get(@PathParam("id") String id) {
    return Monitors.json(monitors.get(id));
  }

  /** Changes window, schedule, task, prediction, protected, drift, drift_share, checks or alerts. */
  @APIResponse(responseCode = "200", description = "The monitor changed",
      content = @Content(mediaType = "application/json",
          schema = @Schema(type = SchemaType.OBJECT,
              description = "A monitor: id, model, version, requested_version, window, schedule, task,"
                  + " prediction, protected_columns, drift, drift_share, checks, alerts, created_at, reference")))
  @Operation(summary = "Change a monitor (conditional on its revision)")
  @PATCH
  @Path("/{id}")
  @Consumes(MediaType.APPLICATION_JSON)
  @Authorize(Permission.REGISTER)
  public JsonNode update(@PathParam("id") String id, JsonNode body) {
    return Monitors.json(monitors.update(id, MonitorRequest.parsePatch(body)));
  }

  @APIResponse(responseCode = "204", description = "Deleted")
  @Operation(summary = "Delete a monitor with its reference, runs and alerts")
  @DELETE
  @Path("/{id}")
  @Authorize(Permission.REGISTER)
  public Response delete(@PathParam("id") String id) {
    monitors.delete(id);
    return Response.noContent().build();
  }

  /** Runs the monitor now over the window that ends now; it sees every prediction answered before it started. */
  @APIResponse(responseCode = "201", description = "The run (Location: its URL)",
      content = @Content(mediaType = "application/json",
          schema = @Schema(type = SchemaType.OBJECT,
              description = "A monitor run: monitor_id, run_id, started_at, window_start, window_end, rows,"
                  + " mode, data_drift, prediction_drift, data_quality, performance, notes, alerts")))
  @Operation(summary = "Run a monitor now over the window that ends now")
  @POST
  @Path("/{id}/runs")
  @Authorize(Permission.REGISTER)
  public Response run(@PathParam("id") String id) {
    monitors.get(id); // 404 before flushing anything
    flushCaptures();
    MonitorRun run = monitors.runNow(id);
    return Response.created(URI.create("/api/v1/monitors/" + id + "/runs/" + run.runId()))
        .entity(Monitors.json(run)).build();
  }

  /** One page of run summaries; {@code next_page_token} only when more follow. */
  @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
  public record RunPage(List<JsonNode> runs,
      @com.fasterxml.jackson.annotation.JsonProperty("next_page_token") String nextPageToken) {}

  @Operation(summary = "A monitor's runs, newest window first",
      description = "A page at a time: max_results (1-1000, default 100) and the page_token the previous page"
          + " answered as next_page_token.")
  @GET
  @Path("/{id}/runs")
  @Authorize(Permission.READ)
  public RunPage runs(@PathParam("id") String id,
      @jakarta.ws.rs.QueryParam(dev.pier.kernel.paging.PageSize.PARAM) String maxResults,
      @jakarta.ws.rs.QueryParam("page_token") String pageToken) {
    var page = monitors.runs(id, pageToken, dev.pier.kernel.paging.PageSize.parse(maxResults));
    return new RunPage(page.items(), page.nextPageToken());
  }

  @APIResponse(responseCode = "200", description = "The run",
      content = @Content(mediaType = "application/json",
          schema = @Schema(type = SchemaType.OBJECT,
              description = "A monitor run: monitor_id, run_id, started_at, window_start, window_end, rows,"
                  + " mode, data_drift, prediction_drift, data_quality, performance, notes, alerts")))
  @Operation(summary = "Get one run in full")
  @GET
  @Path("/{id}/runs/{run}")
  @Authorize(Permission.READ)
  public JsonNode run(@PathParam("id") String id, @PathParam("run") String run) {
    return monitors.run(id, run);
  }

  /** The run as one HTML page that needs nothing from the network: figures, tables and a plot per drifted column. */
  @Operation(summary = "A run as one self-contained HTML page")
  @GET
  @Path("/{id}/runs/{run}/report.html")
  @Produces(MediaType.TEXT_HTML)
  @Authorize(Permission.READ)
  public String report(@PathParam("id") String id, @PathParam("run") String run) {
    return monitors.report(id, run);
  }

  @Operation(summary = "A column's distribution in a run: reference against window, per bin",
      description = "The shares the run's report plots (20 equal-width bins over the joint range of numbers, else the"
          + " 12 most frequent categories), for any column; exact runs only (409 for a run made from profiles).")
  @GET
  @Path("/{id}/runs/{run}/distributions/{column}")
  @Authorize(Permission.READ)
  public Map<String, Object> distribution(@PathParam("id") String id, @PathParam("run") String run,
      @PathParam("column") String column) {
    return monitors.distribution(id, run, column);
  }

  /** One page of drift history; {@code next_page_token} only when more follow. */
  @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
  public record DriftPage(List<JsonNode> points,
      @com.fasterxml.jackson.annotation.JsonProperty("next_page_token") String nextPageToken) {}

  @Operation(summary = "Drift over time per column, newest window first",
      description = "Per run: window and the drift result of each column (column=... for one), paged like the runs:"
          + " max_results (1-1000, default 100) and page_token.")
  @GET
  @Path("/{id}/drift")
  @Authorize(Permission.READ)
  public DriftPage drift(@PathParam("id") String id, @jakarta.ws.rs.QueryParam("column") String column,
      @jakarta.ws.rs.QueryParam(dev.pier.kernel.paging.PageSize.PARAM) String maxResults,
      @jakarta.ws.rs.QueryParam("page_token") String pageToken) {
    var page = monitors.driftHistory(id, column == null || column.isBlank() ? null : column, pageToken,
        dev.pier.kernel.paging.PageSize.parse(maxResults));
    return new DriftPage(page.items(), page.nextPageToken());
  }

  @Operation(summary = "The alerts a monitor's runs raised")
  @GET
  @Path("/{id}/alerts")
  @Authorize(Permission.READ)
  public Map<String, List<JsonNode>> alerts(@PathParam("id") String id) {
    return Map.of("alerts", monitors.alerts(id));
  }

  private void flushCaptures() {
    for (CaptureSink sink : sinks) {
      if (sink instanceof CaptureBuffer buffer) {
        buffer.flush();
      }
    }
  }
}
