package dev.pier.registry.api;

import dev.pier.kernel.paging.PageSize;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.json.RequestJson;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.CallerIdentity;
import dev.pier.kernel.security.Permission;
import dev.pier.registry.Alias;
import dev.pier.registry.ApprovalPolicy;
import dev.pier.registry.AuditEntry;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.Names;
import dev.pier.registry.Page;
import dev.pier.registry.RegisteredModel;
import dev.pier.tracking.TrackingStore;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Governance of models and versions: metadata changes with optimistic concurrency (ETag / If-Match, 412 on a stale
 * write), the review workflow (request, approve, reject), the audit history, deletion and search.
 */
@Tag(name = "Registry")
@Path("/api/v1/models")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class ModelGovernanceResource {
  private static final ObjectMapper JSON = RequestJson.mapper();
  private final ModelRegistry registry;
  private final TrackingStore tracking;
  private final VersionJobs jobs;
  private final VersionExperiments experiments;
  private final CallerIdentity caller;

  public ModelGovernanceResource(ModelRegistry registry, TrackingStore tracking, VersionJobs jobs,
      VersionExperiments experiments, CallerIdentity caller) {
    this.registry = registry;
    this.tracking = tracking;
    this.jobs = jobs;
    this.experiments = experiments;
    this.caller = caller;
  }

  /**
   * Changes a model's description, tags (merged; a null value removes the tag) and {@code approval_policy}
   * ({@code {"required": true, "approvals": 2, "protected_aliases": ["production"]}}, or null to follow the
   * platform default).
   */
  @APIResponse(responseCode = "200", description = "The model (ETag: its revision)",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = RegistryJson.Model.class)))
  @Operation(summary = "Update a model's description, tags and approval policy")
  @PATCH
  @Path("/{model}")
  @Authorize(Permission.REGISTER)
  public Response patchModel(@PathParam("model") String model, @HeaderParam("If-Match") String ifMatch, byte[] body) {
    JsonNode patch = RequestJson.readObject(body);
    RegisteredModel m = registry.models().update(model, revision(ifMatch), before -> new RegisteredModel(before.name(),
        before.latestVersion(), before.createdAt(), before.updatedAt(),
        patch.has("description") ? text(patch.get("description")) : before.description(),
        merge(before.tags(), patch.get("tags"), "tags", JsonNode::asText),
        patch.has("approval_policy") ? policy(patch.get("approval_policy")) : before.approval(),
        before.revision()), caller.principal());
    return Response.ok(RegistryJson.model(m, registry.aliases(m.name()))).tag(Long.toString(m.revision())).build();
  }

  /** Changes a version's description, tags, metrics, params and properties (maps merged; null removes a key). */
  @APIResponse(responseCode = "200", description = "The version (ETag: its revision)",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = RegistryJson.Version.class)))
  @Operation(summary = "Update a version's description, tags, metrics and params")
  @PATCH
  @Path("/{model}/versions/{version}")
  @Authorize(Permission.REGISTER)
  public Response patchVersion(@PathParam("model") String model, @PathParam("version") String version,
      @HeaderParam("If-Match") String ifMatch, byte[] body) {
    JsonNode patch = RequestJson.readObject(body);
    for (var it = patch.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!List.of("description", "tags", "metrics", "params", "properties", "capture").contains(f)) {
        throw PierException.badRequest("cannot change '" + f + "': a version's description, tags, metrics, params,"
            + " properties and capture can change; its artifact, framework and signature cannot");
      }
    }
    for (String reserved : VersionMetadata.RESERVED_PROPERTIES) {
      if (patch.path("properties").has(reserved)) {
        throw PierException.badRequest("cannot change properties." + reserved
            + ": PII-marked fields and the artifact signature are fixed at registration, like the signature");
      }
    }
    ModelVersion v = registry.versions().update(model, Names.versionParam(version), revision(ifMatch),
        before -> before.edited(new ModelVersion.Metadata(
            patch.has("description") ? text(patch.get("description")) : before.metadata().description(),
            merge(before.metadata().tags(), patch.get("tags"), "tags", JsonNode::asText),
            merge(before.metadata().metrics(), patch.get("metrics"), "metrics", n -> {
              if (!n.isNumber()) {
                throw PierException.badRequest("metrics: values must be numbers");
              }
              return n.doubleValue();
            }),
            merge(before.metadata().params(), patch.get("params"), "params", JsonNode::asText),
            withCapture(merge(before.metadata().properties(), patch.get("properties"), "properties",
                JsonNode::asText), patch.get("capture"))),
            Instant.now()),
        caller.principal(), null);
    return versionResponse(v);
  }

  /** {@code "capture": {"sample_rate": r}} sets the version's capture rate (0 turns capture off). */
  private static Map<String, String> withCapture(Map<String, String> properties, JsonNode capture) {
    if (capture == null) {
      return properties;
    }
    Map<String, String> out = new java.util.HashMap<>(properties);
    out.put(dev.pier.registry.ServingProperties.CAPTURE_SAMPLE_RATE, VersionMetadata.captureRate(capture, "capture"));
    return out;
  }

  @APIResponse(responseCode = "200", description = "The version with its review state",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = RegistryJson.Version.class)))
  @Operation(summary = "Request a review of a version")
  @POST
  @Path("/{model}/versions/{version}/review-request")
  @Authorize(Permission.REGISTER)
  public Response requestReview(@PathParam("model") String model, @PathParam("version") String version,
      byte[] body) {
    return versionResponse(registry.reviews().request(model, Names.versionParam(version),
        caller.principal(), comment(body)));
  }

  @APIResponse(responseCode = "200", description = "The version with its approvals",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = RegistryJson.Version.class)))
  @Operation(summary = "Approve a version")
  @POST
  @Path("/{model}/versions/{version}/approve")
  @Authorize(Permission.APPROVE)
  public Response approve(@PathParam("model") String model, @PathParam("version") String version, byte[] body) {
    return versionResponse(registry.reviews().approve(model, Names.versionParam(version),
        caller.principal(), comment(body)));
  }

  @APIResponse(responseCode = "200", description = "The version, rejected",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = RegistryJson.Version.class)))
  @Operation(summary = "Reject a version")
  @POST
  @Path("/{model}/versions/{version}/reject")
  @Authorize(Permission.APPROVE)
  public Response reject(@PathParam("model") String model, @PathParam("version") String version, byte[] body) {
    return versionResponse(registry.reviews().reject(model, Names.versionParam(version),
        caller.principal(), comment(body)));
  }

  /** 409 while an alias points at the version. */
  @APIResponse(responseCode = "204", description = "Deleted")
  @Operation(summary = "Delete a version")
  @DELETE
  @Path("/{model}/versions/{version}")
  @Authorize(Permission.DELETE)
  public Response deleteVersion(@PathParam("model") String model, @PathParam("version") String version) {
    registry.versions().delete(model, Names.versionParam(version), caller.principal());
    return Response.noContent().build();
  }

  /** Every status, stage, alias and policy change of the model: who, when, from → to; newest first. */
  @Operation(summary = "A model's change history")
  @GET
  @Path("/{model}/audit")
  @Authorize(Permission.READ)
  public RegistryJson.Audit audit(@PathParam("model") String model, @QueryParam("page_token") String pageToken,
      @QueryParam(PageSize.PARAM) String maxResults) {
    Page<AuditEntry> page = registry.audit(model, pageToken, PageSize.parse(maxResults).value());
    return new RegistryJson.Audit(page.items().stream().map(RegistryJson::entry).toList(), page.nextPageToken());
  }

  /**
   * The version's lineage graph. Upstream: its training run (with its experiment and status when Pier tracks it),
   * datasets, code, parent versions and engine, as registered. Downstream: the aliases that point at it, the
   * versions naming it as a parent, the SageMaker endpoint it is placed on, the batch jobs that scored with it and the
   * online experiments it was an arm of.
   */
  @Operation(summary = "A version's lineage")
  @GET
  @Path("/{model}/versions/{version}/lineage")
  @Authorize(Permission.READ)
  public RegistryJson.Lineage lineage(@PathParam("model") String model, @PathParam("version") String version) {
    ModelVersion v = registry.resolve(model, version);
    // upstream is the registered lineage document (free-form JSON) with the run and source added
    ObjectNode up = JsonNodeFactory.instance.objectNode();
    JsonNode lineage = null;
    if (v.provenance().lineage() != null) {
      try {
        lineage = JSON.readTree(v.provenance().lineage());
      } catch (IOException e) {
        throw new PierException(500, "stored lineage is not JSON", e);
      }
      lineage.fields().forEachRemaining(e -> up.set(e.getKey(), e.getValue()));
    }
    String runId = v.provenance().runId() != null ? v.provenance().runId() : lineage != null ? lineage.path("run").asText(null) : null;
    if (runId != null) {
      ObjectNode run = up.putObject("run").put("id", runId);
      try {
        var r = tracking.run(runId);
        run.put("experiment_id", r.experimentId()).put("status", r.status()).put("name", r.name());
      } catch (PierException e) {
        run.put("tracked", false); // a run Pier does not track (another MLflow server, a notebook)
      }
    }
    if (v.provenance().source() != null) {
      up.put("source", v.provenance().source());
    }
    RegistryJson.Downstream down = new RegistryJson.Downstream(
        registry.aliases(v.model()).stream().filter(a -> a.version() == v.version()
            || (a.canary() != null && a.canary().version() == v.version())).map(Alias::name).toList(),
        registry.searchIndex().children(v.model(), v.version()).stream()
            .map(c -> new RegistryJson.VersionRef(c.model(), c.version())).toList(),
        v.onEndpoint() ? List.of(v.placement().endpointFor(v.model(), v.version())) : List.of(),
        jobs.batchJobs(v.model(), v.version()), experiments.experiments(v.model(), v.version()));
    return new RegistryJson.Lineage(v.model(), v.version(), up, down);
  }

  private Response versionResponse(ModelVersion v) {
    return Response.ok(RegistryJson.version(v, registry.artifacts().bucket()))
        .tag(Long.toString(v.revision())).build();
  }


  private static Long revision(String ifMatch) {
    if (ifMatch == null || ifMatch.isBlank() || ifMatch.strip().equals("*")) {
      return null;
    }
    String tag = ifMatch.strip().replaceFirst("^W/", "").replace("\"", "");
    try {
      return Long.parseLong(tag);
    } catch (NumberFormatException e) {
      throw new PierException(412, "If-Match " + ifMatch + " is not an ETag this API gave out");
    }
  }

  private static String comment(byte[] body) {
    if (body == null || body.length == 0) {
      return null;
    }
    JsonNode c = RequestJson.readObject(body).get("comment");
    return c == null || c.isNull() ? null : c.asText();
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }

  private static <V> Map<String, V> merge(Map<String, V> before, JsonNode patch, String field,
      Function<JsonNode, V> value) {
    if (patch == null || patch.isNull()) {
      return before;
    }
    if (!patch.isObject()) {
      throw PierException.badRequest(field + " must be an object");
    }
    Map<String, V> out = new TreeMap<>(before);
    patch.fields().forEachRemaining(e -> {
      if (e.getValue().isNull()) {
        out.remove(e.getKey());
      } else {
        out.put(e.getKey(), value.apply(e.getValue()));
      }
    });
    return out;
  }

  private static ApprovalPolicy policy(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    var aliases = new HashSet<String>();
    if (n.has("protected_aliases")) {
      n.get("protected_aliases").forEach(a -> aliases.add(a.asText()));
    } else {
      aliases.add("production");
    }
    int approvals = n.path("approvals").asInt(1);
    if (approvals < 1) {
      throw PierException.badRequest("approval_policy.approvals must be at least 1");
    }
    return new ApprovalPolicy(n.path("required").asBoolean(false), approvals, aliases);
  }

}
