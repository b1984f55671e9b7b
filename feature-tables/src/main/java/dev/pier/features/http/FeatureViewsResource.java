package dev.pier.features.http;

import dev.pier.features.Catalog;
import dev.pier.features.DefinitionsParser;
import dev.pier.features.Entity;
import dev.pier.features.FeatureService;
import dev.pier.features.FeatureStore;
import dev.pier.features.FeatureVersion;
import dev.pier.features.FeatureView;
import dev.pier.features.FeatureViewSearch;
import dev.pier.features.Kind;
import dev.pier.kernel.security.Permission;
import dev.pier.kernel.security.Authorize;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Discovery: feature views by text, tag, owner and entity, each with its schema, source, services and versions. */
@Tag(name = "Features")
@Path("/api/v1/feature-views")
@Produces(MediaType.APPLICATION_JSON)
public class FeatureViewsResource {
  @Inject FeatureStore features;

  /** One feature of a view. */
  public record FeatureField(String name, String dtype) {}

  /** A view as discovery shows it; {@code join_key_types}: each join key's entity value_type, in the same order. */
  public record ViewSummary(String name, String description, String owner, Map<String, String> tags,
      List<String> entities, List<String> join_keys, String source, String offline_path, String ttl, boolean online,
      List<FeatureField> schema, Integer version, List<String> feature_services, List<String> join_key_types) {}

  @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
  public record ViewList(List<ViewSummary> feature_views, String next_page_token) {}

  /**
   * One view with every version and its lineage: the registered model versions ({@code model/version}) that use it
   * through one of its feature services; the profile of its latest materialization; its freshness (newest online
   * event time, materialization watermark) and the counts, null rates and profiles of the rows pushed online.
   */
  public record ViewDetail(ViewSummary feature_view, List<FeatureVersion> versions, List<String> model_versions,
      List<ModelLineage> model_lineage, List<dev.pier.features.Materialization.Profile> profile,
      dev.pier.features.OnlineStatistics.Freshness freshness,
      List<dev.pier.features.Materialization.Profile> pushed_profile) {}

  /**
   * A model version using the view: through which service, the view version recorded when it was registered (null
   * for versions registered before lineage was recorded) and the version it is served with now (the current one).
   */
  public record ModelLineage(String model_version, String feature_service, Integer registered_with_version,
      int served_with_version) {}

  public record VersionList(List<FeatureVersion> versions) {}

  @Operation(summary = "Search feature views")
  @GET
  @Authorize(Permission.FEATURES_READ)
  public ViewList search(@QueryParam("q") String q, @QueryParam("tag") String tag, @QueryParam("owner") String owner,
      @QueryParam("entity") String entity, @QueryParam(dev.pier.kernel.paging.PageSize.PARAM) String maxResults,
      @QueryParam("page_token") String pageToken) {
    Catalog catalog = features.registry().catalog(); // the definitions, held in memory: a page is cut from them
    var page = dev.pier.kernel.paging.Page.of(FeatureViewSearch.search(catalog, q, tag, owner, entity), pageToken,
        dev.pier.kernel.paging.PageSize.parse(maxResults), FeatureView::name);
    return new ViewList(page.items().stream().map(v -> summary(catalog, v)).toList(), page.nextPageToken());
  }

  @Operation(summary = "Get a feature view")
  @GET
  @Path("{name}")
  @Authorize(Permission.FEATURES_READ)
  public ViewDetail view(@PathParam("name") String name) {
    Catalog catalog = features.registry().catalog();
    FeatureView v = catalog.view(name);
    ViewSummary summary = summary(catalog, v);
    java.util.Set<String> models = new java.util.TreeSet<>();
    List<ModelLineage> lineage = new java.util.ArrayList<>();
    for (String s : summary.feature_services()) {
      for (var u : features.usage().usages(s)) {
        models.add(u.modelVersion());
        lineage.add(new ModelLineage(u.modelVersion(), s, u.viewVersions().get(name), summary.version()));
      }
    }
    lineage.sort(java.util.Comparator.comparing(ModelLineage::model_version).thenComparing(ModelLineage::feature_service));
    return new ViewDetail(summary, features.registry().versions(Kind.FEATURE_VIEW, name), List.copyOf(models),
        lineage, features.materialization().profile(name), features.materialization().statistics()
            .freshness(name, features.materialization().watermark(name)),
        features.materialization().statistics().pushedProfile(v));
  }

  @Operation(summary = "List a feature view's versions")
  @GET
  @Path("{name}/versions")
  @Authorize(Permission.FEATURES_READ)
  public VersionList versions(@PathParam("name") String name) {
    return new VersionList(features.registry().versions(Kind.FEATURE_VIEW, name));
  }

  private ViewSummary summary(Catalog catalog, FeatureView v) {
    List<String> services = catalog.featureServices().values().stream()
        .filter(s -> s.features().stream().anyMatch(r -> r.view().equals(v.name()))).map(FeatureService::name)
        .toList();
    List<String> joinKeys = v.entities().stream().map(catalog.entities()::get).map(Entity::joinKey).toList();
    List<String> joinKeyTypes = v.entities().stream().map(catalog.entities()::get)
        .map(e -> String.valueOf(e.valueType())).toList();
    return new ViewSummary(v.name(), v.description(), v.owner(), v.tags(), v.entities(), joinKeys, v.source(),
        catalog.offlineSource(v).path(), DefinitionsParser.format(v.ttl()), v.online(),
        v.schema().stream().map(f -> new FeatureField(f.name(), f.dtype().toString())).toList(),
        features.registry().version(Kind.FEATURE_VIEW, v.name()), services, joinKeyTypes);
  }
}
