package dev.pier.features;

import dev.pier.kernel.PierException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The prediction pipeline's feature lookup as of a moment per instance, from the offline store: for batch scoring
 * with {@code "point_in_time": true}, each row gets the values its entity had at the row's own event timestamp — the
 * same join as {@link HistoricalRetrieval} (DuckDB's {@code ASOF LEFT JOIN} over the views' Parquet; the latest
 * feature row at or before the timestamp, ties broken by the greatest created timestamp), answered with the online
 * lookup's statuses so the stage merges, imputes and refuses exactly as for an online lookup:
 * {@code NOT_FOUND} (no feature row at or before the timestamp), {@code OUTSIDE_MAX_AGE} (the latest is older than
 * the timestamp − the view's ttl), {@code NULL_VALUE}, {@code PRESENT}.
 *
 * <p>Each call opens one in-memory DuckDB and reads only the feature rows of the instances' entity keys.
 */
public final class PointInTimeLookup {
  private final FeatureRegistry registry;
  private final OfflineStore offline;
  private final FeatureObserver observer;
  private volatile WorkerHandOff handOff;

  public PointInTimeLookup(FeatureRegistry registry, OfflineStore offline) {
    this(registry, offline, FeatureObserver.NONE);
  }

  public PointInTimeLookup(FeatureRegistry registry, OfflineStore offline, FeatureObserver observer) {
    this.registry = registry;
    this.offline = offline;
    this.observer = observer;
  }

  /** Lookups run in the feature worker (in AWS, where this process has no DuckDB). */
  public void handOffTo(WorkerHandOff handOff) {
    this.handOff = handOff;
  }

  /**
   * @param featureService a feature service's name; 404 when there is none
   * @param instances each instance's fields: the join keys and {@code timestampField}
   * @param timestampField the field holding each instance's moment (ISO-8601 text, epoch seconds, or an
   *     {@link Instant}); 400 naming the instance when it is missing or not a timestamp
   * @return per instance, {@link FeatureRef#fullName() view__feature} → the value as of the instance's moment
   */
  public List<Map<String, FeatureValue>> lookup(String featureService, List<Map<String, Object>> instances,
      String timestampField) {
    Catalog catalog = registry.catalog();
    WorkerHandOff worker = handOff;
    if (worker != null) {
      for (int i = 0; i < instances.size(); i++) { // a missing timestamp is the caller's 400, named here
        moment(instances.get(i).get(timestampField), i, timestampField);
      }
      return worker.pointInTime(catalog, featureService, instances, timestampField);
    }
    List<FeatureRef> asked = catalog.resolve(null, featureService);
    OnDemand.Plan plan = OnDemand.plan(catalog, asked);
    List<FeatureRef> refs = plan.lookups();
    Map<String, List<Object>> keys = OnlineFeatures.joinKeyColumns(catalog, refs, featureService, instances);
    List<Instant> times = new ArrayList<>(instances.size());
    for (int i = 0; i < instances.size(); i++) {
      times.add(moment(instances.get(i).get(timestampField), i, timestampField));
    }
    Map<String, List<String>> byView = new LinkedHashMap<>();
    for (FeatureRef r : refs) {
      byView.computeIfAbsent(r.view(), v -> new ArrayList<>()).add(r.feature());
    }
    List<Map<String, FeatureValue>> out = new ArrayList<>(instances.size());
    for (int i = 0; i < instances.size(); i++) {
      out.add(new LinkedHashMap<>());
    }
    long started = System.nanoTime();
    try (Connection db = DuckDb.open("point-in-time feature lookup")) {
      List<String> keyNames = new ArrayList<>(keys.keySet());
      HistoricalRetrieval.loadEntityRows(db, catalog, keyNames, keys, times);
      for (var e : byView.entrySet()) {
        join(db, catalog, catalog.view(e.getKey()), e.getValue(), out);
      }
    } catch (SQLException e) {
      throw new PierException(500, "the point-in-time feature lookup failed: " + e.getMessage(), e);
    }
    long nanos = System.nanoTime() - started;
    if (observer != FeatureObserver.NONE) {
      Map<FeatureRef, List<FeatureValue>> byRef = new LinkedHashMap<>();
      for (FeatureRef r : refs) {
        byRef.put(r, out.stream().map(row -> row.get(r.fullName())).toList());
      }
      OnlineFeatures.observe(observer, byView.keySet(), refs, byRef, "offline", nanos);
    }
    if (!plan.none()) {
      Map<FeatureRef, List<FeatureValue>> byRef = new LinkedHashMap<>();
      for (FeatureRef r : refs) {
        byRef.put(r, out.stream().map(row -> row.get(r.fullName())).toList());
      }
      var computed = plan.compute(instances.size(), byRef, OnlineFeatures.instances(instances));
      for (int i = 0; i < out.size(); i++) {
        Map<String, FeatureValue> row = out.get(i);
        plan.hidden().forEach(r -> row.remove(r.fullName()));
        for (var e : computed.entrySet()) {
          row.put(e.getKey().fullName(), e.getValue().get(i));
        }
      }
    }
    return out;
  }

  /** An instance's moment: ISO-8601 text, epoch seconds (a number) or an {@link Instant}. */
  static Instant moment(Object raw, int instance, String field) {
    if (raw == null) {
      throw PierException.badRequest("instances[" + instance + "]: has no '" + field + "', the event timestamp a"
          + " point-in-time feature lookup needs");
    }
    try {
      return switch (raw) {
        case Instant t -> t;
        case String s -> Timestamps.parse(s);
        case Number n -> Timestamps.parse(DefinitionsParser.JSON.valueToTree(n));
        default -> throw new IllegalArgumentException("'" + raw + "' is not a timestamp");
      };
    } catch (IllegalArgumentException e) {
      throw PierException.badRequest("instances[" + instance + "]." + field + ": " + e.getMessage());
    }
  }

  private void join(Connection db, Catalog catalog, FeatureView view, List<String> features,
      List<Map<String, FeatureValue>> out) throws SQLException {
    DataSource.Parquet source = catalog.offlineSource(view);
    OfflineStore.Mirrored files = offline.fetch(source);
    List<String> joinKeys = catalog.joinKeys(view);
    StringBuilder select = new StringBuilder();
    StringBuilder sameKey = new StringBuilder();
    for (String k : joinKeys) {
      select.append("r.").append(OfflineStore.quote(k)).append(", ");
      sameKey.append(sameKey.isEmpty() ? "" : " AND ").append("k.").append(OfflineStore.quote(k)).append(" = r.")
          .append(OfflineStore.quote(k));
    }
    String ts = "CAST(r." + OfflineStore.quote(source.timestampField()) + " AS TIMESTAMP)";
    String created = source.createdTimestampColumn() == null ? null
        : "r." + OfflineStore.quote(source.createdTimestampColumn());
    select.append(ts).append(" AS _ts, ").append(HistoricalRetrieval.featureOrder(ts, created)).append(" AS _order");
    StringBuilder columns = new StringBuilder("e._row, epoch_us(e._ts), epoch_us(f._ts)");
    for (int i = 0; i < features.size(); i++) {
      Field f = view.feature(features.get(i));
      select.append(", CAST(r.").append(OfflineStore.quote(f.name())).append(" AS ").append(f.dtype().sql())
          .append(") AS _f").append(i);
      columns.append(", ").append(f.dtype().scalar() == Dtype.Scalar.UNIX_TIMESTAMP && !f.dtype().list()
          ? "epoch_us(f._f" + i + ")" : "f._f" + i);
    }
    // only the instances' entities: a batch of rows reads a sliver of the view's history
    String rows = "SELECT " + select + " FROM read_parquet(" + HistoricalRetrieval.fileList(files)
        + ", hive_partitioning = " + files.hive() + ", union_by_name = true) r WHERE EXISTS (SELECT 1 FROM entity_rows"
        + " k WHERE " + sameKey + ")";
    StringBuilder on = new StringBuilder();
    for (String k : joinKeys) {
      on.append("e.").append(OfflineStore.quote(k)).append(" = f.").append(OfflineStore.quote(k)).append(" AND ");
    }
    on.append(HistoricalRetrieval.entityOrder("e._ts", created)).append(" >= f._order");
    String sql = "SELECT " + columns + " FROM entity_rows e ASOF LEFT JOIN (" + rows + ") f ON " + on;
    long ttlMicros = view.ttl().isZero() ? -1 : view.ttl().toNanos() / 1000;
    try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        int row = (int) rs.getLong(1);
        long asOf = rs.getLong(2);
        long at = rs.getLong(3);
        boolean found = !rs.wasNull();
        Instant eventTime = found ? Timestamps.fromMicros(at) : null;
        for (int i = 0; i < features.size(); i++) {
          String name = view.name() + "__" + features.get(i);
          FeatureValue value;
          if (!found) {
            value = new FeatureValue(null, FeatureStatus.NOT_FOUND, null);
          } else if (ttlMicros >= 0 && at < asOf - ttlMicros) {
            value = new FeatureValue(null, FeatureStatus.OUTSIDE_MAX_AGE, eventTime);
          } else {
            Object v = HistoricalRetrieval.value(rs, 4 + i, view.feature(features.get(i)).dtype());
            value = new FeatureValue(v, v == null ? FeatureStatus.NULL_VALUE : FeatureStatus.PRESENT, eventTime);
          }
          out.get(row).put(name, value);
        }
      }
    } catch (SQLException e) {
      if (e.getMessage() != null && (e.getMessage().contains("Binder Error")
          || e.getMessage().contains("Conversion Error"))) {
        throw new PierException(500, "feature view '" + view.name() + "': source " + source.path()
            + " does not match its schema: " + e.getMessage().lines().findFirst().orElse(""), e);
      }
      throw e;
    }
  }
}
