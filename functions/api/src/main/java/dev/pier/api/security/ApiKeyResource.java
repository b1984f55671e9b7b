package dev.pier.api.security;

import dev.pier.api.AuditTrail;
import dev.pier.api.Caller;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.kernel.json.RequestJson;
import dev.pier.security.ApiKeys;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Grant;
import dev.pier.kernel.security.Permission;
import dev.pier.kernel.paging.Page;
import dev.pier.kernel.paging.PageSize;
import jakarta.ws.rs.QueryParam;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** API keys: created (the key is in this one response only), listed and revoked. Admins only. */
@Tag(name = "Security")
@Path("/api/v1/keys")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class ApiKeyResource {
  private static final ObjectMapper JSON = RequestJson.mapper();
  private final ApiKeys keys;
  private final AuditTrail audit;
  private final Caller caller;

  public ApiKeyResource(ApiKeys keys, AuditTrail audit, Caller caller) {
    this.keys = keys;
    this.audit = audit;
    this.caller = caller;
  }

  /** {@code {"name": "ci", "roles": ["predictor:fraud-*"], "rate_per_second": 50}}. */
  @APIResponse(responseCode = "201", description = "The key, with its secret (shown only here)",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = KeyView.class)))
  @Operation(summary = "Create an API key")
  @POST
  @Authorize(Permission.KEYS)
  public Response create(byte[] body) {
    JsonNode request;
    try {
      request = JSON.readTree(body == null ? new byte[0] : body);
    } catch (IOException e) {
      throw RequestJson.malformed(e);
    }
    if (request == null || !request.isObject()) {
      throw PierException.badRequest("expected a JSON object with 'name' and 'roles'");
    }
    String name = request.path("name").asText(null);
    List<Grant> grants = new ArrayList<>();
    if (!request.path("roles").isArray() || request.path("roles").isEmpty()) {
      throw PierException.badRequest("'roles' must be a non-empty array such as [\"predictor\"] or [\"data-scientist:fraud-*\"]");
    }
    double rate = request.path("rate_per_second").asDouble(0);
    if (rate < 0) {
      throw PierException.badRequest("'rate_per_second' must not be negative");
    }
    ApiKeys.Created created;
    try {
      request.path("roles").forEach(r -> grants.add(Grant.parse(r.asText())));
      created = keys.create(name, grants, rate, caller.principal());
    } catch (IllegalArgumentException e) {
      throw PierException.badRequest(e.getMessage());
    }
    audit.record("key.create", null, null, Map.of("key_id", created.info().id(), "name", name,
        "roles", grants.toString()));
    KeyView view = KeyView.of(created.info(), created.key(),
        "store this key now: Pier keeps only a salted hash and cannot show it again");
    return Response.created(URI.create("/api/v1/keys/" + created.info().id())).entity(view)
        .type(MediaType.APPLICATION_JSON_TYPE).build();
  }

  @Operation(summary = "List API keys")
  @GET
  @Authorize(Permission.KEYS)
  public KeyView.Page list(@QueryParam(PageSize.PARAM) String maxResults,
      @QueryParam("page_token") String pageToken) {
    Page<ApiKeys.Info> page = Page.of(keys.list(), pageToken, PageSize.parse(maxResults), ApiKeys.Info::id);
    return new KeyView.Page(page.items().stream().map(k -> KeyView.of(k, null, null)).toList(),
        page.nextPageToken());
  }

  /**
   * Revokes at once: the next request with the key is a 401, on every server. Only a caller holding every grant of
   * the key may revoke it (403 otherwise: a {@code keys} holder cannot revoke an admin's key).
   */
  @Operation(summary = "Revoke an API key")
  @POST
  @Path("/{id}/revoke")
  @Authorize(Permission.KEYS)
  public KeyView revoke(@PathParam("id") String id) {
    ApiKeys.Info info = keys.revoke(id, caller.principal());
    if (info == null) {
      throw PierException.notFound("no API key with id " + id);
    }
    audit.record("key.revoke", null, null, Map.of("key_id", id));
    return KeyView.of(info, null, null);
  }

  /**
   * An API key as listed: its grants as role strings, {@code rate_per_second} only when it has its own limit,
   * {@code revoked_at} once revoked; {@code key} and {@code note} only in the answer that created it.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record KeyView(String id, @JsonInclude(JsonInclude.Include.ALWAYS) String name, List<String> roles,
      @JsonProperty("rate_per_second") Double ratePerSecond, @JsonProperty("created_at") String createdAt,
      @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("created_by") String createdBy,
      @JsonProperty("revoked_at") String revokedAt, String key, String note) {

    static KeyView of(ApiKeys.Info k, String key, String note) {
      return new KeyView(k.id(), k.name(), k.grants().stream().map(Object::toString).toList(),
          k.ratePerSecond() > 0 ? k.ratePerSecond() : null, k.createdAt().toString(), k.createdBy(),
          k.revokedAt() == null ? null : k.revokedAt().toString(), key, note);
    }

    /** One page of keys, newest first. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Page(List<KeyView> keys, @JsonProperty("next_page_token") String nextPageToken) {}
  }
}
