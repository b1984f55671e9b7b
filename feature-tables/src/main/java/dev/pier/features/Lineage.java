package dev.pier.features;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Lineage from a model version to feature view versions: when a version is registered with a feature service, the
 * current version of each view the service reads (an on-demand view and its sources included) is recorded with it as
 * {@code view@version,…}, so the discovery API can say which version of a view each model version was registered
 * against, whatever was applied since.
 */
public final class Lineage {
  private Lineage() {}

  /** The current version of each view {@code service} reads, by view name; null when there is no such service. */
  public static Map<String, Integer> viewVersions(FeatureRegistry registry, String service) {
    Catalog catalog = registry.catalog();
    FeatureService s = catalog.featureServices().get(service);
    if (s == null) {
      return null;
    }
    Set<String> views = new LinkedHashSet<>();
    for (FeatureRef r : s.features()) {
      views.add(r.view());
      OnDemandFeatureView odfv = catalog.onDemandViews().get(r.view());
      if (odfv != null) {
        views.addAll(odfv.sources());
      }
    }
    Map<String, Integer> out = new TreeMap<>();
    for (String v : views) {
      Kind kind = catalog.onDemandViews().containsKey(v) ? Kind.ON_DEMAND_FEATURE_VIEW : Kind.FEATURE_VIEW;
      Integer version = registry.version(kind, v);
      if (version != null) {
        out.put(v, version);
      }
    }
    return out;
  }

  /** {@code a@1,b@3}. */
  public static String format(Map<String, Integer> versions) {
    StringBuilder b = new StringBuilder();
    new TreeMap<>(versions).forEach((v, n) -> b.append(b.isEmpty() ? "" : ",").append(v).append('@').append(n));
    return b.toString();
  }

  /** Reads {@link #format}'s text back; entries that do not parse are skipped. */
  public static Map<String, Integer> parse(String text) {
    Map<String, Integer> out = new TreeMap<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    for (String part : text.split(",")) {
      int at = part.lastIndexOf('@');
      if (at > 0 && part.substring(at + 1).matches("\\d{1,9}")) {
        out.put(part.substring(0, at), Integer.parseInt(part.substring(at + 1)));
      }
    }
    return out;
  }
}
