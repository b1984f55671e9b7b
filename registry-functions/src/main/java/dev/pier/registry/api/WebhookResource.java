package dev.pier.registry.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.kernel.json.RequestJson;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import dev.pier.registry.events.Webhook;
import dev.pier.registry.events.WebhookStore;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Webhooks for registry events: {@code POST /api/v1/webhooks} with {@code url}, optional {@code secret} (generated
 * and returned once when absent), {@code events} (types; all when absent) and {@code model}.
 */
@Tag(name = "Registry")
@Path("/api/v1/webhooks")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class WebhookResource {
  private static final ObjectMapper JSON = RequestJson.mapper();
  private final WebhookStore webhooks;

  public WebhookResource(WebhookStore webhooks) {
    this.webhooks = webhooks;
  }

  @APIResponse(responseCode = "201", description = "The webhook, with its signing secret (shown only here)",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = WebhookJson.class)))
  @Operation(summary = "Create a webhook")
  @POST
  @Authorize(Permission.AUDIT)
  public Response create(byte[] body) {
    JsonNode n;
    try {
      n = body == null || body.length == 0 ? null : JSON.readTree(body);
    } catch (IOException e) {
      throw RequestJson.malformed(e);
    }
    if (n == null || !n.isObject()) {
      throw PierException.badRequest("the body must be a JSON object with 'url'");
    }
    Set<String> types = new HashSet<>();
    n.path("events").forEach(t -> types.add(t.asText()));
    Webhook w = webhooks.create(n.path("url").asText(null), n.path("secret").asText(null), types,
        n.path("model").asText(null));
    return Response.status(201).entity(json(w, w.secret())).build();
  }

  @Operation(summary = "List webhooks")
  @GET
  @Authorize(Permission.AUDIT)
  public Webhooks list() {
    return new Webhooks(webhooks.all().stream().map(w -> json(w, null)).toList());
  }

  @APIResponse(responseCode = "204", description = "Deleted")
  @Operation(summary = "Delete a webhook")
  @DELETE
  @Path("/{id}")
  @Authorize(Permission.AUDIT)
  public Response delete(@PathParam("id") String id) {
    webhooks.delete(id);
    return Response.noContent().build();
  }

  /** A webhook; its secret only in the answer that created it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record WebhookJson(String id, String url, List<String> events, String model, String secret) {}

  record Webhooks(List<WebhookJson> webhooks) {}

  private static WebhookJson json(Webhook w, String secret) {
    return new WebhookJson(w.id(), w.url(), w.eventTypes().stream().sorted().toList(), w.model(), secret);
  }
}
