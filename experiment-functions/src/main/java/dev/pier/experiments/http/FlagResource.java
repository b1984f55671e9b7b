package dev.pier.experiments.http;

import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.experiments.flags.Evaluation;
import dev.pier.experiments.flags.Flag;
import dev.pier.experiments.flags.FlagJson;
import dev.pier.experiments.flags.Flags;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code /api/v1/flags}: create, change, read, evaluate flags, and take the exposures providers report. The listing
 * carries an ETag (over every flag's key and revision) so providers that poll it get {@code 304} while nothing changed.
 */
@Tag(name = "Flags")
@Path("/api/v1/flags")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class FlagResource {

  private final Flags flags;
  private final dev.pier.kernel.security.CallerIdentity caller;

  @Inject
  public FlagResource(Flags flags, dev.pier.kernel.security.CallerIdentity caller) {
    this.flags = flags;
    this.caller = caller;
  }

  @APIResponse(responseCode = "201", description = "The flag (Location: its URL)",
      content = @Content(mediaType = "application/json",
          schema = @Schema(type = SchemaType.OBJECT,
              description = "A feature flag: key, description, enabled, variants, off_variant, rules, rollout,"
                  + " seed, revision")))
  @Operation(summary = "Create a feature flag")
  @POST
  @Authorize(Permission.ALIAS)
  public Response create(JsonNode body) {
    Flag flag = flags.create(body);
    return Response.created(URI.create("/api/v1/flags/" + flag.key())).entity(FlagJson.write(flag)).build();
  }

  @APIResponse(responseCode = "200", description = "{flags: [...], experiments: [...], holdouts: [...]} (ETag: the"
      + " listing's version)",
      content = @Content(mediaType = "application/json",
          schema = @Schema(type = SchemaType.OBJECT, description = "{flags: [flag, ...], experiments: [the running"
              + " experiments on flags: id, flag, layer, seed, arms, targeting], holdouts: [the global holdout's seed"
              + " and share]}")))
  @APIResponse(responseCode = "304", description = "Unchanged since If-None-Match")
  @Operation(summary = "List feature flags")
  @GET
  @Authorize(Permission.READ)
  public Response list(@HeaderParam("If-None-Match") String ifNoneMatch) {
    Flags.Listing listing = flags.listing();
    EntityTag tag = new EntityTag(listing.etag());
    if (ifNoneMatch != null && ifNoneMatch.replace("\"", "").equals(listing.etag())) {
      return Response.notModified(tag).build();
    }
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    var array = body.putArray("flags");
    listing.flags().forEach(f -> array.add(FlagJson.write(f)));
    body.setAll(listing.experiments().toJson()); // "experiments" and "holdouts": the providers place units alike
    return Response.ok(body).tag(tag).build();
  }

  @APIResponse(responseCode = "200", description = "The flag",
      content = @Content(mediaType = "application/json",
          schema = @Schema(type = SchemaType.OBJECT,
              description = "A feature flag: key, description, enabled, variants, off_variant, rules, rollout,"
                  + " seed, revision")))
  @Operation(summary = "Get a feature flag")
  @GET
  @Path("/{key}")
  @Authorize(Permission.READ)
  public ObjectNode get(@PathParam("key") String key) {
    return FlagJson.write(flags.get(key));
  }

  @APIResponse(responseCode = "200", description = "The flag updated",
      content = @Content(mediaType = "application/json",
          schema = @Schema(type = SchemaType.OBJECT,
              description = "A feature flag: key, description, enabled, variants, off_variant, rules, rollout,"
                  + " seed, revision")))
  @Operation(summary = "Update a feature flag")
  @PUT
  @Path("/{key}")
  @Authorize(Permission.ALIAS)
  public ObjectNode update(@PathParam("key") String key, JsonNode body) {
    return FlagJson.write(flags.update(key, body, caller.principal()));
  }

  @Operation(summary = "A feature flag's audit history, newest first: who changed it, when, from which default to which")
  @GET
  @Path("/{key}/history")
  @Authorize(Permission.READ)
  public java.util.Map<String, java.util.List<dev.pier.experiments.flags.FlagChange>> history(
      @PathParam("key") String key) {
    return java.util.Map.of("changes", flags.history(key));
  }

  @Operation(summary = "Evaluate a feature flag for a unit")
  @POST
  @Path("/{key}/evaluate")
  @Authorize(Permission.PREDICT)
  public Evaluation evaluate(@PathParam("key") String key, JsonNode body) {
    return flags.evaluate(key, body);
  }

  @Operation(summary = "Report flag exposures")
  @POST
  @Path("/exposures")
  @Authorize(Permission.PREDICT)
  public Flags.Reported exposures(JsonNode body) {
    return flags.exposures(body);
  }
}
