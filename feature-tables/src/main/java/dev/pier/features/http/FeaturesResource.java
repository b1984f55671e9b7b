package dev.pier.features.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.features.ApplyPlan;
import dev.pier.features.FeaturePush;
import dev.pier.features.FeatureStore;
import dev.pier.features.HistoricalRetrieval;
import dev.pier.features.Materialization;
import dev.pier.kernel.security.Permission;
import dev.pier.kernel.security.Authorize;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The feature store's control plane: apply (and plan), online reads, push, historical retrieval. */
@Tag(name = "Features")
@Path("/api/v1/features")
@Produces(MediaType.APPLICATION_JSON)
public class FeaturesResource {
  @Inject FeatureStore features;
  @Inject OnlineReads reads;

  /** The same definitions document as {@code ./pier features apply FILE}, YAML or JSON; {@code dry_run} plans. */
  @Operation(summary = "Apply (or plan) feature definitions")
  @POST
  @Path("apply")
  @Consumes({MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml", MediaType.TEXT_PLAIN})
  @Authorize(Permission.FEATURES_WRITE)
  public ApplyPlan apply(String document, @QueryParam("dry_run") boolean dryRun,
      @QueryParam("force") boolean force) {
    return features.apply(document, dryRun, force);
  }

  @APIResponse(responseCode = "200", description = "The features of each entity row",
      content = @Content(mediaType = "application/json",
          schema = @Schema(type = SchemaType.OBJECT,
              description = "Feast's online response: metadata.feature_names and results, one {values, statuses,"
                  + " event_timestamps} per feature, in request order")))
  @Operation(summary = "Get online features")
  @POST
  @Path("online")
  @Consumes(MediaType.APPLICATION_JSON)
  @Authorize(Permission.FEATURES_READ)
  public java.util.concurrent.CompletionStage<com.fasterxml.jackson.databind.JsonSerializable> online(JsonNode body) {
    return reads.answer(features, body); // on the I/O thread or a worker: see OnlineReads
  }

  @Operation(summary = "Push feature rows")
  @POST
  @Path("push")
  @Consumes(MediaType.APPLICATION_JSON)
  @Authorize(Permission.FEATURES_WRITE)
  public FeaturePush.PushResult push(JsonNode body) {
    return FeastResource.push(features, body);
  }

  /** Starts a job copying {@code [start, end)} of each view (all online views by default) to the online store. */
  @APIResponse(responseCode = "202", description = "The job accepted (Location: its URL)",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = Materialization.Job.class)))
  @Operation(summary = "Start a materialization job")
  @POST
  @Path("materialize")
  @Consumes(MediaType.APPLICATION_JSON)
  @Authorize(Permission.FEATURES_WRITE)
  public jakarta.ws.rs.core.Response materialize(JsonNode body) {
    FeatureRequests.object(body, java.util.Set.of("start", "end", "feature_views"));
    Materialization.Job job = features.materialization().start(FeatureRequests.time(body, "start"),
        FeatureRequests.time(body, "end"), FeatureRequests.names(body, "feature_views"));
    return accepted(job);
  }

  /** From each view's watermark (the end of its last materialization) to {@code end}. */
  @APIResponse(responseCode = "202", description = "The job accepted (Location: its URL)",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = Materialization.Job.class)))
  @Operation(summary = "Start an incremental materialization job")
  @POST
  @Path("materialize-incremental")
  @Consumes(MediaType.APPLICATION_JSON)
  @Authorize(Permission.FEATURES_WRITE)
  public jakarta.ws.rs.core.Response materializeIncremental(JsonNode body) {
    FeatureRequests.object(body, java.util.Set.of("end", "feature_views"));
    Materialization.Job job = features.materialization().startIncremental(FeatureRequests.time(body, "end"),
        FeatureRequests.names(body, "feature_views"));
    return accepted(job);
  }

  @Operation(summary = "Get a materialization job")
  @jakarta.ws.rs.GET
  @Path("materializations/{id}")
  @Authorize(Permission.FEATURES_READ)
  public Materialization.Job materialization(@jakarta.ws.rs.PathParam("id") String id) {
    return features.materialization().get(id);
  }

  private static jakarta.ws.rs.core.Response accepted(Materialization.Job job) {
    return jakarta.ws.rs.core.Response.accepted(job)
        .header("Location", "/api/v1/features/materializations/" + job.id()).build();
  }

  /**
   * Training rows: inline {@code entity_rows} answered as {@code {"feature_names": [...], "rows": [...]}}; an {@code
   * entity_source} Parquet file answered as {@code {"output": "s3://…parquet", "rows": n, "feature_names": [...]}}.
   */
  public record HistoricalRows(List<String> feature_names, List<ObjectNode> rows) {}

  @APIResponse(responseCode = "200",
      description = "Inline entity_rows: the rows as {feature_names, rows}; an entity_source Parquet file:"
          + " {output, rows, feature_names}",
      content = @Content(mediaType = "application/json",
          schema = @Schema(type = SchemaType.OBJECT, description = "Training rows, or where they were written")))
  @Operation(summary = "Retrieve historical features (point in time)")
  @POST
  @Path("historical")
  @Consumes(MediaType.APPLICATION_JSON)
  @Authorize(Permission.FEATURES_READ)
  public Object historical(JsonNode body) {
    FeatureRequests.Historical r = FeatureRequests.historical(body);
    if (r.entitySource() != null) {
      return features.historical().retrieveToParquet(r.features(), r.featureService(), r.entitySource(), r.output(),
          r.fullNames());
    }
    HistoricalRetrieval.Result result =
        features.historical().retrieve(r.features(), r.featureService(), r.entityRows(), r.fullNames());
    return new HistoricalRows(result.featureNames(), result.rows());
  }

  @APIResponse(responseCode = "202", description = "The job, RUNNING; its Location is where to ask for it",
      content = @Content(mediaType = "application/json",
          schema = @Schema(implementation = dev.pier.features.HistoricalJobs.HistoricalJob.class)))
  @Operation(summary = "Start a historical retrieval job (point in time, entity_source to a Parquet output)")
  @POST
  @Path("historical-jobs")
  @Consumes(MediaType.APPLICATION_JSON)
  @Authorize(Permission.FEATURES_READ)
  public jakarta.ws.rs.core.Response startHistoricalJob(JsonNode body) {
    FeatureRequests.Historical r = FeatureRequests.historicalJob(body);
    dev.pier.features.HistoricalJobs.HistoricalJob job = features.historicalJobs().start(r.features(), r.featureService(),
        r.entitySource(), r.output(), r.fullNames());
    return jakarta.ws.rs.core.Response.accepted(job)
        .header("Location", "/api/v1/features/historical-jobs/" + job.id()).build();
  }

  @Operation(summary = "Get a historical retrieval job")
  @jakarta.ws.rs.GET
  @Path("historical-jobs/{id}")
  @Authorize(Permission.FEATURES_READ)
  public dev.pier.features.HistoricalJobs.HistoricalJob historicalJob(@jakarta.ws.rs.PathParam("id") String id) {
    return features.historicalJobs().get(id);
  }
}
