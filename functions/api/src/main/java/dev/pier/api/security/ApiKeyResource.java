package dev.pier.api.security;

import dev.pier.api.AuditTrail;
import dev.pier.api.Caller;
import dev.pier.api.Security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.json.RequestJson;
import dev.pier.security.ApiKeys;
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

  public ApiKeyResource(Security security, AuditTrail audit, Caller caller) {
    this.keys = security.apiKeys();
    this.audit = audit;
    this.caller = caller;
  }

  /** {@code {"name": "ci", "roles": ["predictor:fraud-*"], "rate_per_second": 50}}. */
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
    ObjectNode json = info(created.info());
    json.put("key", created.key());
    json.put("note", "store this key now: Pier keeps only a salted hash and cannot show it again");
    return Response.created(URI.create("/api/v1/keys/" + created.info().id())).entity(json.toString())
        .type(MediaType.APPLICATION_JSON_TYPE).build();
  }

  @Operation(summary = "List API keys")
  @GET
  @Authorize(Permission.KEYS)
  public String list(@QueryParam(PageSize.PARAM) String maxResults, @QueryParam("page_token") String pageToken) {
    Page<ApiKeys.Info> page = Page.of(keys.list(), pageToken, PageSize.parse(maxResults), ApiKeys.Info::id);
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    var items = body.putArray("keys");
    page.items().forEach(k -> items.add(info(k)));
    if (page.nextPageToken() != null) {
      body.put("next_page_token", page.nextPageToken());
    }
    return body.toString();
  }

  /** Revokes at once: the next request with the key is a 401, on every server. */
  @Operation(summary = "Revoke an API key")
  @POST
  @Path("/{id}/revoke")
  @Authorize(Permission.KEYS)
  public String revoke(@PathParam("id") String id) {
    ApiKeys.Info info = keys.revoke(id);
    if (info == null) {
      throw PierException.notFound("no API key with id " + id);
    }
    audit.record("key.revoke", null, null, Map.of("key_id", id));
    return info(info).toString();
  }

  private static ObjectNode info(ApiKeys.Info k) {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put("id", k.id());
    json.put("name", k.name());
    var roles = json.putArray("roles");
    k.grants().forEach(g -> roles.add(g.toString()));
    if (k.ratePerSecond() > 0) {
      json.put("rate_per_second", k.ratePerSecond());
    }
    json.put("created_at", k.createdAt().toString());
    json.put("created_by", k.createdBy());
    if (k.revokedAt() != null) {
      json.put("revoked_at", k.revokedAt().toString());
    }
    return json;
  }
}
