package dev.pier.api.inference;

import dev.pier.runtime.PredictionService;

import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * A version's response-cache counters: the serving side's view of a version, so it stays with the app that serves
 * predictions while the registry's own routes under {@code /api/v1/models} live in {@code dev.pier.registry.api}.
 */
@Tag(name = "Inference")
@Path("/api/v1/models")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class VersionCacheResource {
  private final ModelRegistry registry;
  private final PredictionService predictions;

  public VersionCacheResource(ModelRegistry registry, PredictionService predictions) {
    this.registry = registry;
    this.predictions = predictions;
  }

  /** Hit/miss counters of a version's response cache ({@code enabled: false} and zeros when it has none). */
  @Operation(summary = "A version's response-cache statistics")
  @GET
  @Path("/{model}/versions/{version}/cache-stats")
  @Authorize(Permission.READ)
  public CacheStats cacheStats(@PathParam("model") String model, @PathParam("version") String version) {
    ModelVersion v = registry.resolve(model, version);
    var stats = predictions.cacheStats(v);
    return stats == null ? new CacheStats(v.serving().responseCache() != null, 0, 0, 0)
        : new CacheStats(v.serving().responseCache() != null, stats.hits(), stats.misses(), stats.size());
  }

  /** The answer of {@code GET …/cache-stats}. */
  public record CacheStats(boolean enabled, long hits, long misses, long size) {}
}
