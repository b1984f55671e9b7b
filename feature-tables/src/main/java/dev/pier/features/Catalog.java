package dev.pier.features;

import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A set of definitions by name: a parsed document, or everything applied. Immutable; {@link #overlay} gives the state
 * an apply would leave, which is what references are checked against (a document may name an entity applied
 * earlier).
 */
public record Catalog(Map<String, Entity> entities, Map<String, DataSource> sources,
    Map<String, FeatureView> featureViews, Map<String, FeatureService> featureServices,
    Map<String, OnDemandFeatureView> onDemandViews) {

  public static final Catalog EMPTY = new Catalog(Map.of(), Map.of(), Map.of(), Map.of());

  public Catalog {
    entities = Collections.unmodifiableMap(new LinkedHashMap<>(entities));
    sources = Collections.unmodifiableMap(new LinkedHashMap<>(sources));
    featureViews = Collections.unmodifiableMap(new LinkedHashMap<>(featureViews));
    featureServices = Collections.unmodifiableMap(new LinkedHashMap<>(featureServices));
    onDemandViews = Collections.unmodifiableMap(new LinkedHashMap<>(onDemandViews));
  }

  /** A catalog without on-demand feature views. */
  public Catalog(Map<String, Entity> entities, Map<String, DataSource> sources,
      Map<String, FeatureView> featureViews, Map<String, FeatureService> featureServices) {
    this(entities, sources, featureViews, featureServices, Map.of());
  }

  /** This catalog with {@code doc}'s definitions added or replacing those of the same kind and name. */
  public Catalog overlay(Catalog doc) {
    var e = new LinkedHashMap<>(entities);
    e.putAll(doc.entities);
    var s = new LinkedHashMap<>(sources);
    s.putAll(doc.sources);
    var v = new LinkedHashMap<>(featureViews);
    v.putAll(doc.featureViews);
    var f = new LinkedHashMap<>(featureServices);
    f.putAll(doc.featureServices);
    var o = new LinkedHashMap<>(onDemandViews);
    o.putAll(doc.onDemandViews);
    return new Catalog(e, s, v, f, o);
  }

  public boolean isEmpty() {
    return entities.isEmpty() && sources.isEmpty() && featureViews.isEmpty() && featureServices.isEmpty()
        && onDemandViews.isEmpty();
  }

  /** The type of a feature of a view or an on-demand view; 404 naming it when there is none. */
  public Dtype dtype(FeatureRef ref) {
    OnDemandFeatureView odfv = onDemandViews.get(ref.view());
    Field f = odfv != null ? odfv.feature(ref.feature()) : view(ref.view()).feature(ref.feature());
    if (f == null) {
      throw PierException.notFound("feature view '" + ref.view() + "' has no feature '" + ref.feature() + "'");
    }
    return f.dtype();
  }

  /** The view of this name, or a 404 naming it. */
  public FeatureView view(String name) {
    FeatureView v = featureViews.get(name);
    if (v == null) {
      throw PierException.notFound("feature view '" + name + "' does not exist");
    }
    return v;
  }

  /** The service of this name, or a 404 naming it. */
  public FeatureService service(String name) {
    FeatureService s = featureServices.get(name);
    if (s == null) {
      throw PierException.notFound("feature service '" + name + "' does not exist");
    }
    return s;
  }

  /** The join keys of a view, in the order of its entities. */
  public List<String> joinKeys(FeatureView view) {
    List<String> keys = new ArrayList<>(view.entities().size());
    for (String e : view.entities()) {
      keys.add(entities.get(e).joinKey());
    }
    return keys;
  }

  /** The entity whose join key this is, or null. */
  public Entity entityByJoinKey(String joinKey) {
    for (Entity e : entities.values()) {
      if (e.joinKey().equals(joinKey)) {
        return e;
      }
    }
    return null;
  }

  /** The Parquet source holding a view's history: its source, or its push source's batch source. */
  public DataSource.Parquet offlineSource(FeatureView view) {
    return switch (sources.get(view.source())) {
      case DataSource.Parquet p -> p;
      case DataSource.Push push -> (DataSource.Parquet) sources.get(push.batchSource());
    };
  }

  /**
   * The features a request names: {@code view:feature} references, or a feature service's; exactly one of the two.
   * 400/404 naming what is wrong.
   */
  public List<FeatureRef> resolve(List<String> features, String featureService) {
    if ((features == null || features.isEmpty()) == (featureService == null)) {
      throw PierException.badRequest("give either 'features' (a list of \"view:feature\") or 'feature_service', not "
          + (featureService == null ? "neither" : "both"));
    }
    if (featureService != null) {
      return service(featureService).features();
    }
    List<FeatureRef> refs = new ArrayList<>(features.size());
    for (String text : features) {
      FeatureRef ref = FeatureRef.parse(text);
      if (ref == null) {
        throw PierException.badRequest("feature '" + text + "' is not a reference of the form \"view:feature\"");
      }
      dtype(ref); // 404 for an unknown view or feature
      refs.add(ref);
    }
    return refs;
  }
}
