package dev.pier.features;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Online reads: features (named, or a feature service's) for rows of entity keys, from the {@link OnlineStore}, each
 * view read once per request and all views at the same time. Values older than their view's ttl are {@code
 * OUTSIDE_MAX_AGE}. The catalog comes from the registry's in-memory snapshot: no registry read per request.
 */
public final class OnlineFeatures implements FeatureLookup {
  private final FeatureRegistry registry;
  private final OnlineStore store;
  private final Clock clock;
  private final FeatureObserver observer;

  public OnlineFeatures(FeatureRegistry registry, OnlineStore store, Clock clock) {
    this(registry, store, clock, FeatureObserver.NONE);
  }

  public OnlineFeatures(FeatureRegistry registry, OnlineStore store, Clock clock, FeatureObserver observer) {
    this.registry = registry;
    this.store = store;
    this.clock = clock;
    this.observer = observer;
  }

  /**
   * Reads features for entity rows given as columns ({@code {"driver_id": [1001, 1002]}}, Feast's request shape).
   * Entity columns are answered first, as given; 400 for unequal column lengths, a missing join key or a key value of
   * the wrong type; 404 for an unknown view, feature or service.
   */
  public OnlineResult read(List<String> features, String featureService, Map<String, JsonNode> entities,
      boolean fullFeatureNames) {
    Catalog catalog = registry.catalog();
    List<FeatureRef> refs = catalog.resolve(features, featureService);
    if (entities == null || entities.isEmpty()) {
      throw PierException.badRequest("'entities' is missing: give each join key's values, e.g. {\"driver_id\": [1001]}");
    }
    int rows = -1;
    for (var e : entities.entrySet()) {
      if (!e.getValue().isArray()) {
        throw PierException.badRequest("entities." + e.getKey() + " must be a list of values");
      }
      if (rows >= 0 && e.getValue().size() != rows) {
        throw PierException.badRequest("entities." + e.getKey() + " has " + e.getValue().size()
            + " values but the other entity columns have " + rows);
      }
      rows = e.getValue().size();
    }
    Map<String, List<Object>> typed = new LinkedHashMap<>();
    List<OnlineResult.Column> columns = new ArrayList<>();
    for (var e : entities.entrySet()) {
      Entity entity = catalog.entityByJoinKey(e.getKey());
      List<Object> values = new ArrayList<>(rows);
      for (int i = 0; i < rows; i++) {
        JsonNode v = e.getValue().get(i);
        if (entity == null) {
          values.add(v.isNull() ? null : DefinitionsParser.JSON.convertValue(v, Object.class));
          continue;
        }
        try {
          values.add(entity.valueType().fromJson(v));
        } catch (IllegalArgumentException ex) {
          throw PierException.badRequest("entities." + e.getKey() + "[" + i + "]: " + ex.getMessage()
              + " (the join key of entity '" + entity.name() + "')");
        }
      }
      typed.put(e.getKey(), values);
      List<FeatureValue> answered = new ArrayList<>(rows);
      for (Object v : values) {
        answered.add(new FeatureValue(v, FeatureStatus.PRESENT, Instant.EPOCH));
      }
      columns.add(new OnlineResult.Column(e.getKey(), entity == null ? null : entity.valueType(), answered));
    }
    OnDemand.Plan plan = OnDemand.plan(catalog, refs);
    Map<FeatureRef, List<FeatureValue>> found = lookup(catalog, plan.lookups(), typed, rows, "entities.");
    if (!plan.none()) {
      found.putAll(plan.compute(rows, found, new OnDemand.Request() {
        @Override
        public JsonNode field(int row, String name) {
          JsonNode column = entities.get(name);
          return column == null ? null : column.get(row);
        }

        @Override
        public String where(int row) {
          return "entities (row " + row + ")";
        }
      }));
    }
    List<String> names = new ArrayList<>(typed.keySet());
    Map<String, FeatureRef> byName = new HashMap<>();
    for (FeatureRef r : refs) {
      String name = fullFeatureNames ? r.fullName() : r.feature();
      FeatureRef other = byName.put(name, r);
      if (other != null && !fullFeatureNames) {
        throw PierException.badRequest("feature name '" + name + "' is in both " + other.view() + " and " + r.view()
            + ": ask with \"full_feature_names\": true");
      }
      names.add(name);
      columns.add(new OnlineResult.Column(name, catalog.dtype(r), found.get(r)));
    }
    return new OnlineResult(names, columns);
  }

  @Override
  public List<Map<String, FeatureValue>> lookup(String featureService, List<Map<String, Object>> instances) {
    Catalog catalog = registry.catalog();
    List<FeatureRef> refs = catalog.resolve(null, featureService);
    OnDemand.Plan plan = OnDemand.plan(catalog, refs);
    Map<String, List<Object>> typed = joinKeyColumns(catalog, plan.lookups(), featureService, instances);
    Map<FeatureRef, List<FeatureValue>> found = lookup(catalog, plan.lookups(), typed, instances.size(), "");
    if (!plan.none()) {
      found.putAll(plan.compute(instances.size(), found, instances(instances)));
    }
    List<Map<String, FeatureValue>> out = new ArrayList<>(instances.size());
    for (int i = 0; i < instances.size(); i++) {
      Map<String, FeatureValue> row = new LinkedHashMap<>();
      for (FeatureRef r : refs) {
        row.put(r.fullName(), found.get(r).get(i));
      }
      out.add(row);
    }
    return out;
  }

  /** The instances' fields as an on-demand view's request data (whole-number doubles read as integers). */
  static OnDemand.Request instances(List<Map<String, Object>> instances) {
    return new OnDemand.Request() {
      @Override
      public JsonNode field(int row, String name) {
        Map<String, Object> instance = instances.get(row);
        if (!instance.containsKey(name)) {
          return null;
        }
        Object raw = instance.get(name);
        if (raw instanceof Double d && d == Math.rint(d) && Math.abs(d) <= 0x1p53) {
          return DefinitionsParser.JSON.getNodeFactory().numberNode(d.longValue()); // an integer reads as any number
        }
        return DefinitionsParser.JSON.valueToTree(raw);
      }

      @Override
      public String where(int row) {
        return "instance " + row;
      }
    };
  }

  /**
   * The join keys of the views of {@code refs}, one typed column per key, from instances as decoded from a request
   * (whole-number doubles read as integers). 400 naming the instance for a missing key or a value of the wrong type.
   */
  static Map<String, List<Object>> joinKeyColumns(Catalog catalog, List<FeatureRef> refs, String featureService,
      List<Map<String, Object>> instances) {
    Map<String, List<Object>> typed = new HashMap<>();
    for (FeatureRef r : refs) {
      for (String e : catalog.view(r.view()).entities()) {
        Entity entity = catalog.entities().get(e);
        if (typed.containsKey(entity.joinKey())) {
          continue;
        }
        List<Object> values = new ArrayList<>(instances.size());
        for (int i = 0; i < instances.size(); i++) {
          Object raw = instances.get(i).get(entity.joinKey());
          if (raw instanceof Double d && d == Math.rint(d) && Math.abs(d) <= 0x1p53) {
            raw = d.longValue(); // instances decode every JSON number as a double: 1001 arrives as 1001.0
          }
          if (raw == null) {
            throw PierException.badRequest("instance " + i + " has no '" + entity.joinKey() + "', the join key of"
                + " entity '" + entity.name() + "' that feature service '" + featureService + "' needs");
          }
          try {
            values.add(entity.valueType().fromJson(DefinitionsParser.JSON.valueToTree(raw)));
          } catch (IllegalArgumentException ex) {
            throw PierException.badRequest("instance " + i + "." + entity.joinKey() + ": " + ex.getMessage());
          }
        }
        typed.put(entity.joinKey(), values);
      }
    }
    return typed;
  }

  /** Reads each view of {@code refs} once, all at the same time, for {@code rows} rows of typed join-key columns. */
  private Map<FeatureRef, List<FeatureValue>> lookup(Catalog catalog, List<FeatureRef> refs,
      Map<String, List<Object>> keyColumns, int rows, String keyPrefix) {
    Map<String, List<String>> featuresByView = new LinkedHashMap<>();
    for (FeatureRef r : refs) {
      featuresByView.computeIfAbsent(r.view(), v -> new ArrayList<>()).add(r.feature());
    }
    long started = System.nanoTime();
    Map<String, CompletableFuture<List<OnlineStore.Stored>>> reads = new LinkedHashMap<>();
    for (var views = featuresByView.entrySet().iterator(); views.hasNext(); ) {
      var e = views.next();
      FeatureView view = catalog.view(e.getKey());
      if (!view.online()) {
        throw PierException.badRequest("feature view '" + view.name() + "' is not online (online: false)");
      }
      List<String> joinKeys = catalog.joinKeys(view);
      List<List<Object>> keys = new ArrayList<>(rows);
      for (int i = 0; i < rows; i++) {
        List<Object> key = new ArrayList<>(joinKeys.size());
        for (String k : joinKeys) {
          List<Object> column = keyColumns.get(k);
          if (column == null) {
            throw PierException.badRequest(keyPrefix + k + " is missing: it is the join key of feature view '"
                + view.name() + "'");
          }
          if (column.get(i) == null) {
            throw PierException.badRequest(keyPrefix + k + "[" + i + "] is null");
          }
          key.add(column.get(i));
        }
        keys.add(key);
      }
      // the last view's last batch on this thread, which would otherwise only wait
      reads.put(view.name(), store.readAsync(view, keys, e.getValue(), !views.hasNext()));
    }
    Instant now = clock.instant();
    Map<FeatureRef, List<FeatureValue>> out = new HashMap<>();
    Map<String, List<OnlineStore.Stored>> done = new HashMap<>();
    for (var e : reads.entrySet()) {
      done.put(e.getKey(), e.getValue().join());
    }
    long nanos = System.nanoTime() - started;
    for (FeatureRef r : refs) {
      FeatureView view = catalog.view(r.view());
      List<OnlineStore.Stored> stored = done.get(r.view());
      List<FeatureValue> values = new ArrayList<>(rows);
      for (OnlineStore.Stored s : stored) {
        if (s == null) {
          values.add(new FeatureValue(null, FeatureStatus.NOT_FOUND, null));
        } else if (!view.ttl().isZero() && s.eventTime().isBefore(now.minus(view.ttl()))) {
          values.add(new FeatureValue(null, FeatureStatus.OUTSIDE_MAX_AGE, s.eventTime()));
        } else {
          Object v = s.values().get(r.feature());
          values.add(new FeatureValue(v, v == null ? FeatureStatus.NULL_VALUE : FeatureStatus.PRESENT, s.eventTime()));
        }
      }
      out.put(r, values);
    }
    observe(observer, featuresByView.keySet(), refs, out, "online", nanos);
    return out;
  }

  /** Tells the observer each view's statuses and the event-time range of the values found. */
  static void observe(FeatureObserver observer, Iterable<String> views, List<FeatureRef> refs,
      Map<FeatureRef, List<FeatureValue>> found, String store, long nanos) {
    if (observer == FeatureObserver.NONE) {
      return;
    }
    FeatureStatus[] all = FeatureStatus.values();
    for (String view : views) {
      int[] counts = new int[all.length]; // counted unboxed: 50 rows × 200 features are 10,000 values
      Instant newest = null;
      Instant oldest = null;
      for (FeatureRef r : refs) {
        if (!r.view().equals(view)) {
          continue;
        }
        for (FeatureValue v : found.get(r)) {
          counts[v.status().ordinal()]++;
          Instant t = v.eventTime();
          if (t != null) {
            newest = newest == null || t.isAfter(newest) ? t : newest;
            oldest = oldest == null || t.isBefore(oldest) ? t : oldest;
          }
        }
      }
      Map<FeatureStatus, Integer> statuses = new java.util.EnumMap<>(FeatureStatus.class);
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] > 0) {
          statuses.put(all[i], counts[i]);
        }
      }
      observer.lookedUp(view, store, nanos, statuses, newest, oldest);
    }
  }
}
