package dev.pier.features;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.pier.kernel.PierException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Materialization: the newest row per entity key of each view's offline source within {@code [start, end)} copied to
 * the online store. A job is a DynamoDB item in the definitions table ({@code pk = materialization}) and runs as the
 * {@code feature-materialization} state machine ({@link MaterializationWorkflow}: Plan, WriteChunks, Finish, with
 * MarkFailed on any error), on the local runner in this process's executor, one Parquet file or row group (a chunk) at
 * a time:
 * DuckDB streams the file's newest row per key (ties on
 * event time broken by the created column) into conditional online writes, so memory is bounded by one file and an
 * older row never replaces a newer one. Each chunk is recorded as done when written; a job interrupted (a crash,
 * {@code kill -9}) is resumed by {@link #resumeRunning()} from the chunks not yet done, and rewriting a chunk is
 * harmless (the writes are conditional on event time). A view's watermark (for {@code materialize-incremental})
 * advances to {@code end} only once all its chunks are written.
 *
 * <p>In AWS the jobs run as executions of the deployed state machine ({@link #launchWith}), whose tasks the feature
 * worker Lambda ({@link FeatureWorkerHandler}) runs. A file of several Parquet row groups is split into one chunk per
 * row group, each written and recorded on its own (the window holds one row group's rows, not the file's).
 */
public final class Materialization {
  static final String JOBS = "materialization";
  static final String WATERMARKS = "watermark";
  /** Rows handed to the online store at once: 16 transactions of 100 in parallel. */
  private static final int WRITE_BATCH = 1_600;

  /** Step Functions' names. */
  public enum State { RUNNING, SUCCEEDED, FAILED }

  /** A job as the API shows it. */
  public record Job(String id, State state, Map<String, Instant> starts, Instant end, long rows,
      @JsonProperty("chunks_done") int chunksDone, @JsonProperty("chunks_total") int chunksTotal, String error,
      @JsonProperty("created_at") Instant createdAt, @JsonProperty("finished_at") Instant finishedAt) {}

  private final DynamoDbClient dynamo;
  private final String table;
  private final FeatureRegistry registry;
  private final OfflineStore offline;
  private final OnlineStore online;
  private final Clock clock;
  private final MaterializationWorkflow workflow;
  private final FeatureObserver observer;
  private volatile FeatureProfiles profiles = FeatureProfiles.NONE;
  private final OnlineStatistics statistics;
  private volatile java.util.function.Consumer<String> launcher;

  public Materialization(DynamoDbClient dynamo, String table, FeatureRegistry registry, OfflineStore offline,
      OnlineStore online, ExecutorService runner, Clock clock) {
    this(dynamo, table, registry, offline, online, runner, clock, FeatureObserver.NONE);
  }

  public Materialization(DynamoDbClient dynamo, String table, FeatureRegistry registry, OfflineStore offline,
      OnlineStore online, ExecutorService runner, Clock clock, FeatureObserver observer) {
    this.observer = observer;
    this.dynamo = dynamo;
    this.table = table;
    this.registry = registry;
    this.offline = offline;
    this.online = online;
    this.clock = clock;
    this.workflow = new MaterializationWorkflow(this, runner);
    this.launcher = workflow::launch;
    this.statistics = new OnlineStatistics(dynamo, table, clock, observer);
  }

  /** Freshness and pushed-value statistics, kept in this table. */
  public OnlineStatistics statistics() {
    return statistics;
  }

  /** Starts a job over {@code [start, end)} for the views (all online views when empty); 400 naming bad input. */
  public Job start(Instant start, Instant end, List<String> views) {
    if (start == null || end == null) {
      throw PierException.badRequest("'start' and 'end' are required (ISO-8601 timestamps)");
    }
    Map<String, Instant> starts = new LinkedHashMap<>();
    for (FeatureView v : views(views)) {
      starts.put(v.name(), start);
    }
    return submit(create(starts, end));
  }

  /** Starts a job from each view's watermark (or end − ttl when it has none, as Feast does) to {@code end}. */
  public Job startIncremental(Instant end, List<String> views) {
    if (end == null) {
      throw PierException.badRequest("'end' is required (an ISO-8601 timestamp)");
    }
    Map<String, Instant> starts = new LinkedHashMap<>();
    for (FeatureView v : views(views)) {
      Instant mark = watermark(v.name());
      starts.put(v.name(), mark != null ? mark : v.ttl().isZero() ? Instant.EPOCH : end.minus(v.ttl()));
    }
    return submit(create(starts, end));
  }

  /** Whether any applied feature view is online (something for a scheduled incremental job to do). */
  public boolean hasOnlineViews() {
    return registry.catalog().featureViews().values().stream().anyMatch(FeatureView::online);
  }

  private List<FeatureView> views(List<String> names) {
    Catalog catalog = registry.catalog();
    List<FeatureView> out = new ArrayList<>();
    if (names == null || names.isEmpty()) {
      catalog.featureViews().values().stream().filter(FeatureView::online).forEach(out::add);
    } else {
      for (String n : names) {
        FeatureView v = catalog.view(n);
        if (!v.online()) {
          throw PierException.badRequest("feature view '" + n + "' is not online (online: false): nothing to"
              + " materialize");
        }
        out.add(v);
      }
    }
    if (out.isEmpty()) {
      throw PierException.badRequest("no online feature view to materialize");
    }
    return out;
  }

  /** Records a new RUNNING job (without running it). */
  Job create(Map<String, Instant> starts, Instant end) {
    for (var e : starts.entrySet()) {
      if (!e.getValue().isBefore(end)) {
        throw PierException.badRequest("feature view '" + e.getKey() + "': start " + e.getValue()
            + " is not before end " + end);
      }
    }
    String id = "mat-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    ArrayNode s = DefinitionsParser.JSON.createArrayNode();
    starts.forEach((v, t) -> s.addObject().put("view", v).put("start", t.toString()));
    Instant now = clock.instant();
    dynamo.putItem(b -> b.tableName(table).item(Map.of("pk", str(JOBS), "sk", str(id), "state", str("RUNNING"),
            "starts", str(s.toString()), "end", str(end.toString()), "rows", num(0), "chunks_total", num(0),
            "created_at", str(now.toString())))
        .conditionExpression("attribute_not_exists(pk)"));
    return get(id);
  }

  private Job submit(Job job) {
    launcher.accept(job.id());
    return job;
  }

  /**
   * Jobs are started by {@code launcher} (given the job's id) instead of on this process's local runner: in AWS, as
   * executions of the feature-materialization state machine ({@link StepFunctionsLauncher}).
   */
  public void launchWith(java.util.function.Consumer<String> launcher) {
    this.launcher = java.util.Objects.requireNonNull(launcher);
  }

  /** Submits every RUNNING job again: after a restart, each goes on from its first chunk not yet done. */
  public int resumeRunning() {
    int n = 0;
    for (Map<String, AttributeValue> item : jobs()) {
      if ("RUNNING".equals(item.get("state").s())) {
        launcher.accept(item.get("sk").s());
        n++;
      }
    }
    return n;
  }

  /** The job; 404 naming it when there is none. */
  public Job get(String id) {
    var item = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
        .key(Map.of("pk", str(JOBS), "sk", str(id)))).item();
    if (item == null || item.isEmpty()) {
      throw PierException.notFound("materialization '" + id + "' does not exist");
    }
    return job(item);
  }

  /** A view's watermark: the end of its last completed materialization, or null. */
  public Instant watermark(String view) {
    var item = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
        .key(Map.of("pk", str(WATERMARKS), "sk", str(view)))).item();
    return item == null || item.isEmpty() ? null : Instant.parse(item.get("end").s());
  }

  /** Runs (or goes on with) a job's workflow in this thread; a job no longer RUNNING is left alone. */
  void run(String id) {
    workflow.run(id);
  }

  /** Profiles each chunk's values while writing it ({@link FeatureProfiles}); none by default. */
  public void profileWith(FeatureProfiles profiles) {
    this.profiles = java.util.Objects.requireNonNull(profiles);
    statistics.profileWith(profiles);
  }

  /** A feature's profile in the discovery API, from the latest materialization of its view that finished. */
  public record Profile(String feature, String job, Instant end, Map<String, Object> statistics) {}

  /**
   * The profile of each feature of a view, as of the latest materialization job that finished it; empty before one
   * (or without profiles).
   */
  public List<Profile> profile(String view) {
    if (profiles == FeatureProfiles.NONE) {
      return List.of();
    }
    List<Profile> out = new ArrayList<>();
    for (Map<String, AttributeValue> i : query(PROFILE + view)) {
      out.add(new Profile(i.get("feature").s(), i.get("job").s(), Instant.parse(i.get("end").s()),
          profiles.summarize(i.get("p").b().asByteArray(), Long.parseLong(i.get("rows").n()),
              Long.parseLong(i.get("nulls").n()))));
    }
    return out;
  }

  private static final String PROFILE = "profile#";

  private List<Map<String, AttributeValue>> query(String pk) {
    List<Map<String, AttributeValue>> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      QueryResponse page = dynamo.query(QueryRequest.builder().tableName(table).consistentRead(true)
          .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", str(pk)))
          .exclusiveStartKey(start).build());
      out.addAll(page.items());
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return out;
  }

  /** A chunk's profiles, one item per feature, overwritten when the chunk is written again. */
  private void saveChunkProfiles(String id, Chunk chunk, long rows, Map<String, FeatureProfiles.Profile> built,
      Map<String, Long> nulls) {
    for (var e : built.entrySet()) {
      dynamo.putItem(b -> b.tableName(table).item(Map.of("pk", str(PROFILE + id + "#" + chunk.view()),
          "sk", str(chunk.file() + "#" + e.getKey()), "feature", str(e.getKey()), "rows", num(rows),
          "nulls", num(nulls.getOrDefault(e.getKey(), 0L)),
          "p", AttributeValue.fromB(software.amazon.awssdk.core.SdkBytes.fromByteArray(e.getValue().toBytes())))));
    }
  }

  /** At Finish: the chunks' profiles merged per feature become the view's profile. */
  private void mergeProfiles(String id, String view, Instant end) {
    Map<String, List<byte[]>> parts = new LinkedHashMap<>();
    Map<String, long[]> counts = new HashMap<>();
    for (Map<String, AttributeValue> i : query(PROFILE + id + "#" + view)) {
      String feature = i.get("feature").s();
      parts.computeIfAbsent(feature, f -> new ArrayList<>()).add(i.get("p").b().asByteArray());
      long[] c = counts.computeIfAbsent(feature, f -> new long[2]);
      c[0] += Long.parseLong(i.get("rows").n());
      c[1] += Long.parseLong(i.get("nulls").n());
    }
    for (var e : parts.entrySet()) {
      long[] c = counts.get(e.getKey());
      byte[] merged = profiles.merge(e.getValue());
      dynamo.putItem(b -> b.tableName(table).item(Map.of("pk", str(PROFILE + view), "sk", str(e.getKey()),
          "feature", str(e.getKey()), "rows", num(c[0]), "nulls", num(c[1]), "job", str(id),
          "end", str(end.toString()), "p", AttributeValue.fromB(software.amazon.awssdk.core.SdkBytes.fromByteArray(merged)))));
    }
  }

  /**
   * One chunk of a job: a Parquet file of a view's offline source, relative to the source's folder, or one row group
   * of a file that has several ({@code file} then ends in {@code #row_group=N}, so the state machine's items keep
   * their two fields).
   */
  public record Chunk(String view, String file) {
    static final String ROW_GROUP = "#row_group=";

    static Chunk of(String view, String path, int rowGroup) {
      return new Chunk(view, path + ROW_GROUP + rowGroup);
    }

    String id() {
      return view + "|" + file;
    }

    /** The file, relative to the source's folder. */
    String path() {
      int i = file.lastIndexOf(ROW_GROUP);
      return i < 0 ? file : file.substring(0, i);
    }

    /** The row group, or -1 for the whole file. */
    int rowGroup() {
      int i = file.lastIndexOf(ROW_GROUP);
      if (i < 0) {
        return -1;
      }
      try {
        return Integer.parseInt(file.substring(i + ROW_GROUP.length()));
      } catch (NumberFormatException e) {
        throw PierException.badRequest("chunk '" + file + "' names no row group");
      }
    }
  }

  /** A file's row groups: how many rows each holds, in order. */
  private static List<Long> rowGroups(Path file) {
    try (Connection db = DuckDb.open("materialization planning"); Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT row_group_id, max(row_group_num_rows) FROM parquet_metadata('"
            + file.toString().replace("'", "''") + "') GROUP BY row_group_id ORDER BY row_group_id")) {
      List<Long> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getLong(2));
      }
      return out;
    } catch (SQLException e) {
      throw PierException.badRequest("file " + file.getFileName() + " is not a Parquet file: "
          + (e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("")));
    }
  }

  /**
   * The workflow's Plan step: the job's chunks not yet written (none when it is no longer RUNNING), recording how many
   * it has in all.
   */
  List<Chunk> plan(String id) {
    Map<String, AttributeValue> item = item(id);
    if (item == null || !"RUNNING".equals(item.get("state").s())) {
      return List.of();
    }
    Job job = job(item);
    Set<String> done = item.containsKey("done") ? new HashSet<>(item.get("done").ss()) : new HashSet<>();
    Catalog catalog = registry.catalog();
    List<Chunk> all = new ArrayList<>();
    for (String name : job.starts().keySet()) {
      OfflineStore.Mirrored m = offline.fetch(catalog.offlineSource(catalog.view(name)));
      for (Path file : m.files()) {
        String path = m.dir().relativize(file).toString();
        int groups = rowGroups(file).size();
        if (groups <= 1) {
          all.add(new Chunk(name, path));
        } else { // a large file: each row group is written and recorded on its own
          for (int g = 0; g < groups; g++) {
            all.add(Chunk.of(name, path, g));
          }
        }
      }
    }
    int chunksTotal = all.size();
    dynamo.updateItem(b -> b.tableName(table).key(Map.of("pk", str(JOBS), "sk", str(id)))
        .updateExpression("SET chunks_total = :t").expressionAttributeValues(Map.of(":t", num(chunksTotal))));
    return all.stream().filter(c -> !done.contains(c.id())).toList();
  }

  /**
   * The workflow's WriteChunk step: writes one chunk and records it, unless it was recorded before (a retry, a
   * restarted execution) or the job is no longer RUNNING; answers the rows written.
   */
  long writeChunk(String id, Chunk chunk) {
    Map<String, AttributeValue> item = item(id);
    if (item == null || !"RUNNING".equals(item.get("state").s())
        || (item.containsKey("done") && item.get("done").ss().contains(chunk.id()))) {
      return 0;
    }
    Job job = job(item);
    Instant start = job.starts().get(chunk.view());
    if (start == null) {
      throw PierException.badRequest("materialization " + id + " has no feature view '" + chunk.view() + "'");
    }
    Catalog catalog = registry.catalog();
    FeatureView view = catalog.view(chunk.view());
    DataSource.Parquet source = catalog.offlineSource(view);
    OfflineStore.Mirrored m = offline.fetch(source);
    Path file = m.dir().resolve(chunk.path()).normalize();
    if (!file.startsWith(m.dir()) || !m.files().contains(file)) {
      throw PierException.badRequest("feature view '" + chunk.view() + "': " + chunk.path() + " is no longer in "
          + source.path());
    }
    long[] rowRange = null; // [first, end) of the file's rows: the chunk's row group
    if (chunk.rowGroup() >= 0) {
      List<Long> groups = rowGroups(file);
      if (chunk.rowGroup() >= groups.size()) {
        throw PierException.badRequest("feature view '" + chunk.view() + "': " + chunk.path() + " of "
            + source.path() + " has " + groups.size() + " row groups, not " + (chunk.rowGroup() + 1)
            + " (it changed since the job was planned)");
      }
      long first = groups.subList(0, chunk.rowGroup()).stream().mapToLong(Long::longValue).sum();
      rowRange = new long[] {first, first + groups.get(chunk.rowGroup())};
    }
    Map<String, FeatureProfiles.Profile> built = new LinkedHashMap<>();
    Map<String, Long> nulls = new LinkedHashMap<>();
    long rows = writeChunk(catalog, view, source, file, m.hive(), rowRange, start, job.end(), built, nulls);
    if (chunk.rowGroup() <= 0) { // once per file
      statistics.sourceSeen(view.name(), newestIn(source, file, m.hive()));
    }
    if (!built.isEmpty()) {
      saveChunkProfiles(id, chunk, rows, built, nulls);
    }
    markDone(id, chunk.id(), rows);
    return rows;
  }

  /** The workflow's Finish step: each view's watermark to the job's end, then SUCCEEDED. */
  Job complete(String id) {
    Map<String, AttributeValue> item = item(id);
    if (item != null && "RUNNING".equals(item.get("state").s())) {
      Job job = job(item);
      for (String view : job.starts().keySet()) {
        if (profiles != FeatureProfiles.NONE) {
          mergeProfiles(id, view, job.end());
        }
        advanceWatermark(view, job.end());
      }
      finish(id, State.SUCCEEDED, null);
    }
    return get(id);
  }

  /** The workflow's MarkFailed step. */
  void fail(String id, String error) {
    finish(id, State.FAILED, error);
  }

  private Map<String, AttributeValue> item(String id) {
    Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
        .key(Map.of("pk", str(JOBS), "sk", str(id)))).item();
    return item == null || item.isEmpty() ? null : item;
  }

  private long writeChunk(Catalog catalog, FeatureView view, DataSource.Parquet source, Path file, boolean hive,
      long[] rowRange, Instant start, Instant end, Map<String, FeatureProfiles.Profile> profiled,
      Map<String, Long> nullCounts) {
    FeatureProfiles.Profile[] built = new FeatureProfiles.Profile[view.schema().size()];
    for (int i = 0; i < built.length; i++) {
      built[i] = profiles.newProfile();
      if (built[i] != null) {
        profiled.put(view.schema().get(i).name(), built[i]);
      }
    }
    List<String> keys = catalog.joinKeys(view);
    String ts = "CAST(" + OfflineStore.quote(source.timestampField()) + " AS TIMESTAMP)";
    StringBuilder select = new StringBuilder();
    for (String k : keys) {
      select.append(OfflineStore.quote(k)).append(", ");
    }
    select.append("epoch_us(").append(ts).append(") AS _ts");
    for (Field f : view.schema()) {
      String cast = "CAST(" + OfflineStore.quote(f.name()) + " AS " + f.dtype().sql() + ")";
      select.append(", ").append(f.dtype().scalar() == Dtype.Scalar.UNIX_TIMESTAMP && !f.dtype().list()
          ? "epoch_us(" + cast + ")" : cast);
    }
    if (source.createdTimestampColumn() != null) { // last column: settles ties with rows of other chunks online
      select.append(", epoch_us(CAST(").append(OfflineStore.quote(source.createdTimestampColumn()))
          .append(" AS TIMESTAMP)) AS _ct");
    }
    String order = ts + " DESC" + (source.createdTimestampColumn() == null ? ""
        : ", " + OfflineStore.quote(source.createdTimestampColumn()) + " DESC NULLS LAST");
    String sql = "SELECT " + select + " FROM read_parquet('" + file.toString().replace("'", "''")
        + "', hive_partitioning = " + hive + (rowRange == null ? "" : ", file_row_number = true") + ") WHERE "
        + (rowRange == null ? "" : "file_row_number >= " + rowRange[0] + " AND file_row_number < " + rowRange[1]
            + " AND ")
        + ts + " >= make_timestamp(" + Timestamps.micros(start)
        + ") AND " + ts + " < make_timestamp(" + Timestamps.micros(end) + ") QUALIFY row_number() OVER (PARTITION BY "
        + String.join(", ", keys.stream().map(OfflineStore::quote).toList()) + " ORDER BY " + order + ") = 1";
    long rows = 0;
    Map<String, Long> nulls = new LinkedHashMap<>();
    view.schema().forEach(f -> nulls.put(f.name(), 0L));
    Instant newest = null;
    try (Connection db = DuckDb.open("materialization", true); Statement s = db.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      List<OnlineStore.Row> batch = new ArrayList<>(WRITE_BATCH);
      while (rs.next()) {
        List<Object> key = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
          Dtype type = catalog.entityByJoinKey(keys.get(i)).valueType();
          key.add(HistoricalRetrieval.value(rs, i + 1, type));
        }
        Instant eventTime = Timestamps.fromMicros(rs.getLong(keys.size() + 1));
        if (newest == null || eventTime.isAfter(newest)) {
          newest = eventTime;
        }
        Map<String, Object> values = new HashMap<>();
        for (int i = 0; i < view.schema().size(); i++) {
          Field f = view.schema().get(i);
          Object v = HistoricalRetrieval.value(rs, keys.size() + 2 + i, f.dtype());
          values.put(f.name(), v);
          if (v == null) {
            nulls.merge(f.name(), 1L, Long::sum);
          } else if (built[i] != null) {
            built[i].update(v instanceof Instant t ? (Object) t.getEpochSecond() : v);
          }
        }
        Instant created = null;
        if (source.createdTimestampColumn() != null) {
          long ct = rs.getLong(keys.size() + 2 + view.schema().size());
          created = rs.wasNull() ? null : Timestamps.fromMicros(ct);
        }
        batch.add(new OnlineStore.Row(key, eventTime, values, created));
        if (batch.size() == WRITE_BATCH) {
          online.write(view, batch);
          rows += batch.size();
          batch = new ArrayList<>(WRITE_BATCH);
        }
      }
      online.write(view, batch);
      rows += batch.size();
      observer.materialized(view.name(), rows, nulls);
      statistics.wrote(view.name(), newest);
      nullCounts.putAll(nulls);
    } catch (SQLException e) {
      String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
      throw PierException.badRequest("feature view '" + view.name() + "': file " + file.getFileName() + " of "
          + source.path() + " does not match the view's schema: " + message);
    }
    return rows;
  }

  /** The newest event time in a file of the view's source, whatever the job's window (the source's freshness). */
  private static Instant newestIn(DataSource.Parquet source, Path file, boolean hive) {
    try (Connection db = DuckDb.open("materialization"); Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT epoch_us(max(CAST(" + OfflineStore.quote(source.timestampField())
            + " AS TIMESTAMP))) FROM read_parquet('" + file.toString().replace("'", "''") + "', hive_partitioning = "
            + hive + ")")) {
      rs.next();
      long us = rs.getLong(1);
      return rs.wasNull() ? null : Timestamps.fromMicros(us);
    } catch (SQLException e) {
      throw PierException.badRequest("file " + file.getFileName() + " of " + source.path() + ": "
          + (e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("")));
    }
  }

  /** Records a chunk as written (only while the job runs: a job marked FAILED elsewhere stays so). */
  void markDone(String id, String chunk, long rows) {
    dynamo.updateItem(b -> b.tableName(table).key(Map.of("pk", str(JOBS), "sk", str(id)))
        .updateExpression("ADD done :c, #rows :n").conditionExpression("#state = :running")
        .expressionAttributeNames(Map.of("#rows", "rows", "#state", "state"))
        .expressionAttributeValues(Map.of(":c", AttributeValue.fromSs(List.of(chunk)), ":n", num(rows),
            ":running", str("RUNNING"))));
  }

  private void advanceWatermark(String view, Instant end) {
    try {
      dynamo.putItem(b -> b.tableName(table).item(Map.of("pk", str(WATERMARKS), "sk", str(view),
              "end", str(end.toString()), "end_us", num(Timestamps.micros(end))))
          .conditionExpression("attribute_not_exists(pk) OR end_us < :e")
          .expressionAttributeValues(Map.of(":e", num(Timestamps.micros(end)))));
      observer.watermark(view, end);
    } catch (ConditionalCheckFailedException e) {
      // a later watermark is already there
    }
  }

  private void finish(String id, State state, String error) {
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":s", str(state.name()));
    values.put(":f", str(clock.instant().toString()));
    values.put(":running", str("RUNNING"));
    String update = "SET #state = :s, finished_at = :f";
    if (error != null) {
      values.put(":e", str(error));
      update += ", #error = :e";
    }
    String expression = update;
    try {
      dynamo.updateItem(b -> b.tableName(table).key(Map.of("pk", str(JOBS), "sk", str(id)))
          .updateExpression(expression).conditionExpression("#state = :running")
          .expressionAttributeNames(error == null ? Map.of("#state", "state")
              : Map.of("#state", "state", "#error", "error"))
          .expressionAttributeValues(values));
    } catch (ConditionalCheckFailedException e) {
      // finished by another run of the same job
    }
  }

  private List<Map<String, AttributeValue>> jobs() {
    List<Map<String, AttributeValue>> out = new ArrayList<>();
    Map<String, AttributeValue> startKey = null;
    do {
      QueryResponse page = dynamo.query(QueryRequest.builder().tableName(table).consistentRead(true)
          .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", str(JOBS)))
          .exclusiveStartKey(startKey).build());
      out.addAll(page.items());
      startKey = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (startKey != null);
    return out;
  }

  private static Job job(Map<String, AttributeValue> item) {
    Map<String, Instant> starts = new LinkedHashMap<>();
    try {
      for (JsonNode s : DefinitionsParser.JSON.readTree(item.get("starts").s())) {
        starts.put(s.get("view").asText(), Instant.parse(s.get("start").asText()));
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored materialization does not parse", e);
    }
    return new Job(item.get("sk").s(), State.valueOf(item.get("state").s()), starts, Instant.parse(item.get("end").s()),
        Long.parseLong(item.get("rows").n()), item.containsKey("done") ? item.get("done").ss().size() : 0,
        Integer.parseInt(item.get("chunks_total").n()), item.containsKey("error") ? item.get("error").s() : null,
        Instant.parse(item.get("created_at").s()),
        item.containsKey("finished_at") ? Instant.parse(item.get("finished_at").s()) : null);
  }

  private static AttributeValue str(String s) {
    return AttributeValue.fromS(s);
  }

  private static AttributeValue num(long n) {
    return AttributeValue.fromN(Long.toString(n));
  }
}
