package dev.pier.api.inference;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.CallerIdentity;
import dev.pier.kernel.security.Permission;
import dev.pier.registry.Alias;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.Page;
import dev.pier.registry.RegisteredModel;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The model repository index of KServe's and Triton's model-repository extension, {@code POST /v2/repository/index}:
 * one entry per model the caller may read, naming the version {@code /v2/models/{m}} serves (its {@code production}
 * alias). {@code READY} means that version is servable here (Pier loads on first use, so it is not necessarily loaded
 * yet); a model without a production alias, or whose version cannot be served, is {@code UNAVAILABLE} with the reason.
 * {@code {"ready": true}} leaves out the unavailable ones. Loading and unloading through the repository API are not
 * offered: versions are served by moving aliases.
 */
@Tag(name = "Inference")
@Path("/v2/repository/index")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class RepositoryIndexResource {
  private static final int PAGE = 200;

  private final ModelRegistry registry;
  private final CallerIdentity caller;

  public RepositoryIndexResource(ModelRegistry registry, CallerIdentity caller) {
    this.registry = registry;
    this.caller = caller;
  }

  /** One model as the index lists it; absent fields are left out, as the extension's optional fields are. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Entry(String name, String version, String state, String reason) {}

  @Operation(summary = "Model repository index")
  @POST
  @Authorize(value = Permission.READ, anyModel = true)
  public List<Entry> index(JsonNode body) {
    boolean readyOnly = false;
    if (body != null && !body.isNull() && !body.isMissingNode()) {
      if (!body.isObject() || (body.has("ready") && !body.get("ready").isBoolean())) {
        throw PierException.badRequest("the body must be {} or {\"ready\": true|false}");
      }
      readyOnly = body.path("ready").asBoolean(false);
    }
    List<Entry> entries = new ArrayList<>();
    String token = null;
    do {
      Page<RegisteredModel> page = registry.models(token, PAGE);
      for (RegisteredModel model : page.items()) {
        if (!caller.allows(Permission.READ, model.name())) {
          continue; // listings follow grants
        }
        Entry entry = entry(model.name());
        if (!readyOnly || "READY".equals(entry.state())) {
          entries.add(entry);
        }
      }
      token = page.nextPageToken();
    } while (token != null);
    return entries;
  }

  private Entry entry(String model) {
    Alias production = registry.aliases(model).stream().filter(a -> a.name().equals("production")).findFirst()
        .orElse(null);
    if (production == null) {
      return new Entry(model, null, "UNAVAILABLE", "no production alias: move one to a version to serve it");
    }
    String version = Integer.toString(production.version());
    ModelVersion v = registry.version(model, production.version());
    return v.artifact().servable() ? new Entry(model, version, "READY", null)
        : new Entry(model, version, "UNAVAILABLE", v.artifact().statusMessage());
  }
}
