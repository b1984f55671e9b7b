package dev.pier.registry.api;

import dev.pier.kernel.paging.PageSize;
import dev.pier.kernel.PierException;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.CallerIdentity;
import dev.pier.kernel.security.Permission;
import dev.pier.registry.Alias;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.Names;
import dev.pier.registry.NewVersion;
import dev.pier.registry.Page;
import dev.pier.registry.RegisteredModel;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The registry's control plane: models, versions and aliases. */
@Tag(name = "Registry")
@Path("/api/v1/models")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class ModelResource {
  private final UploadDirectory uploads;
  private final ModelRegistry registry;
  private final ServingChecks serving;
  private final CallerIdentity caller;
  private final Instance<AliasGate> gates;

  public ModelResource(ModelRegistry registry, ServingChecks serving, CallerIdentity caller, Instance<AliasGate> gates,
      UploadDirectory uploads) {
    this.uploads = uploads;
    this.registry = registry;
    this.serving = serving;
    this.caller = caller;
    this.gates = gates;
  }

  @Operation(summary = "List models")
  @GET
  @Authorize(value = Permission.READ, anyModel = true)
  public RegistryJson.Models models(@QueryParam("page_token") String pageToken,
      @QueryParam(PageSize.PARAM) String maxResults) {
    Page<RegisteredModel> page = registry.models(pageToken, PageSize.parse(maxResults).value());
    // a caller granted only some models sees only those
    return new RegistryJson.Models(page.items().stream().filter(m -> caller.allows(Permission.READ, m.name()))
        .map(m -> RegistryJson.model(m, null)).toList(), page.nextPageToken());
  }

  @APIResponse(responseCode = "200", description = "The model with its aliases (ETag: its revision)",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = RegistryJson.Model.class)))
  @Operation(summary = "Get a model")
  @GET
  @Path("/{model}")
  @Authorize(Permission.READ)
  public Response model(@PathParam("model") String model) {
    RegisteredModel m = registry.model(model);
    return Response.ok(RegistryJson.model(m, registry.aliases(model))).tag(Long.toString(m.revision()))
        .build();
  }

  /**
   * Registers a new version from a multipart body: part {@code artifact} (the file) and part {@code metadata}
   * (JSON, as a field or a file). Where this build has the framework's engine, the artifact is loaded once to check
   * it; the signature the model carries (ONNX, XGBoost, SavedModel) takes the place of any in the metadata, and for
   * TorchScript, which carries none, the engine requires the declared one and checks it against the model.
   */
  @APIResponse(responseCode = "201", description = "The version registered (Location: its URL)",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = RegistryJson.Version.class)))
  @Operation(summary = "Register a model version")
  @POST
  @Path("/{model}/versions")
  @Authorize(Permission.REGISTER)
  @Consumes(MediaType.MULTIPART_FORM_DATA)
  public Response register(@PathParam("model") String model,
      @RestForm("artifact") FileUpload artifact,
      @RestForm("metadata") String metadata,
      @RestForm(FileUpload.ALL) List<FileUpload> files,
      @HeaderParam("Idempotency-Key") String idempotencyKey) {
    Names.checkModel(model);
    if (artifact == null) {
      throw PierException.badRequest("multipart part 'artifact' (the model file) is required");
    }
    if (metadata == null) {
      metadata = files.stream().filter(f -> f.name().equals("metadata")).findFirst().map(f -> {
        try {
          return Files.readString(f.uploadedFile());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).orElse(null);
    }
    NewVersion request = VersionMetadata.parse(metadata, serving);
    ModelVersion version;
    try (UploadDirectory.InFlight held = uploads.begin()) { // its files outlive the sweep's grace if need be
      // before any engine opens the bytes
      registry.versions().checkSignature(artifact.uploadedFile(), request.metadata().properties());
      request = request.withSignature(serving.check(request.framework(), artifact.uploadedFile(),
          request.signature()));
      version = registry.register(model, request, artifact.uploadedFile(), idempotencyKey, caller.principal());
    }
    return Response.created(URI.create("/api/v1/models/" + model + "/versions/" + version.version()))
        .entity(versionJson(version)).type(MediaType.APPLICATION_JSON_TYPE).build();
  }

  @Operation(summary = "List a model's versions")
  @GET
  @Path("/{model}/versions")
  @Authorize(Permission.READ)
  public RegistryJson.Versions versions(@PathParam("model") String model, @QueryParam("page_token") String pageToken,
      @QueryParam(PageSize.PARAM) String maxResults) {
    Page<ModelVersion> page = registry.versions(model, pageToken, PageSize.parse(maxResults).value());
    return new RegistryJson.Versions(page.items().stream().map(this::versionJson).toList(), page.nextPageToken());
  }

  /** {@code {version}} is a number or an alias. */
  @APIResponse(responseCode = "200", description = "The version (ETag: its revision)",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = RegistryJson.Version.class)))
  @Operation(summary = "Get a model version (by number or alias)")
  @GET
  @Path("/{model}/versions/{version}")
  @Authorize(Permission.READ)
  public Response version(@PathParam("model") String model, @PathParam("version") String version) {
    ModelVersion v = registry.resolve(model, version);
    return Response.ok(versionJson(v)).tag(Long.toString(v.revision())).build();
  }

  @APIResponse(responseCode = "200", description = "The alias, moved",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = RegistryJson.AliasBody.class)))
  @APIResponse(responseCode = "202", description = "Held until the version's SageMaker endpoint is InService (where "
      + "endpoint deployment is on): the deployment that will move it",
      content = @Content(mediaType = "application/json", schema = @Schema(type = SchemaType.OBJECT,
          description = "The endpoint deployment, as GET /api/v1/models/{model}/versions/{version}/endpoint shows it")))
  @Operation(summary = "Move an alias (with an optional canary)")
  @PUT
  @Path("/{model}/aliases/{alias}")
  @Authorize(Permission.ALIAS)
  public Response setAlias(@PathParam("model") String model, @PathParam("alias") String alias, byte[] body) {
    Alias.Target target = AliasTargetJson.parse(body);
    if (target.canary() == null && !gates.isUnsatisfied()) {
      for (AliasGate gate : gates) {
        Object held = gate.hold(model, target.version(), alias, caller.principal());
        if (held != null) {
          return Response.accepted(held).build();
        }
      }
    }
    return Response.ok(RegistryJson.alias(registry.setAlias(model, alias, target, caller.principal()))).build();
  }

  /** Returns the alias to its previous target; 409 when it has none. */
  @Operation(summary = "Roll an alias back")
  @POST
  @Path("/{model}/aliases/{alias}/rollback")
  @Authorize(Permission.ALIAS)
  public RegistryJson.AliasBody rollback(@PathParam("model") String model, @PathParam("alias") String alias) {
    return RegistryJson.alias(registry.aliases().rollback(model, alias, caller.principal()));
  }

  @Operation(summary = "An alias's history")
  @GET
  @Path("/{model}/aliases/{alias}/history")
  @Authorize(Permission.READ)
  public RegistryJson.History history(@PathParam("model") String model, @PathParam("alias") String alias,
      @QueryParam(PageSize.PARAM) String maxResults) {
    int size = PageSize.parse(maxResults).value();
    return new RegistryJson.History(registry.aliases().history(model, alias, size).stream()
        .map(RegistryJson::change).toList());
  }

  @Operation(summary = "Get an alias")
  @GET
  @Path("/{model}/aliases/{alias}")
  @Authorize(Permission.READ)
  public RegistryJson.AliasBody alias(@PathParam("model") String model, @PathParam("alias") String alias) {
    return RegistryJson.alias(registry.alias(model, alias));
  }

  private RegistryJson.Version versionJson(ModelVersion v) {
    return RegistryJson.version(v, registry.artifacts().bucket());
  }

}
