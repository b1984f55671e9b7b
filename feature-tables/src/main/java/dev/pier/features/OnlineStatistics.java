package dev.pier.features;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * What is known of a view's online values whatever wrote them, kept in the feature store's table beside the
 * materialization jobs: the newest event time written online (by a push or a materialized chunk: freshness), and for
 * pushed rows their count, nulls per feature and a value profile per feature ({@link FeatureProfiles}, merged into the
 * stored one on each push; a concurrent push's merge is retried on the item's version, so none is lost).
 *
 * <p>Per push and view this costs one UpdateItem for the counters, one conditional UpdateItem for the newest event
 * time (refused, and ignored, when a newer one is stored), and with profiles on one Query plus one conditional
 * PutItem per feature.
 */
public final class OnlineStatistics {
  private static final String FRESHNESS = "freshness";
  private static final String PUSHED = "pushed";
  private static final String PUSHED_PROFILE = "profile#pushed#";
  private static final int MERGE_TRIES = 8;

  private final DynamoDbClient dynamo;
  private final String table;
  private final Clock clock;
  private final FeatureObserver observer;
  private volatile FeatureProfiles profiles = FeatureProfiles.NONE;

  public OnlineStatistics(DynamoDbClient dynamo, String table, Clock clock, FeatureObserver observer) {
    this.dynamo = dynamo;
    this.table = table;
    this.clock = clock;
    this.observer = observer;
  }

  /** Profiles pushed values with {@code profiles}; none by default. */
  public void profileWith(FeatureProfiles profiles) {
    this.profiles = java.util.Objects.requireNonNull(profiles);
  }

  /**
   * A view's freshness: the newest event time among its online values and its age now; the materialization
   * watermark and its lag behind now (null when never materialized); the newest event time materialization has seen in
   * the view's offline source files and how far the watermark is behind it (0 when it is past it).
   */
  public record Freshness(@JsonProperty("newest_online_event_time") Instant newestOnline,
      @JsonProperty("newest_online_age_seconds") Double newestOnlineAgeSeconds,
      @JsonProperty("materialization_watermark") Instant watermark,
      @JsonProperty("materialization_lag_seconds") Double materializationLagSeconds,
      @JsonProperty("last_push_at") Instant lastPush,
      @JsonProperty("source_newest_event_time") Instant sourceNewest,
      @JsonProperty("materialization_lag_behind_source_seconds") Double lagBehindSourceSeconds) {}

  /** Rows written to a view's online store (by any writer) whose newest event time is {@code newest}. */
  public void wrote(String view, Instant newest) {
    if (newest == null) {
      return;
    }
    observer.wroteOnline(view, newest);
    long us = Timestamps.micros(newest);
    try {
      dynamo.updateItem(b -> b.tableName(table).key(key(FRESHNESS, view))
          .updateExpression("SET newest_us = :t, newest = :iso")
          .conditionExpression("attribute_not_exists(newest_us) OR newest_us < :t")
          .expressionAttributeValues(Map.of(":t", num(us), ":iso", str(newest.toString()))));
    } catch (ConditionalCheckFailedException e) {
      // a newer value is already online
    }
  }

  /** Materialization read a file of {@code view}'s offline source whose newest event time is {@code newest}. */
  public void sourceSeen(String view, Instant newest) {
    if (newest == null) {
      return;
    }
    long us = Timestamps.micros(newest);
    try {
      dynamo.updateItem(b -> b.tableName(table).key(key(FRESHNESS, view))
          .updateExpression("SET source_newest_us = :t, source_newest = :iso")
          .conditionExpression("attribute_not_exists(source_newest_us) OR source_newest_us < :t")
          .expressionAttributeValues(Map.of(":t", num(us), ":iso", str(newest.toString()))));
    } catch (ConditionalCheckFailedException e) {
      // a newer source row was seen before
    }
  }

  /** Rows pushed online to {@code view}: counted, their nulls counted per feature, their values profiled. */
  public void pushed(FeatureView view, List<OnlineStore.Row> rows) {
    if (rows.isEmpty()) {
      return;
    }
    Map<String, Long> nulls = new LinkedHashMap<>();
    Map<String, FeatureProfiles.Profile> built = new LinkedHashMap<>();
    Instant newest = null;
    for (Field f : view.schema()) {
      nulls.put(f.name(), 0L);
      FeatureProfiles.Profile p = profiles.newProfile();
      if (p != null) {
        built.put(f.name(), p);
      }
    }
    for (OnlineStore.Row r : rows) {
      if (newest == null || r.eventTime().isAfter(newest)) {
        newest = r.eventTime();
      }
      for (Field f : view.schema()) {
        Object v = r.values().get(f.name());
        if (v == null) {
          nulls.merge(f.name(), 1L, Long::sum);
        } else if (built.containsKey(f.name())) {
          built.get(f.name()).update(v instanceof Instant t ? (Object) t.getEpochSecond() : v);
        }
      }
    }
    observer.pushed(view.name(), rows.size(), nulls);
    Map<String, String> names = new HashMap<>();
    Map<String, AttributeValue> values = new HashMap<>();
    StringBuilder add = new StringBuilder("SET last_push = :now ADD #rows :rows, pushes :one");
    names.put("#rows", "rows");
    values.put(":rows", num(rows.size()));
    values.put(":one", num(1));
    values.put(":now", str(clock.instant().toString()));
    int i = 0;
    for (var e : nulls.entrySet()) {
      add.append(", #n").append(i).append(" :n").append(i);
      names.put("#n" + i, "nulls." + e.getKey());
      values.put(":n" + i, num(e.getValue()));
      i++;
    }
    dynamo.updateItem(b -> b.tableName(table).key(key(PUSHED, view.name())).updateExpression(add.toString())
        .expressionAttributeNames(names).expressionAttributeValues(values));
    for (var e : built.entrySet()) {
      mergeProfile(view.name(), e.getKey(), e.getValue().toBytes());
    }
    wrote(view.name(), newest);
  }

  /** Merges a push's profile of one feature into the stored one, conditional on the stored item's version. */
  private void mergeProfile(String view, String feature, byte[] part) {
    for (int attempt = 0; attempt < MERGE_TRIES; attempt++) {
      Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
          .key(key(PUSHED_PROFILE + view, feature))).item();
      boolean exists = item != null && !item.isEmpty();
      long version = exists ? Long.parseLong(item.get("v").n()) : 0;
      byte[] merged = exists ? profiles.merge(List.of(item.get("p").b().asByteArray(), part)) : part;
      try {
        dynamo.putItem(b -> b.tableName(table).item(Map.of("pk", str(PUSHED_PROFILE + view), "sk", str(feature),
                "p", AttributeValue.fromB(SdkBytes.fromByteArray(merged)), "v", num(version + 1)))
            .conditionExpression(exists ? "v = :v" : "attribute_not_exists(pk)")
            .expressionAttributeValues(exists ? Map.of(":v", num(version)) : null));
        return;
      } catch (ConditionalCheckFailedException e) {
        // another push merged first: merge again on top of it
      }
    }
    throw new IllegalStateException("the pushed-value profile of " + view + ":" + feature + " kept moving under "
        + MERGE_TRIES + " merges");
  }

  /** A view's freshness now, given its materialization watermark (null when none). */
  public Freshness freshness(String view, Instant watermark) {
    Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
        .key(key(FRESHNESS, view))).item();
    Instant newest = item == null || !item.containsKey("newest") ? null : Instant.parse(item.get("newest").s());
    Instant source = item == null || !item.containsKey("source_newest") ? null
        : Instant.parse(item.get("source_newest").s());
    Map<String, AttributeValue> pushed = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
        .key(key(PUSHED, view))).item();
    Instant lastPush = pushed == null || pushed.isEmpty() ? null : Instant.parse(pushed.get("last_push").s());
    Instant now = clock.instant();
    Double behindSource = source == null || watermark == null ? null
        : watermark.isBefore(source) ? seconds(source, watermark) : 0.0;
    return new Freshness(newest, newest == null ? null : seconds(now, newest), watermark,
        watermark == null ? null : seconds(now, watermark), lastPush, source, behindSource);
  }

  /**
   * Per feature of {@code view}: rows pushed online, nulls, null rate, and with profiles on the value statistics of
   * {@link FeatureProfiles#summarize}; empty before the first push.
   */
  public List<Materialization.Profile> pushedProfile(FeatureView view) {
    Map<String, AttributeValue> counts = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
        .key(key(PUSHED, view.name()))).item();
    if (counts == null || counts.isEmpty()) {
      return List.of();
    }
    long rows = Long.parseLong(counts.get("rows").n());
    Instant last = Instant.parse(counts.get("last_push").s());
    Map<String, byte[]> sketches = new HashMap<>();
    if (profiles != FeatureProfiles.NONE) {
      for (Field f : view.schema()) {
        Map<String, AttributeValue> p = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
            .key(key(PUSHED_PROFILE + view.name(), f.name()))).item();
        if (p != null && !p.isEmpty()) {
          sketches.put(f.name(), p.get("p").b().asByteArray());
        }
      }
    }
    List<Materialization.Profile> out = new ArrayList<>();
    for (Field f : view.schema()) {
      AttributeValue n = counts.get("nulls." + f.name());
      long nulls = n == null ? 0 : Long.parseLong(n.n());
      Map<String, Object> statistics;
      if (sketches.containsKey(f.name())) {
        statistics = profiles.summarize(sketches.get(f.name()), rows, nulls);
      } else {
        statistics = new LinkedHashMap<>();
        statistics.put("count", rows);
        statistics.put("nulls", nulls);
        statistics.put("null_rate", rows == 0 ? 0.0 : (double) nulls / rows);
      }
      out.add(new Materialization.Profile(f.name(), "push", last, statistics));
    }
    return out;
  }

  private static double seconds(Instant now, Instant then) {
    return Duration.between(then, now).toMillis() / 1000.0;
  }

  private static Map<String, AttributeValue> key(String pk, String sk) {
    return Map.of("pk", str(pk), "sk", str(sk));
  }

  private static AttributeValue str(String s) {
    return AttributeValue.fromS(s);
  }

  private static AttributeValue num(long n) {
    return AttributeValue.fromN(Long.toString(n));
  }
}
