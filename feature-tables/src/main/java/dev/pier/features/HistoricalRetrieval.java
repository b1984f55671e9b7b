package dev.pier.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Training data, point-in-time correct exactly as Feast defines it: for each entity row and feature view, the
 * feature row of the same entity key with the greatest event time ≤ the row's {@code event_timestamp} and ≥ that
 * time − the view's ttl (no lower bound for ttl 0); between feature rows of the same event time, the one with the
 * greatest created timestamp; nulls when there is none. Entity rows keep their order and every column they came
 * with (labels pass through).
 *
 * <p>The join is DuckDB's {@code ASOF LEFT JOIN} over the views' Parquet (mirrored from S3 by {@link OfflineStore}),
 * one in-memory DuckDB per request: each entity row takes the latest feature row at or before its time in the order
 * of (event time, created time) ({@link #featureOrder}), and a row older than the ttl window is nulled — the latest
 * row is outside the window exactly when every earlier one is too. Between feature rows of equal key, event time and
 * created time the join takes any one, as Feast's own offline stores do.
 */
public final class HistoricalRetrieval {
  /** Inline entity rows answered inline; more belong in a Parquet entity source (not built yet). */
  public static final int MAX_INLINE_ROWS = 10_000;
  static final String EVENT_TIMESTAMP = "event_timestamp";

  private final FeatureRegistry registry;
  private final OfflineStore offline;
  private volatile WorkerHandOff handOff;

  public HistoricalRetrieval(FeatureRegistry registry, OfflineStore offline) {
    this.registry = registry;
    this.offline = offline;
  }

  /** Inline retrieval runs in the feature worker (in AWS, where this process has no DuckDB). */
  public void handOffTo(WorkerHandOff handOff) {
    this.handOff = handOff;
  }

  /** The definitions as of now (the registry's cached catalog). */
  Catalog catalog() {
    return registry.catalog();
  }

  /** The joined rows: each entity row's own fields, then the features by name (or {@code view__feature}). */
  public record Result(List<String> featureNames, List<ObjectNode> rows) {}

  public Result retrieve(List<String> features, String featureService, JsonNode entityRows, boolean fullFeatureNames) {
    Catalog catalog = registry.catalog();
    List<FeatureRef> refs = catalog.resolve(features, featureService);
    if (entityRows == null || !entityRows.isArray() || entityRows.isEmpty()) {
      throw PierException.badRequest("'entity_rows' must be a non-empty list of objects, each with the join keys and"
          + " an event_timestamp");
    }
    if (entityRows.size() > MAX_INLINE_ROWS) {
      throw PierException.badRequest("'entity_rows' has " + entityRows.size() + " rows; at most " + MAX_INLINE_ROWS
          + " are answered inline");
    }
    WorkerHandOff worker = handOff;
    if (worker != null) {
      return worker.historical(features, featureService, entityRows, fullFeatureNames);
    }
    OnDemand.Plan plan = OnDemand.plan(catalog, refs);
    Map<String, List<String>> byView = new LinkedHashMap<>();
    for (FeatureRef r : plan.lookups()) {
      byView.computeIfAbsent(r.view(), v -> new ArrayList<>()).add(r.feature());
    }
    Map<String, String> columnOf = new LinkedHashMap<>();
    for (FeatureRef r : refs) {
      String name = fullFeatureNames ? r.fullName() : r.feature();
      if (columnOf.containsValue(name)) {
        throw PierException.badRequest("feature name '" + name + "' is in more than one view: ask with"
            + " \"full_feature_names\": true");
      }
      columnOf.put(r.toString(), name);
    }
    for (FeatureRef r : plan.hidden()) {
      columnOf.put(r.toString(), "\u0000" + r.fullName()); // an on-demand input, dropped after the computation
    }
    Set<String> joinKeys = new LinkedHashSet<>();
    for (String v : byView.keySet()) {
      joinKeys.addAll(catalog.joinKeys(catalog.view(v)));
    }
    // entity rows, typed and checked before any data is read
    List<Instant> times = new ArrayList<>(entityRows.size());
    Map<String, List<Object>> keys = new LinkedHashMap<>();
    joinKeys.forEach(k -> keys.put(k, new ArrayList<>(entityRows.size())));
    for (int i = 0; i < entityRows.size(); i++) {
      JsonNode row = entityRows.get(i);
      if (!row.isObject()) {
        throw PierException.badRequest("entity_rows[" + i + "] is not an object");
      }
      JsonNode ts = row.get(EVENT_TIMESTAMP);
      if (ts == null || ts.isNull()) {
        throw PierException.badRequest("entity_rows[" + i + "] has no event_timestamp");
      }
      try {
        times.add(Timestamps.parse(ts));
      } catch (IllegalArgumentException e) {
        throw PierException.badRequest("entity_rows[" + i + "].event_timestamp: " + e.getMessage());
      }
      for (String k : joinKeys) {
        Entity entity = catalog.entityByJoinKey(k);
        JsonNode v = row.get(k);
        if (v == null || v.isNull()) {
          throw PierException.badRequest("entity_rows[" + i + "] has no '" + k + "', the join key of entity '"
              + entity.name() + "'");
        }
        try {
          keys.get(k).add(entity.valueType().fromJson(v));
        } catch (IllegalArgumentException e) {
          throw PierException.badRequest("entity_rows[" + i + "]." + k + ": " + e.getMessage());
        }
      }
    }

    List<ObjectNode> out = new ArrayList<>(entityRows.size());
    for (JsonNode row : entityRows) {
      out.add(((ObjectNode) row).deepCopy());
    }
    List<OfflineStore.Mirrored> mirrored = offline.fetchAll(
        byView.keySet().stream().map(v -> catalog.offlineSource(catalog.view(v))).toList());
    try (Connection db = DuckDb.open("historical retrieval")) {
      loadEntityRows(db, catalog, joinKeys, keys, times);
      int v = 0;
      for (var e : byView.entrySet()) {
        FeatureView view = catalog.view(e.getKey());
        join(db, catalog, view, e.getValue(), mirrored.get(v++), columnOf, out);
      }
    } catch (SQLException e) {
      throw new PierException(500, "the point-in-time join failed: " + e.getMessage(), e);
    }
    if (!plan.none()) {
      computeOnDemand(catalog, plan, columnOf, entityRows, out);
    }
    return new Result(columnOf.values().stream().filter(n -> !n.startsWith("\u0000")).toList(), out);
  }

  /**
   * The on-demand features of joined rows, computed by {@link OnDemand} from the joined values (a null value counts
   * as not found) and the entity rows' other fields (the request data), written into the rows; the inputs joined only
   * for them are removed.
   */
  private static void computeOnDemand(Catalog catalog, OnDemand.Plan plan, Map<String, String> columnOf,
      JsonNode entityRows, List<ObjectNode> out) {
    Map<FeatureRef, List<FeatureValue>> found = new LinkedHashMap<>();
    for (FeatureRef r : plan.lookups()) {
      Dtype type = catalog.dtype(r);
      String column = columnOf.get(r.toString());
      List<FeatureValue> values = new ArrayList<>(out.size());
      for (ObjectNode row : out) {
        Object v = type.fromJson(row.get(column));
        values.add(new FeatureValue(v, v == null ? FeatureStatus.NOT_FOUND : FeatureStatus.PRESENT, null));
      }
      found.put(r, values);
    }
    var computed = plan.compute(out.size(), found, new OnDemand.Request() {
      @Override
      public JsonNode field(int row, String name) {
        return entityRows.get(row).get(name);
      }

      @Override
      public String where(int row) {
        return "entity_rows[" + row + "]";
      }
    });
    for (int i = 0; i < out.size(); i++) {
      ObjectNode row = out.get(i);
      for (var e : computed.entrySet()) {
        row.set(columnOf.get(e.getKey().toString()), catalog.dtype(e.getKey()).toJson(e.getValue().get(i).value()));
      }
      for (FeatureRef r : plan.hidden()) {
        row.remove(columnOf.get(r.toString()));
      }
    }
  }

  /** Where a Parquet-to-Parquet retrieval wrote its rows. */
  public record ParquetResult(String output, long rows,
      @com.fasterxml.jackson.annotation.JsonProperty("feature_names") List<String> featureNames) {}

  /**
   * Entity rows from a Parquet file in S3 ({@code event_timestamp}, the join keys, any other columns), joined the
   * same way and written as a Parquet file to {@code output} (default: {@code pier-historical/<id>.parquet} next to
   * the entity file), with the entity columns first and the features after, in the order asked. No row limit: DuckDB
   * does the join. On-demand features are computed by {@link OnDemand} over the joined rows, a page of
   * {@link #PAGE} rows at a time (the entity file's other columns are the request data), and their values go back into
   * DuckDB, so the JVM holds one page whatever the file's size.
   */
  public ParquetResult retrieveToParquet(List<String> features, String featureService, String entitySource,
      String output, boolean fullFeatureNames) {
    Catalog catalog = registry.catalog();
    List<FeatureRef> refs = catalog.resolve(features, featureService);
    OnDemand.Plan plan = OnDemand.plan(catalog, refs);
    if (entitySource == null || !entitySource.startsWith("s3://")) {
      throw PierException.badRequest("'entity_source' must be an s3://bucket/key.parquet location");
    }
    WorkerHandOff worker = handOff;
    if (worker != null) {
      return worker.historicalToParquet(features, featureService, entitySource, output, fullFeatureNames);
    }
    // the output name of each feature asked for; the inputs joined only for on-demand features get hidden columns
    List<String> names = new ArrayList<>();
    Map<FeatureRef, String> column = new LinkedHashMap<>();
    for (FeatureRef r : refs) {
      String name = fullFeatureNames ? r.fullName() : r.feature();
      if (names.contains(name)) {
        throw PierException.badRequest("feature name '" + name + "' is in more than one view: ask with"
            + " \"full_feature_names\": true");
      }
      names.add(name);
      column.put(r, name);
    }
    int hiddenColumns = 0;
    for (FeatureRef r : plan.hidden()) {
      column.put(r, "_pier_input_" + hiddenColumns++);
    }
    Map<String, List<String>> byView = new LinkedHashMap<>();
    for (FeatureRef r : plan.lookups()) {
      byView.computeIfAbsent(r.view(), v -> new ArrayList<>()).add(r.feature());
    }
    // the entity file and every view's source mirrored at once: cold, the downloads overlap each other
    List<DataSource.Parquet> sources = new ArrayList<>();
    sources.add(new DataSource.Parquet("entity_source", entitySource, EVENT_TIMESTAMP, null, null));
    byView.keySet().forEach(v -> sources.add(catalog.offlineSource(catalog.view(v))));
    List<OfflineStore.Mirrored> mirrored = offline.fetchAll(sources);
    OfflineStore.Mirrored entityFiles = mirrored.getFirst();
    String target = output != null ? output : entitySource.substring(0, entitySource.lastIndexOf('/') + 1)
        + "pier-historical/" + java.util.UUID.randomUUID() + ".parquet";
    try (Connection db = DuckDb.open("historical retrieval"); Statement s = db.createStatement()) {
      try {
        // numbered in file order, so the output keeps the entity rows' order whatever DuckDB's parallel scan does;
        // one file (the usual case) is numbered by its own row numbers, without a sort
        String number = entityFiles.files().size() == 1 ? "file_row_number"
            : "row_number() OVER (ORDER BY filename, file_row_number) - 1";
        s.execute("CREATE TABLE entity_rows AS SELECT " + number
            + " AS _row, CAST(" + EVENT_TIMESTAMP + " AS TIMESTAMP) AS _ts, * EXCLUDE (filename, file_row_number)"
            + " FROM read_parquet(" + fileList(entityFiles) + ", hive_partitioning = " + entityFiles.hive()
            + ", union_by_name = true, filename = true, file_row_number = true)");
      } catch (SQLException e) {
        throw PierException.badRequest("entity_source " + entitySource + ": " + firstLine(e.getMessage()));
      }
      if (!plan.none()) {
        checkRequestColumns(s, plan, entitySource);
      }
      // one ASOF JOIN per view, chained in one statement and sorted once by entity row: no per-view answers to
      // materialize and join back by row number (that join and its sort were 7.7 of 31.4 s at 1 M rows)
      StringBuilder select = new StringBuilder("e._row, e.* EXCLUDE (_row, _ts)");
      StringBuilder from = new StringBuilder(" FROM entity_rows e");
      List<ViewRows> views = new ArrayList<>();
      int v = 0;
      for (var entry : byView.entrySet()) {
        FeatureView view = catalog.view(entry.getKey());
        ViewRows rows = viewRows(db, catalog, view, entry.getValue(), mirrored.get(1 + v));
        views.add(rows);
        String f = "f" + v;
        String join = " ASOF LEFT JOIN (" + rows.sql() + ") " + f + " ON " + on(catalog.joinKeys(view), rows, f);
        try (PreparedStatement bound = db.prepareStatement("SELECT 1 FROM entity_rows e" + join)) {
          // bound, not run: a missing join key is named before any data is read
        } catch (SQLException e) {
          throw PierException.badRequest("entity_source " + entitySource + " lacks a join key of feature view '"
              + view.name() + "' (" + String.join(", ", catalog.joinKeys(view)) + "): " + firstLine(e.getMessage()));
        }
        from.append(join);
        String within = within(view, f);
        for (int i = 0; i < entry.getValue().size(); i++) {
          String name = column.get(new FeatureRef(view.name(), entry.getValue().get(i)));
          select.append(", CASE WHEN ").append(within).append(" THEN ").append(f).append("._f").append(i)
              .append(" END AS ").append(OfflineStore.quote(name));
        }
        v++;
      }
      long rows;
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM entity_rows")) {
        rs.next();
        rows = rs.getLong(1);
      }
      String result;
      if (plan.none()) {
        result = "SELECT * EXCLUDE (_row) FROM (SELECT " + select + from + ") ORDER BY _row";
      } else {
        run(s, "CREATE TABLE joined AS SELECT " + select + from + " ORDER BY e._row", views);
        computeOnDemand(db, catalog, plan, column, rows);
        StringBuilder out = new StringBuilder("SELECT j.* EXCLUDE (_row");
        for (FeatureRef r : plan.lookups()) {
          out.append(", ").append(OfflineStore.quote(column.get(r)));
        }
        out.append(')');
        for (FeatureRef r : refs) {
          out.append(", ").append(plan.onDemand().contains(r) ? "d._od" + plan.onDemand().indexOf(r)
              : "j." + OfflineStore.quote(column.get(r))).append(" AS ").append(OfflineStore.quote(column.get(r)));
        }
        result = out + " FROM joined j JOIN on_demand d USING (_row) ORDER BY j._row";
      }
      java.nio.file.Path file = java.nio.file.Files.createTempFile("pier-historical", ".parquet");
      try {
        run(s, "COPY (" + result + ") TO '" + file.toString().replace("'", "''") + "' (FORMAT parquet)", views);
        offline.upload(target, file);
        return new ParquetResult(target, rows, names);
      } finally {
        java.nio.file.Files.deleteIfExists(file);
      }
    } catch (SQLException e) {
      throw new PierException(500, "the point-in-time join failed: " + e.getMessage(), e);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Rows of the joined table read and computed per page by {@link #computeOnDemand}. */
  static final int PAGE = 4096;

  /**
   * Each request field of the on-demand features is a column of the entity file whose values all cast to the
   * field's type; else a 400 naming the field and the first row that does not.
   */
  private static void checkRequestColumns(Statement s, OnDemand.Plan plan, String entitySource)
      throws SQLException {
    Set<String> present = new LinkedHashSet<>();
    try (ResultSet rs = s.executeQuery("SELECT * FROM entity_rows LIMIT 0")) {
      for (int c = 1; c <= rs.getMetaData().getColumnCount(); c++) {
        present.add(rs.getMetaData().getColumnName(c));
      }
    }
    for (Field f : plan.requestFields()) {
      if (!present.contains(f.name())) {
        throw PierException.badRequest("entity_source " + entitySource + " has no column '" + f.name() + "', a"
            + " request field of the on-demand features asked for (" + f.dtype() + ")");
      }
      String c = OfflineStore.quote(f.name());
      try (ResultSet rs = s.executeQuery("SELECT min(_row) FROM entity_rows WHERE " + c + " IS NOT NULL AND TRY_CAST("
          + c + " AS " + f.dtype().sql() + ") IS NULL")) {
        rs.next();
        if (rs.getObject(1) != null) {
          throw PierException.badRequest("entity_source " + entitySource + " row " + rs.getLong(1) + ": column '"
              + f.name() + "' is not a " + f.dtype() + " (a request field of the on-demand features asked for)");
        }
      } catch (SQLException e) {
        throw PierException.badRequest("entity_source " + entitySource + ": column '" + f.name() + "' cannot be a "
            + f.dtype() + ": " + firstLine(e.getMessage()));
      }
    }
  }

  /**
   * Table {@code on_demand} ({@code _row}, {@code _od0}, …): the plan's on-demand features of every row of table
   * {@code joined}, computed page by page from the joined inputs (null = not found) and the request columns.
   */
  private static void computeOnDemand(Connection db, Catalog catalog, OnDemand.Plan plan,
      Map<FeatureRef, String> column, long rows) throws SQLException {
    List<FeatureRef> outputs = plan.onDemand();
    StringBuilder create = new StringBuilder("CREATE TABLE on_demand (_row BIGINT");
    StringBuilder insert = new StringBuilder("INSERT INTO on_demand VALUES (?");
    for (int i = 0; i < outputs.size(); i++) {
      create.append(", _od").append(i).append(' ').append(catalog.dtype(outputs.get(i)).sql());
      insert.append(", ?");
    }
    List<Field> request = plan.requestFields();
    StringBuilder read = new StringBuilder("SELECT _row");
    for (FeatureRef r : plan.lookups()) {
      read.append(", ").append(readable(OfflineStore.quote(column.get(r)), catalog.dtype(r)));
    }
    for (Field f : request) {
      read.append(", ").append(readable("CAST(" + OfflineStore.quote(f.name()) + " AS " + f.dtype().sql() + ")",
          f.dtype()));
    }
    read.append(" FROM joined WHERE _row >= ? AND _row < ? ORDER BY _row");
    try (Statement s = db.createStatement()) {
      s.execute(create.append(')').toString());
    }
    try (PreparedStatement page = db.prepareStatement(read.toString());
        PreparedStatement write = db.prepareStatement(insert.append(')').toString())) {
      for (long first = 0; first < rows; first += PAGE) {
        int n = (int) Math.min(PAGE, rows - first);
        Map<FeatureRef, List<FeatureValue>> found = new LinkedHashMap<>();
        plan.lookups().forEach(r -> found.put(r, new ArrayList<>(n)));
        JsonNode[][] fields = new JsonNode[n][request.size()];
        page.setLong(1, first);
        page.setLong(2, first + n);
        int row = 0;
        try (ResultSet rs = page.executeQuery()) {
          while (rs.next()) {
            int c = 2;
            for (FeatureRef r : plan.lookups()) {
              Object value = value(rs, c++, catalog.dtype(r));
              found.get(r).add(new FeatureValue(value, value == null ? FeatureStatus.NOT_FOUND
                  : FeatureStatus.PRESENT, null));
            }
            for (int f = 0; f < request.size(); f++) {
              Dtype t = request.get(f).dtype();
              fields[row][f] = t.toJson(value(rs, c++, t));
            }
            row++;
          }
        }
        long offset = first;
        var computed = plan.compute(n, found, new OnDemand.Request() {
          @Override
          public JsonNode field(int r, String name) {
            for (int f = 0; f < request.size(); f++) {
              if (request.get(f).name().equals(name)) {
                return fields[r][f];
              }
            }
            return null;
          }

          @Override
          public String where(int r) {
            return "entity_source row " + (offset + r);
          }
        });
        for (int r = 0; r < n; r++) {
          write.setLong(1, first + r);
          for (int o = 0; o < outputs.size(); o++) {
            bind(write, o + 2, catalog.dtype(outputs.get(o)), computed.get(outputs.get(o)).get(r).value());
          }
          write.addBatch();
        }
        write.executeBatch();
      }
    }
  }

  /** A column as {@link #value} reads it: scalar timestamps as epoch microseconds (no time zone on the way). */
  private static String readable(String expression, Dtype type) {
    return type.scalar() == Dtype.Scalar.UNIX_TIMESTAMP && !type.list() ? "epoch_us(" + expression + ")"
        : expression;
  }

  /** The entity rows (row number, timestamp, join keys) into table {@code entity_rows} of a fresh database. */
  static void loadEntityRows(Connection db, Catalog catalog, Collection<String> joinKeys,
      Map<String, List<Object>> keys, List<Instant> times) throws SQLException {
    StringBuilder create = new StringBuilder("CREATE TABLE entity_rows (_row BIGINT, _ts TIMESTAMP");
    StringBuilder insert = new StringBuilder("INSERT INTO entity_rows VALUES (?, make_timestamp(?)");
    List<Dtype> types = new ArrayList<>();
    for (String k : joinKeys) {
      Dtype t = catalog.entityByJoinKey(k).valueType();
      types.add(t);
      create.append(", ").append(OfflineStore.quote(k)).append(' ').append(t.sql());
      insert.append(", ?");
    }
    try (Statement s = db.createStatement()) {
      s.execute(create.append(')').toString());
    }
    List<String> names = new ArrayList<>(joinKeys);
    try (PreparedStatement p = db.prepareStatement(insert.append(')').toString())) {
      for (int i = 0; i < times.size(); i++) {
        p.setLong(1, i);
        p.setLong(2, Timestamps.micros(times.get(i)));
        for (int c = 0; c < names.size(); c++) {
          bind(p, c + 3, types.get(c), keys.get(names.get(c)).get(i));
        }
        p.addBatch();
      }
      p.executeBatch();
    }
  }

  /**
   * A view's offline rows as the join reads them: the join keys, {@code _ts} (event time), {@code _order} (the ASOF
   * JOIN's key, {@link #featureOrder}) and the features asked for as {@code _f0, _f1, …}, cast to their dtypes.
   * {@code entityOrder} is the entity rows' side of the inequality.
   */
  record ViewRows(FeatureView view, String sql, int features, String entityOrder, String path) {}

  /**
   * The order in which the join takes a view's rows, as one value (an ASOF JOIN has a single inequality): by event
   * time, then by created time (null first). With a created column it is a HUGEINT: the event time's microseconds in
   * the high 64 bits, the created time's, offset by 2^63, in the low 64; {@link #entityOrder} sets every low bit, so an
   * entity row comes after every feature row of its own event time. Reducing each (key, event time) to its latest
   * created row first, with a window, cost 1.4–2.0 CPU-seconds a view of 3.3 M rows; the wider key costs the ASOF JOIN
   * 0.3–0.9 more than event time alone (2026-12-08, README, Feature store, *Historical join*).
   */
  static String featureOrder(String eventTime, String created) {
    return created == null ? eventTime
        : "(epoch_us(" + eventTime + ")::HUGEINT << 64) + (coalesce(epoch_us(CAST(" + created + " AS TIMESTAMP)),"
            + " -9223372036854775807) + 9223372036854775808)::HUGEINT";
  }

  /** The entity rows' side of {@link #featureOrder}: at or after every feature row of the same event time. */
  static String entityOrder(String eventTime, String created) {
    return created == null ? eventTime : "(epoch_us(" + eventTime + ")::HUGEINT << 64) + 18446744073709551615::HUGEINT";
  }

  /** A view's {@link ViewRows} over its mirrored files; 400 naming the view when the files lack a column asked for. */
  private static ViewRows viewRows(Connection db, Catalog catalog, FeatureView view, List<String> features,
      OfflineStore.Mirrored files) {
    DataSource.Parquet source = catalog.offlineSource(view);
    String created = source.createdTimestampColumn() == null ? null
        : OfflineStore.quote(source.createdTimestampColumn());
    StringBuilder select = new StringBuilder();
    for (String k : catalog.joinKeys(view)) {
      select.append(OfflineStore.quote(k)).append(", ");
    }
    String ts = "CAST(" + OfflineStore.quote(source.timestampField()) + " AS TIMESTAMP)";
    select.append(ts).append(" AS _ts, ").append(featureOrder(ts, created)).append(" AS _order");
    for (int i = 0; i < features.size(); i++) {
      Field f = view.feature(features.get(i));
      select.append(", CAST(").append(OfflineStore.quote(f.name())).append(" AS ").append(f.dtype().sql())
          .append(") AS _f").append(i);
    }
    ViewRows rows = new ViewRows(view, "SELECT " + select + " FROM read_parquet(" + fileList(files)
        + ", hive_partitioning = " + files.hive() + ", union_by_name = true)", features.size(),
        entityOrder("e._ts", created),
        source.path());
    try (PreparedStatement bound = db.prepareStatement(rows.sql())) {
      return rows; // bound, not run: a missing column is named before any data is read
    } catch (SQLException e) {
      throw mismatch(rows, e);
    }
  }

  private static PierException mismatch(ViewRows rows, SQLException e) {
    return PierException.badRequest("feature view '" + rows.view().name() + "': source " + rows.path()
        + " does not match its schema: " + firstLine(e.getMessage()));
  }

  /** Runs a statement that reads {@code views}; a failure is {@link #explained}. */
  private static void run(Statement s, String sql, List<ViewRows> views) throws SQLException {
    Connection db = s.getConnection();
    try {
      s.execute(sql);
    } catch (SQLException failed) {
      throw explained(db, views, failed);
    }
  }

  private static ResultSet query(Statement s, String sql, ViewRows rows) throws SQLException {
    Connection db = s.getConnection();
    try {
      return s.executeQuery(sql);
    } catch (SQLException failed) {
      throw explained(db, List.of(rows), failed);
    }
  }

  /**
   * A statement reading {@code views} failed: each view's rows are read alone, to name the view whose values do not
   * cast to its schema (a 400); when all read, the failure is the join's own and is returned.
   */
  private static SQLException explained(Connection db, List<ViewRows> views, SQLException failed) {
    for (ViewRows rows : views) {
      StringBuilder counts = new StringBuilder("SELECT count(_order)");
      for (int i = 0; i < rows.features(); i++) {
        counts.append(", count(_f").append(i).append(')');
      }
      // a statement of DuckDB's JDBC is closed by its failure: each view is read by a fresh one
      try (Statement alone = db.createStatement();
          ResultSet rs = alone.executeQuery(counts + " FROM (" + rows.sql() + ")")) {
        rs.next();
      } catch (SQLException e) {
        throw mismatch(rows, e);
      }
    }
    return failed;
  }

  static String fileList(OfflineStore.Mirrored files) {
    StringBuilder list = new StringBuilder("[");
    for (int i = 0; i < files.files().size(); i++) {
      list.append(i == 0 ? "" : ", ").append('\'').append(files.files().get(i).toString().replace("'", "''"))
          .append('\'');
    }
    return list.append(']').toString();
  }

  /** The ASOF JOIN's condition between {@code entity_rows e} and a view's rows aliased {@code f}. */
  private static String on(List<String> joinKeys, ViewRows rows, String f) {
    StringBuilder on = new StringBuilder();
    for (String k : joinKeys) {
      on.append("e.").append(OfflineStore.quote(k)).append(" = ").append(f).append('.').append(OfflineStore.quote(k))
          .append(" AND ");
    }
    return on.append(rows.entityOrder()).append(" >= ").append(f).append("._order").toString();
  }

  /** Whether a view's joined row {@code f} is within its ttl of the entity row's time (no lower bound for ttl 0). */
  private static String within(FeatureView view, String f) {
    return view.ttl().isZero() ? f + "._ts IS NOT NULL"
        : f + "._ts IS NOT NULL AND " + f + "._ts >= e._ts - INTERVAL (" + view.ttl().getSeconds() + ") SECOND";
  }

  private static void join(Connection db, Catalog catalog, FeatureView view, List<String> features,
      OfflineStore.Mirrored files, Map<String, String> columnOf, List<ObjectNode> out) throws SQLException {
    ViewRows rows = viewRows(db, catalog, view, features, files);
    StringBuilder columns = new StringBuilder("e._row, " + within(view, "f"));
    for (int i = 0; i < features.size(); i++) {
      Field f = view.feature(features.get(i));
      columns.append(", ").append(f.dtype().scalar() == Dtype.Scalar.UNIX_TIMESTAMP && !f.dtype().list()
          ? "epoch_us(f._f" + i + ")" : "f._f" + i);
    }
    String sql = "SELECT " + columns + " FROM entity_rows e ASOF LEFT JOIN (" + rows.sql() + ") f ON "
        + on(catalog.joinKeys(view), rows, "f");
    try (Statement s = db.createStatement(); ResultSet rs = query(s, sql, rows)) {
      while (rs.next()) {
        int row = (int) rs.getLong(1);
        boolean within = rs.getBoolean(2);
        for (int i = 0; i < features.size(); i++) {
          Field f = view.feature(features.get(i));
          Object v = within ? value(rs, 3 + i, f.dtype()) : null;
          out.get(row).set(columnOf.get(view.name() + ":" + f.name()), f.dtype().toJson(v));
        }
      }
    }
  }

  static Object value(ResultSet rs, int column, Dtype type) throws SQLException {
    Object raw = rs.getObject(column);
    if (raw == null) {
      return null;
    }
    if (type.list()) {
      java.sql.Array array = rs.getArray(column);
      List<Object> out = new ArrayList<>();
      for (Object e : (Object[]) array.getArray()) {
        out.add(e == null ? null : scalar(e, type.scalar()));
      }
      return out;
    }
    return scalar(raw, type.scalar());
  }

  private static Object scalar(Object raw, Dtype.Scalar type) {
    return switch (type) {
      case BOOL -> (Boolean) raw;
      case INT32 -> ((Number) raw).intValue();
      case INT64 -> ((Number) raw).longValue();
      case FLOAT32 -> ((Number) raw).floatValue();
      case FLOAT64 -> ((Number) raw).doubleValue();
      case STRING -> raw.toString();
      case BYTES -> raw instanceof java.sql.Blob b ? blob(b) : (byte[]) raw;
      case UNIX_TIMESTAMP -> raw instanceof Number n ? Timestamps.fromMicros(n.longValue())
          : raw instanceof java.sql.Timestamp t ? t.toInstant() : Instant.parse(raw.toString());
    };
  }

  private static byte[] blob(java.sql.Blob b) {
    try {
      return b.getBytes(1, (int) b.length());
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static void bind(PreparedStatement p, int index, Dtype type, Object v) throws SQLException {
    if (v == null) {
      p.setNull(index, Types.NULL);
      return;
    }
    if (type.list()) {
      // DuckDB's JDBC binds lists from text: a JSON array casts to a DuckDB list
      p.setString(index, type.toJson(v).toString());
      return;
    }
    switch (v) {
      case Boolean b -> p.setBoolean(index, b);
      case Integer i -> p.setInt(index, i);
      case Long l -> p.setLong(index, l);
      case Float f -> p.setFloat(index, f);
      case Double d -> p.setDouble(index, d);
      case String s -> p.setString(index, s);
      case byte[] b -> p.setBytes(index, b);
      // as UTC text: a java.sql.Timestamp would be read in the JVM's time zone
      case Instant t -> p.setString(index, java.time.LocalDateTime.ofInstant(t, java.time.ZoneOffset.UTC).toString());
      default -> p.setString(index, v.toString());
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

}
