package dev.pier.registry.mlflow;

import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.S3SourcePolicy;
import dev.pier.security.ArtifactSignature;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.CallerIdentity;
import dev.pier.kernel.security.Permission;
import dev.pier.registry.Alias;
import dev.pier.kernel.engine.Framework;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.Names;
import dev.pier.registry.NewVersion;
import dev.pier.registry.Page;
import dev.pier.registry.RegisteredModel;
import dev.pier.registry.SearchFilter;
import dev.pier.registry.api.ServingChecks;
import dev.pier.tracking.Metric;
import dev.pier.tracking.Run;
import dev.pier.tracking.TrackingStore;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * MLflow's model-registry REST API (2.0) over Pier's registry: registered models, model versions, aliases, stages,
 * tags. A version whose {@code source} is in S3 ({@code s3://}, or Pier's own artifact store as
 * {@code mlflow-artifacts:/…} or {@code runs:/<run_id>/<path>}) is fetched into the content-addressed store, checked
 * by its engine and becomes servable (an MLflow model directory's {@code MLmodel} says which file and framework:
 * {@link MlflowModelDirectory}; else the tag {@code pier.framework} or the file name); any other source is recorded
 * and the version is marked not servable. Stage transitions move the aliases {@code production} and
 * {@code staging} ({@code Reviews#transitionStage}).
 */
@Tag(name = "MLflow")
@Path("/api/2.0/mlflow")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class MlflowRegistryResource {
  static final List<String> STAGES = List.of("None", "Staging", "Production", "Archived");
  private final ModelRegistry registry;
  private final TrackingStore tracking;
  private final AwsClients aws;
  private final S3SourcePolicy sources;
  private final ServingChecks serving;
  private final CallerIdentity caller;
  private final MlflowArtifactStore artifacts;

  public MlflowRegistryResource(ModelRegistry registry, TrackingStore tracking, AwsClients aws,
      S3SourcePolicy sources, ServingChecks serving, CallerIdentity caller) {
    this.registry = registry;
    this.tracking = tracking;
    this.aws = aws;
    this.sources = sources;
    this.serving = serving;
    this.caller = caller;
    this.artifacts = new MlflowArtifactStore(aws.s3(), tracking.artifactRoot());
  }

  // --- registered models ---

  @Operation(summary = "Create a registered model (MLflow)")
  @POST
  @Path("/registered-models/create")
  @Authorize(Permission.REGISTER)
  public String createModel(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    String name = r.required("name");
    RegisteredModel m;
    try {
      m = registry.models().create(name, r.optional("description"), r.keyValues("tags"), caller.principal());
    } catch (PierException e) {
      throw e.status() == 409 ? MlflowError.alreadyExists("Registered Model (name=" + name + ") already exists.")
          : e;
    }
    return MlflowJson.wrap("registered_model", modelJson(m));
  }

  @Operation(summary = "Get a registered model (MLflow)")
  @GET
  @Path("/registered-models/get")
  @Authorize(Permission.READ)
  public String getModel(@Context UriInfo uri) {
    return MlflowJson.wrap("registered_model", modelJson(registry.model(MlflowRequest.of(uri, null).required("name"))));
  }

  @Operation(summary = "Search registered models (MLflow)")
  @GET
  @Path("/registered-models/search")
  @Authorize(Permission.READ)
  public String searchModels(@Context UriInfo uri) {
    return searchModels(MlflowRequest.of(uri, null));
  }

  @Operation(summary = "Search registered models, POST form (MLflow)")
  @POST
  @Path("/registered-models/search")
  @Authorize(Permission.READ)
  public String searchModelsPost(@Context UriInfo uri, byte[] body) {
    return searchModels(MlflowRequest.of(uri, body));
  }

  private String searchModels(MlflowRequest r) {
    Page<RegisteredModel> page = registry.models().search(SearchFilter.parse(r.optional("filter")), r.list("order_by"),
        r.optional("page_token"), r.maxResults(100, 1000));
    return MlflowJson.page("registered_models", modelJsons(page.items()), page.nextPageToken());
  }

  @Operation(summary = "Update a registered model (MLflow)")
  @PATCH
  @Path("/registered-models/update")
  @Authorize(Permission.REGISTER)
  public String updateModel(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    String description = r.optional("description");
    RegisteredModel m = registry.models().update(r.required("name"), null, before -> new RegisteredModel(before.name(),
        before.latestVersion(), before.createdAt(), before.updatedAt(),
        description != null ? description : before.description(), before.tags(), before.approval(),
        before.revision()), caller.principal());
    return MlflowJson.wrap("registered_model", modelJson(m));
  }

  @Operation(summary = "Rename a registered model (MLflow)")
  @POST
  @Path("/registered-models/rename")
  @Authorize(Permission.REGISTER)
  public String renameModel(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    String newName = r.required("new_name");
    try {
      return MlflowJson.wrap("registered_model", modelJson(registry.models().rename(r.required("name"), newName,
          caller.principal())));
    } catch (PierException e) {
      throw e.status() == 409 ? MlflowError.alreadyExists("Registered Model (name=" + newName + ") already exists.")
          : e;
    }
  }

  @Operation(summary = "Delete a registered model (MLflow)")
  @DELETE
  @Path("/registered-models/delete")
  @Authorize(Permission.DELETE)
  public String deleteModel(@Context UriInfo uri, byte[] body) {
    registry.models().delete(MlflowRequest.of(uri, body).required("name"), caller.principal());
    return "{}";
  }

  @Operation(summary = "Set a registered model tag (MLflow)")
  @POST
  @Path("/registered-models/set-tag")
  @Authorize(Permission.REGISTER)
  public String setModelTag(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    String key = r.required("key");
    String value = r.optional("value");
    registry.models().update(r.required("name"), null, m -> withTags(m, key, value == null ? "" : value),
        caller.principal());
    return "{}";
  }

  @Operation(summary = "Delete a registered model tag (MLflow)")
  @DELETE
  @Path("/registered-models/delete-tag")
  @Authorize(Permission.REGISTER)
  public String deleteModelTag(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    String key = r.required("key");
    registry.models().update(r.required("name"), null, m -> withTags(m, key, null), caller.principal());
    return "{}";
  }

  private static RegisteredModel withTags(RegisteredModel m, String key, String value) {
    Map<String, String> tags = new TreeMap<>(m.tags());
    if (value == null) {
      tags.remove(key);
    } else {
      tags.put(key, value);
    }
    return new RegisteredModel(m.name(), m.latestVersion(), m.createdAt(), m.updatedAt(), m.description(), tags,
        m.approval(), m.revision());
  }

  @Operation(summary = "Get the latest versions per stage (MLflow)")
  @GET
  @Path("/registered-models/get-latest-versions")
  @Authorize(Permission.READ)
  public String latestVersions(@Context UriInfo uri) {
    return latestVersions(MlflowRequest.of(uri, null));
  }

  @Operation(summary = "Get the latest versions per stage, POST form (MLflow)")
  @POST
  @Path("/registered-models/get-latest-versions")
  @Authorize(Permission.READ)
  public String latestVersionsPost(@Context UriInfo uri, byte[] body) {
    return latestVersions(MlflowRequest.of(uri, body));
  }

  private String latestVersions(MlflowRequest r) {
    String name = r.required("name");
    registry.model(name);
    List<String> stages = r.list("stages").isEmpty() ? STAGES : r.list("stages").stream().map(s ->
        STAGES.stream().filter(x -> x.equalsIgnoreCase(s)).findFirst().orElseThrow(() ->
            PierException.badRequest("invalid stage '" + s + "': use None, Staging, Production or Archived"))).toList();
    List<Alias> aliases = registry.aliases(name);
    return MlflowJson.page("model_versions", latest(name, stages).stream().map(v -> MlflowJson.version(v, aliases))
        .toList(), null);
  }

  /** The highest version in each of {@code stages}. */
  private List<ModelVersion> latest(String model, List<String> stages) {
    return registry.latestVersions(model, stages);
  }

  @Operation(summary = "Set a registered model alias (MLflow)")
  @POST
  @Path("/registered-models/alias")
  @Authorize(Permission.ALIAS)
  public String setAlias(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    registry.setAlias(r.required("name"), r.required("alias"),
        new Alias.Target(Names.versionParam(r.required("version")), null), caller.principal());
    return "{}";
  }

  @Operation(summary = "Delete a registered model alias (MLflow)")
  @DELETE
  @Path("/registered-models/alias")
  @Authorize(Permission.ALIAS)
  public String deleteAlias(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    registry.aliases().delete(r.required("name"), r.required("alias"), caller.principal());
    return "{}";
  }

  @Operation(summary = "Get a model version by alias (MLflow)")
  @GET
  @Path("/registered-models/alias")
  @Authorize(Permission.READ)
  public String getByAlias(@Context UriInfo uri) {
    MlflowRequest r = MlflowRequest.of(uri, null);
    String name = r.required("name");
    ModelVersion v = registry.version(name, registry.alias(name, r.required("alias")).version());
    return MlflowJson.wrap("model_version", MlflowJson.version(v, registry.aliases(name)));
  }

  // --- model versions ---

  @Operation(summary = "Create a model version (MLflow)")
  @POST
  @Path("/model-versions/create")
  @Authorize(Permission.REGISTER)
  public String createVersion(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    String name = r.required("name");
    String source = r.required("source");
    String runId = r.optional("run_id");
    RunsUri runs = RunsUri.parse(source);
    if (runs != null) {
      if (runId == null || runId.isEmpty()) {
        runId = runs.runId();
      } else if (!runId.equals(runs.runId())) {
        throw PierException.badRequest("run_id '" + runId + "' is not the run of source '" + source + "'");
      }
    }
    Map<String, String> tags = r.keyValues("tags");
    Names.checkModel(name);
    Map<String, Double> metrics = new TreeMap<>();
    Map<String, String> params = new TreeMap<>();
    if (runId != null && !runId.isEmpty()) {
      try {
        Run run = tracking.run(runId);
        for (Metric m : run.metrics()) {
          metrics.put(m.key(), m.value());
        }
        params.putAll(run.params());
      } catch (PierException e) {
        if (e.status() != 404) {
          throw e;
        }
      }
    }
    // MLflow clients sign with a tag: pier.artifact-signature, the same value as metadata.artifact_signature
    String artifactSignature = tags.get(ArtifactSignature.PROPERTY);
    NewVersion request = new NewVersion(null, null, new ModelVersion.Metadata(r.optional("description"), tags,
        metrics, params, artifactSignature == null ? Map.of() : Map.of(ArtifactSignature.PROPERTY, artifactSignature)),
        null, new ModelVersion.Provenance(source, runId, null));
    String location = fetchLocation(source, runs);
    if (location != null) {
      registry.model(name); // MLflow: the registered model must exist (asked before any bytes are fetched)
    }
    // by reference, the model's existence is told by the read the version number comes from (one read, not two)
    ModelVersion v = location != null ? fetchAndRegister(name, request, tags, location)
        : registry.registerReference(name, request.withFramework(hint(tags)), "source '" + source + "' is neither"
            + " in S3 nor in Pier's MLflow artifact store (runs:/<run_id>/<path>, mlflow-artifacts:/<path>), so Pier"
            + " holds no artifact to serve", caller.principal(), true);
    return MlflowJson.wrap("model_version", MlflowJson.version(v, List.of()));
  }

  private static Framework hint(Map<String, String> tags) {
    String f = tags.get("pier.framework");
    if (f == null) {
      return null;
    }
    try {
      return Framework.parse(f);
    } catch (PierException e) {
      throw PierException.badRequest("tag pier.framework: " + e.getMessage());
    }
  }

  /**
   * The S3 location a source's bytes are fetched from: an {@code s3://} source itself, an {@code mlflow-artifacts:}
   * one in the artifact proxy's store, a {@code runs:/} one under its run's artifact location (400 naming a run
   * that does not exist); null for anything else (dbfs:, file:, a run whose artifacts are elsewhere).
   */
  private String fetchLocation(String source, RunsUri runs) {
    if (SourceImport.isS3(source)) {
      return source;
    }
    if (source.startsWith(MlflowArtifactStore.SCHEME)) {
      return artifacts.s3Uri(MlflowArtifactStore.relative(source));
    }
    if (runs == null) {
      return null;
    }
    Run run;
    try {
      run = tracking.run(runs.runId());
    } catch (PierException e) {
      throw e.status() == 404 ? PierException.badRequest("source '" + source + "' names run '" + runs.runId()
          + "', which does not exist") : e;
    }
    String root = run.artifactUri().replaceAll("/+$", "");
    return SourceImport.isS3(root) ? root + "/" + MlflowArtifactStore.checked(runs.path()) : null;
  }

  private ModelVersion fetchAndRegister(String name, NewVersion request, Map<String, String> tags, String location) {
    java.nio.file.Path dir;
    try {
      dir = Files.createTempDirectory("pier-mlflow-source");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      SourceImport.Fetched fetched;
      try {
        fetched = SourceImport.fetch(aws.s3(), sources, location, dir);
      } catch (PierException e) {
        if (e.status() >= 500 || e.status() == 403) {
          throw e; // a location callers may not name is refused, not recorded
        }
        return registry.registerReference(name, request.withFramework(hint(tags)), e.getMessage(),
            caller.principal(), true);
      }
      Framework framework = hint(tags) != null ? hint(tags) : fetched.framework();
      if (framework == null) {
        return registry.registerReference(name, request, "could not tell the framework of '" + fetched.key()
            + "' from its name; set the tag pier.framework", caller.principal(), true);
      }
      NewVersion withFramework = request.withFramework(framework);
      if (!serving.serves(framework)) {
        // bytes fetched in Pier's name are stored only once an engine has opened them as a model of that framework
        return registry.registerReference(name, withFramework, "this build has no " + framework.id() + " engine to"
            + " check '" + fetched.key() + "', so Pier does not store it; register the file itself"
            + " (POST /api/v1/models/{model}/versions) or use a build with that engine", caller.principal(), true);
      }
      try {
        withFramework = withFramework.withSignature(serving.check(framework, fetched.file(),
            fetched.declared()));
      } catch (PierException e) {
        return registry.registerReference(name, withFramework, "the " + framework.id() + " engine could not load '"
            + fetched.key() + "': " + e.getMessage(), caller.principal(), true);
      }
      return registry.register(name, withFramework, fetched.file(), null, caller.principal());
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // temporary files only
      }
    }
  }

  @Operation(summary = "Get a model version (MLflow)")
  @GET
  @Path("/model-versions/get")
  @Authorize(Permission.READ)
  public String getVersion(@Context UriInfo uri) {
    MlflowRequest r = MlflowRequest.of(uri, null);
    String name = r.required("name");
    ModelVersion v = registry.version(name, Names.versionParam(r.required("version")));
    return MlflowJson.wrap("model_version", MlflowJson.version(v, registry.aliases(name)));
  }

  @Operation(summary = "Update a model version (MLflow)")
  @PATCH
  @Path("/model-versions/update")
  @Authorize(Permission.REGISTER)
  public String updateVersion(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    String name = r.required("name");
    String description = r.optional("description");
    ModelVersion v = registry.versions().update(name, Names.versionParam(r.required("version")), null,
        before -> description == null ? before : before.edited(new ModelVersion.Metadata(description,
            before.metadata().tags(), before.metadata().metrics(), before.metadata().params(),
            before.metadata().properties()), java.time.Instant.now()),
        caller.principal(), null);
    return MlflowJson.wrap("model_version", MlflowJson.version(v, registry.aliases(name)));
  }

  @Operation(summary = "Delete a model version (MLflow)")
  @DELETE
  @Path("/model-versions/delete")
  @Authorize(Permission.DELETE)
  public String deleteVersion(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    registry.versions().delete(r.required("name"), Names.versionParam(r.required("version")), caller.principal());
    return "{}";
  }

  @Operation(summary = "Search model versions (MLflow)")
  @GET
  @Path("/model-versions/search")
  @Authorize(Permission.READ)
  public String searchVersions(@Context UriInfo uri) {
    return searchVersions(MlflowRequest.of(uri, null));
  }

  @Operation(summary = "Search model versions, POST form (MLflow)")
  @POST
  @Path("/model-versions/search")
  @Authorize(Permission.READ)
  public String searchVersionsPost(@Context UriInfo uri, byte[] body) {
    return searchVersions(MlflowRequest.of(uri, body));
  }

  private String searchVersions(MlflowRequest r) {
    Page<ModelVersion> page = registry.search(SearchFilter.parse(r.optional("filter")), r.list("order_by"),
        r.optional("page_token"), r.maxResults(200, 1000));
    Map<String, List<Alias>> aliases = new HashMap<>();
    return MlflowJson.page("model_versions", page.items().stream()
        .map(v -> MlflowJson.version(v, aliases.computeIfAbsent(v.model(), registry::aliases))).toList(),
        page.nextPageToken());
  }

  @Operation(summary = "Get a model version's download URI (MLflow)")
  @GET
  @Path("/model-versions/get-download-uri")
  @Authorize(Permission.READ)
  public String downloadUri(@Context UriInfo uri) {
    MlflowRequest r = MlflowRequest.of(uri, null);
    ModelVersion v = registry.version(r.required("name"), Names.versionParam(r.required("version")));
    String location = v.artifact().servable() ? "s3://" + registry.artifacts().bucket() + "/" + v.artifact().key() : v.provenance().source();
    return MlflowJson.wrap("artifact_uri", location);
  }

  @Operation(summary = "Transition a model version to a stage (MLflow)")
  @POST
  @Path("/model-versions/transition-stage")
  @Authorize(Permission.ALIAS)
  public String transitionStage(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    String name = r.required("name");
    ModelVersion v = registry.reviews().transitionStage(name, Names.versionParam(r.required("version")), r.required("stage"),
        r.flag("archive_existing_versions"), caller.principal());
    return MlflowJson.wrap("model_version", MlflowJson.version(v, registry.aliases(name)));
  }

  @Operation(summary = "Set a model version tag (MLflow)")
  @POST
  @Path("/model-versions/set-tag")
  @Authorize(Permission.REGISTER)
  public String setVersionTag(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    String key = r.required("key");
    String value = r.optional("value");
    changeVersionTag(r, key, value == null ? "" : value);
    return "{}";
  }

  @Operation(summary = "Delete a model version tag (MLflow)")
  @DELETE
  @Path("/model-versions/delete-tag")
  @Authorize(Permission.REGISTER)
  public String deleteVersionTag(@Context UriInfo uri, byte[] body) {
    MlflowRequest r = MlflowRequest.of(uri, body);
    changeVersionTag(r, r.required("key"), null);
    return "{}";
  }

  private void changeVersionTag(MlflowRequest r, String key, String value) {
    registry.versions().update(r.required("name"), Names.versionParam(r.required("version")), null, v -> {
      Map<String, String> tags = new TreeMap<>(v.metadata().tags());
      if (value == null) {
        tags.remove(key);
      } else {
        tags.put(key, value);
      }
      return v.edited(new ModelVersion.Metadata(v.metadata().description(), tags, v.metadata().metrics(),
          v.metadata().params(), v.metadata().properties()), java.time.Instant.now());
    }, caller.principal(), null);
  }

  // --- helpers ---

  /**
   * The models of a page as MLflow answers them, each with its latest versions per stage and its aliases: a few
   * small reads per model, made for all the page's models at once (virtual threads) rather than one model after
   * another, so a page costs about one model's round trips.
   */
  private List<MlflowJson.Model> modelJsons(List<RegisteredModel> models) {
    if (models.size() < 2) {
      return models.stream().map(this::modelJson).toList();
    }
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      List<java.util.concurrent.Future<MlflowJson.Model>> answers = models.stream()
          .map(m -> pool.submit(() -> modelJson(m))).toList();
      List<MlflowJson.Model> out = new java.util.ArrayList<>(answers.size());
      for (var answer : answers) {
        try {
          out.add(answer.get());
        } catch (java.util.concurrent.ExecutionException e) {
          throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw PierException.unavailable("interrupted while listing models; retry", e);
        }
      }
      return out;
    }
  }

  private MlflowJson.Model modelJson(RegisteredModel m) {
    return MlflowJson.model(m, latest(m.name(), STAGES), registry.aliases(m.name()));
  }


}
