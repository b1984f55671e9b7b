package dev.pier.features;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Feast's push: rows for a push source, given as columns ({@code {"driver_id": [...], "conv_rate": [...],
 * "event_timestamp": [...]}}), written to every feature view that takes rows from that source — online, offline (a
 * Parquet file added under the push source's batch source), or both. The whole frame is checked against every view's
 * schema before anything is written: a missing or unknown column, or a value of the wrong type, is a 400 naming it,
 * and nothing is written.
 */
public final class FeaturePush {
  private final FeatureRegistry registry;
  private final OnlineStore online;
  private final OfflineStore offline;
  private final OnlineStatistics statistics;
  private volatile WorkerHandOff handOff;

  /** Where pushed rows go, Feast's {@code to}. */
  public enum Target {
    ONLINE, OFFLINE, ONLINE_AND_OFFLINE;

    public static Target parse(String text) {
      if (text == null) {
        return ONLINE;
      }
      for (Target t : values()) {
        if (t.name().equalsIgnoreCase(text)) {
          return t;
        }
      }
      throw PierException.badRequest("'to' is '" + text + "': give online, offline or online_and_offline");
    }
  }

  /**
   * How many rows came in, how many were written online (per view), and the offline file written, if any; in AWS
   * {@code offline_written} is false when the rows are staged but the feature worker has not written the file yet
   * (it will: staged rows are written before the next incremental materialization).
   */
  public record PushResult(int rows, @JsonProperty("written_online") Map<String, Integer> writtenOnline,
      @JsonProperty("offline_object") String offlineObject,
      @JsonProperty("offline_written") Boolean offlineWritten) {}

  public FeaturePush(FeatureRegistry registry, OnlineStore online, OfflineStore offline) {
    this(registry, online, offline, null);
  }

  /** @param statistics told of each view's rows pushed online (freshness, counts, nulls, profiles); null: none */
  public FeaturePush(FeatureRegistry registry, OnlineStore online, OfflineStore offline, OnlineStatistics statistics) {
    this.registry = registry;
    this.online = online;
    this.offline = offline;
    this.statistics = statistics;
  }

  /** The offline half of pushes goes to the feature worker (in AWS, where this process has no DuckDB). */
  public void handOffTo(WorkerHandOff handOff) {
    this.handOff = handOff;
  }

  public PushResult push(String pushSource, JsonNode df, Target to) {
    return push(pushSource, df, to, null, null);
  }

  /**
   * The feature worker's half of a staged push: checks the rows again and writes them offline only, at
   * {@code push-<id>.parquet}, created at {@code createdAt} when the batch source has a created column.
   */
  public PushResult writeStaged(String pushSource, JsonNode df, String id, Instant createdAt) {
    return push(pushSource, df, Target.OFFLINE, id, createdAt);
  }

  private PushResult push(String pushSource, JsonNode df, Target to, String stagedId, Instant stagedAt) {
    Catalog catalog = registry.catalog();
    if (pushSource == null) {
      throw PierException.badRequest("'push_source_name' is missing");
    }
    DataSource source = catalog.sources().get(pushSource);
    if (source == null) {
      throw PierException.notFound("push source '" + pushSource + "' does not exist");
    }
    if (!(source instanceof DataSource.Push push)) {
      throw PierException.badRequest("source '" + pushSource + "' is a parquet source, not a push source");
    }
    List<FeatureView> views = catalog.featureViews().values().stream().filter(v -> v.source().equals(pushSource))
        .toList();
    if (views.isEmpty()) {
      throw PierException.badRequest("no feature view takes rows from push source '" + pushSource + "'");
    }
    DataSource.Parquet batch = (DataSource.Parquet) catalog.sources().get(push.batchSource());
    if (df == null || !df.isObject() || df.isEmpty()) {
      throw PierException.badRequest("'df' must be an object of columns, e.g. {\"driver_id\": [1001], ...}");
    }
    int rows = -1;
    for (Iterator<Map.Entry<String, JsonNode>> it = df.fields(); it.hasNext(); ) {
      var c = it.next();
      if (!c.getValue().isArray()) {
        throw PierException.badRequest("df." + c.getKey() + " must be a list of values");
      }
      if (rows >= 0 && c.getValue().size() != rows) {
        throw PierException.badRequest("df." + c.getKey() + " has " + c.getValue().size() + " values but the other"
            + " columns have " + rows);
      }
      rows = c.getValue().size();
    }

    // every column, typed once: join keys by their entity, the timestamp, features by the views' schemas
    Map<String, Dtype> types = new LinkedHashMap<>();
    Set<String> required = new LinkedHashSet<>();
    String ts = batch.timestampField();
    required.add(ts);
    for (FeatureView v : views) {
      for (String e : v.entities()) {
        Entity entity = catalog.entities().get(e);
        types.put(entity.joinKey(), entity.valueType());
        required.add(entity.joinKey());
      }
      for (Field f : v.schema()) {
        Dtype before = types.put(f.name(), f.dtype());
        if (before != null && !before.equals(f.dtype())) {
          throw PierException.badRequest("feature '" + f.name() + "' has type " + before + " in one view and "
              + f.dtype() + " in another that push source '" + pushSource + "' feeds");
        }
        required.add(f.name());
      }
    }
    if (batch.createdTimestampColumn() != null && df.has(batch.createdTimestampColumn())) {
      types.put(batch.createdTimestampColumn(), new Dtype(Dtype.Scalar.UNIX_TIMESTAMP, false));
    }
    List<String> problems = new ArrayList<>();
    for (String c : required) {
      if (!df.has(c)) {
        problems.add("column '" + c + "' is missing");
      }
    }
    for (Iterator<String> it = df.fieldNames(); it.hasNext(); ) {
      String c = it.next();
      if (!types.containsKey(c) && !c.equals(ts)) {
        problems.add("column '" + c + "' is in no feature view fed by push source '" + pushSource + "'");
      }
    }
    if (!problems.isEmpty()) {
      throw PierException.badRequest("the pushed rows do not match the schema, nothing written: "
          + String.join("; ", problems));
    }
    Map<String, List<Object>> columns = new LinkedHashMap<>();
    List<Instant> times = new ArrayList<>(rows);
    for (int i = 0; i < rows; i++) {
      JsonNode t = df.get(ts).get(i);
      try {
        if (t.isNull()) {
          throw new IllegalArgumentException("is null");
        }
        times.add(Timestamps.parse(t));
      } catch (IllegalArgumentException e) {
        throw PierException.badRequest("df." + ts + "[" + i + "]: " + e.getMessage() + "; nothing written");
      }
    }
    for (var t : types.entrySet()) {
      List<Object> values = new ArrayList<>(rows);
      JsonNode column = df.get(t.getKey());
      for (int i = 0; i < rows; i++) {
        try {
          Object v = t.getValue().fromJson(column.get(i));
          if (v == null && required.contains(t.getKey()) && catalog.entityByJoinKey(t.getKey()) != null) {
            throw new IllegalArgumentException("a join key cannot be null");
          }
          values.add(v);
        } catch (IllegalArgumentException e) {
          throw PierException.badRequest("df." + t.getKey() + "[" + i + "]: " + e.getMessage() + "; nothing written");
        }
      }
      columns.put(t.getKey(), values);
    }

    String offlineObject = null;
    Boolean offlineWritten = null;
    WorkerHandOff worker = stagedId == null ? handOff : null;
    if (to != Target.ONLINE) {
      if (offline == null) {
        throw PierException.notImplemented("this Pier has no offline store configured");
      }
      if (worker != null) { // staged durably, then written by the worker (which has DuckDB)
        String id = WorkerHandOff.pushId(pushSource, df);
        WorkerHandOff.Staged staged = worker.pushOffline(pushSource, df, offline.pushLocation(batch, id));
        offlineObject = staged.location();
        offlineWritten = staged.written();
      } else {
        String created = batch.createdTimestampColumn();
        if (created != null && !columns.containsKey(created)) {
          // the batch source's files carry a created column; pushed rows were created when they arrived
          Instant now = (stagedAt != null ? stagedAt : Instant.now()).truncatedTo(java.time.temporal.ChronoUnit.MICROS);
          columns.put(created, new ArrayList<>(java.util.Collections.nCopies(rows, now)));
          types.put(created, new Dtype(Dtype.Scalar.UNIX_TIMESTAMP, false));
        }
        offlineObject = stagedId != null ? offline.append(batch, columns, types, times, stagedId)
            : offline.append(batch, columns, types, times);
        offlineWritten = true;
      }
    }
    Map<String, Integer> written = new LinkedHashMap<>();
    if (to != Target.OFFLINE) {
      // online, a tie on event time is settled by the created time as offline: the pushed one, else the arrival
      String createdColumn = batch.createdTimestampColumn();
      List<Object> sentCreated = createdColumn == null ? null : columns.get(createdColumn);
      Instant arrived = (stagedAt != null ? stagedAt : Instant.now()).truncatedTo(java.time.temporal.ChronoUnit.MICROS);
      for (FeatureView v : views) {
        if (!v.online()) {
          continue;
        }
        List<String> joinKeys = catalog.joinKeys(v);
        // within one push the newest row per key is the only one that can win
        Map<List<Object>, OnlineStore.Row> newest = new HashMap<>();
        for (int i = 0; i < rows; i++) {
          List<Object> key = new ArrayList<>(joinKeys.size());
          for (String k : joinKeys) {
            Object kv = columns.get(k).get(i);
            key.add(kv instanceof byte[] b ? java.util.Base64.getEncoder().encodeToString(b) : kv);
          }
          Map<String, Object> values = new HashMap<>();
          for (Field f : v.schema()) {
            values.put(f.name(), columns.get(f.name()).get(i));
          }
          Instant created = createdColumn == null ? null
              : sentCreated == null ? arrived : (Instant) sentCreated.get(i);
          OnlineStore.Row row = new OnlineStore.Row(key, times.get(i), values, created);
          newest.merge(key, row, (a, b) -> b.supersedes(a) ? b : a);
        }
        List<OnlineStore.Row> pushed = new ArrayList<>(newest.values());
        written.put(v.name(), online.write(v, pushed));
        if (statistics != null) {
          statistics.pushed(v, pushed);
        }
      }
    }
    return new PushResult(rows, written, offlineObject, offlineWritten);
  }
}
