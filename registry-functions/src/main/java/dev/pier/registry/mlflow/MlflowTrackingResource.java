package dev.pier.registry.mlflow;

import static dev.pier.registry.mlflow.MlflowJson.wrap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.json.RequestJson;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import dev.pier.registry.Page;
import dev.pier.tracking.Experiment;
import dev.pier.tracking.Metric;
import dev.pier.tracking.Run;
import dev.pier.tracking.TrackingStore;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** MLflow's tracking REST API (2.0): experiments, runs, params, tags, metrics and their history. */
@Tag(name = "MLflow")
@Path("/api/2.0/mlflow")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class MlflowTrackingResource {
  private static final ObjectMapper LOGGED = RequestJson.mapper();
  private final TrackingStore tracking;
  private final MlflowArtifactStore artifacts;

  public MlflowTrackingResource(TrackingStore tracking, AwsClients aws) {
    this.tracking = tracking;
    this.artifacts = new MlflowArtifactStore(aws.s3(), tracking.artifactRoot());
  }

  // --- experiments ---

  @Operation(summary = "Create an experiment (MLflow tracking)")
  @POST
  @Path("/experiments/create")
  @Authorize(Permission.REGISTER)
  public String createExperiment(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    String name = r.required("name");
    try {
      return wrap("experiment_id",
          tracking.createExperiment(name, artifacts.toStored(r.optional("artifact_location")), r.keyValues("tags")));
    } catch (PierException e) {
      throw e.status() == 409 ? MlflowError.alreadyExists("Experiment '" + name + "' already exists.") : e;
    }
  }

  @Operation(summary = "Get an experiment (MLflow tracking)")
  @GET
  @Path("/experiments/get")
  @Authorize(Permission.READ)
  public String getExperiment(@Context UriInfo uri) {
    return wrap("experiment", MlflowJson.experiment(tracking.experiment(
        MlflowRequest.of(uri, null).required("experiment_id")), artifacts::toClient));
  }

  @Operation(summary = "Get an experiment by name (MLflow tracking)")
  @GET
  @Path("/experiments/get-by-name")
  @Authorize(Permission.READ)
  public String getExperimentByName(@Context UriInfo uri) {
    return wrap("experiment", MlflowJson.experiment(tracking.experimentByName(
        MlflowRequest.of(uri, null).required("experiment_name")), artifacts::toClient));
  }

  @Operation(summary = "Search experiments, POST form (MLflow tracking)")
  @POST
  @Path("/experiments/search")
  @Authorize(Permission.READ)
  public String searchExperimentsPost(@Context UriInfo uri, byte[] body) {
    return searchExperiments(MlflowRequest.of(uri, body));
  }

  @Operation(summary = "Search experiments (MLflow tracking)")
  @GET
  @Path("/experiments/search")
  @Authorize(Permission.READ)
  public String searchExperiments(@Context UriInfo uri) {
    return searchExperiments(MlflowRequest.of(uri, null));
  }

  private String searchExperiments(MlflowRequest r) {
    Page<Experiment> page = tracking.searchExperiments(r.optional("filter"), r.list("order_by"),
        r.optional("view_type"), r.optional("page_token"), r.maxResults(1000, 50000));
    return MlflowJson.page("experiments",
        page.items().stream().map(e -> MlflowJson.experiment(e, artifacts::toClient)).toList(),
        page.nextPageToken());
  }

  @Operation(summary = "Set an experiment tag (MLflow tracking)")
  @POST
  @Path("/experiments/set-experiment-tag")
  @Authorize(Permission.REGISTER)
  public String setExperimentTag(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    tracking.setExperimentTag(r.required("experiment_id"), r.required("key"), r.optional("value"));
    return "{}";
  }

  // --- runs ---

  @Operation(summary = "Create a run (MLflow tracking)")
  @POST
  @Path("/runs/create")
  @Authorize(Permission.REGISTER)
  public String createRun(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    Run run = tracking.createRun(r.optional("experiment_id"), r.optional("run_name"), r.optional("user_id"),
        r.number("start_time", 0), r.keyValues("tags"));
    return wrap("run", MlflowJson.run(run, artifacts::toClient));
  }

  @Operation(summary = "Get a run (MLflow tracking)")
  @GET
  @Path("/runs/get")
  @Authorize(Permission.READ)
  public String getRun(@Context UriInfo uri) {
    return wrap("run", MlflowJson.run(tracking.run(MlflowRequest.of(uri, null).either("run_id", "run_uuid")),
        artifacts::toClient));
  }

  @Operation(summary = "Update a run (MLflow tracking)")
  @POST
  @Path("/runs/update")
  @Authorize(Permission.REGISTER)
  public String updateRun(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    Run run = tracking.updateRun(r.either("run_id", "run_uuid"), r.optional("status"), r.number("end_time", 0),
        r.optional("run_name"));
    return wrap("run_info", MlflowJson.runInfo(run, artifacts::toClient));
  }

  @Operation(summary = "Delete a run (MLflow tracking)")
  @POST
  @Path("/runs/delete")
  @Authorize(Permission.DELETE)
  public String deleteRun(@Context UriInfo uri, byte[] body) {
    tracking.deleteRun(MlflowRequest.of(uri, body).required("run_id"));
    return "{}";
  }

  @Operation(summary = "Restore a deleted run (MLflow tracking)")
  @POST
  @Path("/runs/restore")
  @Authorize(Permission.REGISTER)
  public String restoreRun(@Context UriInfo uri, byte[] body) {
    tracking.restoreRun(MlflowRequest.of(uri, body).required("run_id"));
    return "{}";
  }

  @Operation(summary = "Log a metric (MLflow tracking)")
  @POST
  @Path("/runs/log-metric")
  @Authorize(Permission.REGISTER)
  public String logMetric(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    tracking.logMetric(r.either("run_id", "run_uuid"), new Metric(r.required("key"), r.decimal("value"),
        r.number("timestamp", System.currentTimeMillis()), r.number("step", 0)));
    return "{}";
  }

  @Operation(summary = "Log a parameter (MLflow tracking)")
  @POST
  @Path("/runs/log-parameter")
  @Authorize(Permission.REGISTER)
  public String logParam(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    tracking.logParam(r.either("run_id", "run_uuid"), r.required("key"), r.optional("value"));
    return "{}";
  }

  @Operation(summary = "Set a run tag (MLflow tracking)")
  @POST
  @Path("/runs/set-tag")
  @Authorize(Permission.REGISTER)
  public String setTag(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    tracking.setTag(r.either("run_id", "run_uuid"), r.required("key"), r.optional("value"));
    return "{}";
  }

  @Operation(summary = "Delete a run tag (MLflow tracking)")
  @POST
  @Path("/runs/delete-tag")
  @Authorize(Permission.REGISTER)
  public String deleteTag(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    tracking.deleteTag(r.required("run_id"), r.required("key"));
    return "{}";
  }

  @Operation(summary = "Log metrics, params and tags in one call (MLflow tracking)")
  @POST
  @Path("/runs/log-batch")
  @Authorize(Permission.REGISTER)
  public String logBatch(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    List<Metric> metrics = new ArrayList<>();
    JsonNode m = r.node("metrics");
    if (m != null && m.isArray()) {
      long now = System.currentTimeMillis();
      for (JsonNode e : m) {
        if (!e.hasNonNull("key") || !e.has("value")) {
          throw PierException.badRequest("every entry of 'metrics' needs a key and a value");
        }
        JsonNode v = e.get("value");
        double value = v.isNumber() ? v.doubleValue() : switch (v.asText()) {
          case "NaN" -> Double.NaN;
          case "Infinity" -> Double.POSITIVE_INFINITY;
          case "-Infinity" -> Double.NEGATIVE_INFINITY;
          default -> throw PierException.badRequest("metric '" + e.get("key").asText() + "': value must be a number");
        };
        metrics.add(new Metric(e.get("key").asText(), value, e.path("timestamp").asLong(now),
            e.path("step").asLong(0)));
      }
    }
    Map<String, String> params = new LinkedHashMap<>(r.keyValues("params"));
    tracking.logBatch(r.required("run_id"), metrics, params, r.keyValues("tags"));
    return "{}";
  }

  /** MLflow's run tag holding the models logged to a run, a JSON list appended to by {@code runs/log-model}. */
  static final String LOGGED_MODELS = "mlflow.log-model.history";

  @POST
  @Path("/runs/log-model")
  @Authorize(Permission.REGISTER)
  @Operation(summary = "Record a model logged to a run (MLflow's LogModel): appended to the run's tag "
      + LOGGED_MODELS)
  public String logModel(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    String runId = r.required("run_id");
    String modelJson = r.required("model_json");
    JsonNode model;
    try {
      model = LOGGED.readTree(modelJson);
    } catch (IOException e) {
      model = null;
    }
    if (model == null || !model.isObject()) {
      throw PierException.badRequest("Malformed model info. \n " + modelJson + " \n is not a valid JSON.");
    }
    List<String> missing = new ArrayList<>();
    for (String field : List.of("artifact_path", "flavors", "utc_time_created", "run_id")) {
      if (!model.has(field)) {
        missing.add(field);
      }
    }
    if (!missing.isEmpty()) {
      throw PierException.badRequest("Model json is missing mandatory fields: " + missing);
    }
    Run run = tracking.run(runId);
    ArrayNode history = LOGGED.createArrayNode();
    String before = run.tags().get(LOGGED_MODELS);
    if (before != null) {
      try {
        JsonNode earlier = LOGGED.readTree(before);
        if (earlier != null && earlier.isArray()) {
          history.addAll((ArrayNode) earlier);
        }
      } catch (IOException e) {
        // a tag someone set by hand that is not a list: start the history over, as MLflow would fail to read it
      }
    }
    history.add(model);
    tracking.setTag(runId, LOGGED_MODELS, history.toString());
    return "{}";
  }

  @Operation(summary = "Search runs, POST form (MLflow tracking)")
  @POST
  @Path("/runs/search")
  @Authorize(Permission.READ)
  public String searchRunsPost(@Context UriInfo uri, byte[] body) {
    return searchRuns(MlflowRequest.of(uri, body));
  }

  @Operation(summary = "Search runs (MLflow tracking)")
  @GET
  @Path("/runs/search")
  @Authorize(Permission.READ)
  public String searchRuns(@Context UriInfo uri) {
    return searchRuns(MlflowRequest.of(uri, null));
  }

  private String searchRuns(MlflowRequest r) {
    String view = r.optional("run_view_type");
    Page<Run> page = tracking.searchRuns(r.list("experiment_ids"), r.optional("filter"), view, r.list("order_by"),
        r.optional("page_token"), r.maxResults(1000, 50000));
    return MlflowJson.page("runs", page.items().stream().map(x -> MlflowJson.run(x, artifacts::toClient)).toList(), page.nextPageToken());
  }

  @Operation(summary = "A metric's history (MLflow tracking)")
  @GET
  @Path("/metrics/get-history")
  @Authorize(Permission.READ)
  public String metricHistory(@Context UriInfo uri) {
    MlflowRequest r = MlflowRequest.of(uri, null);
    return MlflowJson.page("metrics", tracking.metricHistory(r.either("run_id", "run_uuid"),
        r.required("metric_key")).stream().map(MlflowJson::metric).toList(), null);
  }

  // --- artifacts ---

  @GET
  @Path("/artifacts/list")
  @Authorize(Permission.READ)
  @Operation(summary = "List a run's artifacts under path (MLflow's ListArtifacts): root_uri and files, paths"
      + " relative to the run's artifact root")
  public String listArtifacts(@Context UriInfo uri) {
    MlflowRequest r = MlflowRequest.of(uri, null);
    Run run = tracking.run(r.either("run_id", "run_uuid"));
    String root = artifacts.toClient(run.artifactUri());
    if (!root.startsWith(MlflowArtifactStore.SCHEME)) {
      throw PierException.badRequest("run '" + run.runId() + "' keeps its artifacts at " + root
          + ", outside Pier's artifact store, so Pier cannot list them");
    }
    String path = MlflowArtifactStore.checked(r.optional("path") == null ? ""
        : r.optional("path").replaceAll("^/+|/+$", ""));
    String base = MlflowArtifactStore.relative(root);
    List<Map<String, Object>> files = new ArrayList<>();
    for (MlflowArtifactStore.FileInfo f : artifacts.list(path.isEmpty() ? base : base + "/" + path)) {
      files.add(MlflowArtifactsResource.fileInfo(new MlflowArtifactStore.FileInfo(
          path.isEmpty() ? f.path() : path + "/" + f.path(), f.isDir(), f.fileSize())));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("root_uri", root);
    if (!files.isEmpty()) {
      body.put("files", files);
    }
    return MlflowJson.write(body);
  }
}
