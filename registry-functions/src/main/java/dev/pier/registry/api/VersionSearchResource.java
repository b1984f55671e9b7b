package dev.pier.registry.api;

import dev.pier.kernel.paging.PageSize;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.CallerIdentity;
import dev.pier.kernel.security.Permission;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.Page;
import dev.pier.registry.SearchFilter;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Search across every model's versions, answered from the registry's index items (see SearchIndex). */
@Tag(name = "Registry")
@Path("/api/v1/model-versions")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class VersionSearchResource {
  private final ModelRegistry registry;
  private final CallerIdentity caller;

  public VersionSearchResource(ModelRegistry registry, CallerIdentity caller) {
    this.registry = registry;
    this.caller = caller;
  }

  /**
   * Searches versions of all models: {@code filter} in MLflow's syntax (e.g. {@code tags.team = 'fraud' AND
   * metrics.auc > 0.9}; attributes name, framework, status, alias, current_stage, run_id), {@code order_by}
   * repeated (e.g. {@code metrics.auc DESC}).
   */
  @Operation(summary = "Search model versions")
  @GET
  @Path("/search")
  @Authorize(value = Permission.READ, anyModel = true)
  public RegistryJson.Versions search(@QueryParam("filter") String filter, @QueryParam("order_by") List<String> orderBy,
      @QueryParam("page_token") String pageToken, @QueryParam(PageSize.PARAM) String maxResults) {
    Page<ModelVersion> page = registry.search(SearchFilter.parse(filter), orderBy, pageToken, PageSize.parse(maxResults).value(),
        model -> caller.allows(Permission.READ, model)); // a scoped key finds only its models' versions
    return new RegistryJson.Versions(page.items().stream()
        .map(v -> RegistryJson.version(v, registry.artifacts().bucket())).toList(), page.nextPageToken());
  }

}
