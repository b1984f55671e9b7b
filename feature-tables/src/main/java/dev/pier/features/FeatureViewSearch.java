package dev.pier.features;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Discovery: the feature views matching a query ({@code q} in the name, description, owner, tags or feature names,
 * any case), a tag ({@code team} or {@code team:ops}), an owner and an entity, all optional and all required to
 * match. Results in name order.
 */
public final class FeatureViewSearch {
  private FeatureViewSearch() {}

  public static List<FeatureView> search(Catalog catalog, String q, String tag, String owner, String entity) {
    List<FeatureView> out = new ArrayList<>();
    for (FeatureView v : catalog.featureViews().values()) {
      if (matches(v, q, tag, owner, entity)) {
        out.add(v);
      }
    }
    out.sort(java.util.Comparator.comparing(FeatureView::name));
    return out;
  }

  static boolean matches(FeatureView v, String q, String tag, String owner, String entity) {
    if (entity != null && !entity.isBlank() && !v.entities().contains(entity)) {
      return false;
    }
    if (owner != null && !owner.isBlank() && !owner.equalsIgnoreCase(v.owner())) {
      return false;
    }
    if (tag != null && !tag.isBlank()) {
      int sep = Math.max(tag.indexOf(':'), tag.indexOf('='));
      String key = sep < 0 ? tag : tag.substring(0, sep);
      String value = sep < 0 ? null : tag.substring(sep + 1);
      if (!v.tags().containsKey(key) || (value != null && !value.equals(v.tags().get(key)))) {
        return false;
      }
    }
    if (q != null && !q.isBlank()) {
      String needle = q.toLowerCase(Locale.ROOT);
      StringBuilder hay = new StringBuilder(v.name()).append(' ').append(nullToEmpty(v.description())).append(' ')
          .append(nullToEmpty(v.owner()));
      for (Map.Entry<String, String> t : v.tags().entrySet()) {
        hay.append(' ').append(t.getKey()).append(':').append(t.getValue());
      }
      v.schema().forEach(f -> hay.append(' ').append(f.name()));
      return hay.toString().toLowerCase(Locale.ROOT).contains(needle);
    }
    return true;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
