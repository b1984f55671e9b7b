package dev.pier.monitoring.profile;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The index of stored profiles in the monitoring table: one item per profile object, so a run finds its window's
 * profiles with one query instead of listing S3 once per hour.
 *
 * <pre>
 *   pk = profiles#&lt;model&gt;#&lt;version&gt;   sk = &lt;hour, ISO-8601&gt;#&lt;S3 key&gt;
 *   model, version, hour, s3_key, rows, columns (the input and output column names), expiresAt (TTL)
 * </pre>
 *
 * Each entry is written once (conditional on its key being new), so a retried write changes nothing. Entries expire
 * with the captures they describe ({@code pier.retention.captures}; the captures bucket's lifecycle rule removes the
 * objects). Thread-safe.
 */
public final class ProfileIndex {
  /** Partition keys of index entries begin with this (the capturing functions' grant is limited to them). */
  public static final String PK_PREFIX = "profiles#";
  /** The table's TTL attribute ({@code FeedbackStore.TTL}). */
  static final String TTL = "expiresAt";

  private final DynamoDbClient dynamo;
  private final String table;
  private final Duration retention;

  /** @param retention how long an entry is kept after its hour; null keeps it until deleted */
  public ProfileIndex(DynamoDbClient dynamo, String table, Duration retention) {
    this.dynamo = dynamo;
    this.table = table;
    this.retention = retention;
  }

  /** One stored profile object: its (model, version, hour), where it is, and what it covers. */
  public record Entry(String model, long version, Instant hour, String key, long rows, List<String> columns) {
    public Entry {
      hour = hour.truncatedTo(ChronoUnit.HOURS);
      columns = List.copyOf(columns);
    }
  }

  /** Indexes a stored profile; true when this call wrote the entry, false when it was there already. */
  public boolean put(Entry entry) {
    Map<String, AttributeValue> item = new HashMap<>();
    item.put("pk", s(pk(entry.model(), entry.version())));
    item.put("sk", s(entry.hour() + "#" + entry.key()));
    item.put("model", s(entry.model()));
    item.put("version", n(entry.version()));
    item.put("hour", s(entry.hour().toString()));
    item.put("s3_key", s(entry.key()));
    item.put("rows", n(entry.rows()));
    item.put("columns", AttributeValue.fromL(entry.columns().stream().map(ProfileIndex::s).toList()));
    if (retention != null) {
      item.put(TTL, n(entry.hour().plus(retention).getEpochSecond()));
    }
    try {
      dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false; // indexed before: entries are written once
    }
  }

  /**
   * The entries of every hour that {@code [from, to)} overlaps, oldest hour first, by one query (paged): the hours
   * {@code from}'s through the one before {@code to} (or {@code to}'s when it is not on the hour).
   */
  public List<Entry> entries(String model, long version, Instant from, Instant to) {
    List<Entry> out = new ArrayList<>();
    Instant first = from.truncatedTo(ChronoUnit.HOURS);
    Instant last = to.truncatedTo(ChronoUnit.HOURS);
    if (last.equals(to)) {
      last = last.minus(1, ChronoUnit.HOURS);
    }
    if (last.isBefore(first)) {
      return out;
    }
    // every sort key of an hour is "<hour>#<key>", and '$' follows '#': the range covers the last hour's keys
    String low = first + "#";
    String high = last + "$";
    for (QueryResponse page : dynamo.queryPaginator(b -> b.tableName(table).consistentRead(true)
        .keyConditionExpression("pk = :p AND sk BETWEEN :lo AND :hi")
        .expressionAttributeValues(Map.of(":p", s(pk(model, version)), ":lo", s(low), ":hi", s(high))))) {
      for (Map<String, AttributeValue> item : page.items()) {
        out.add(new Entry(item.get("model").s(), Long.parseLong(item.get("version").n()),
            Instant.parse(item.get("hour").s()), item.get("s3_key").s(), Long.parseLong(item.get("rows").n()),
            item.get("columns").l().stream().map(AttributeValue::s).toList()));
      }
    }
    return out;
  }

  /**
   * The hour of the version's oldest entry, by one query of at most one item; empty when the version has none (never
   * indexed, or every entry expired). Profiles stored before the index existed are only in hours up to this one.
   */
  public java.util.Optional<Instant> firstHour(String model, long version) {
    List<Map<String, AttributeValue>> items = dynamo.query(b -> b.tableName(table).consistentRead(true)
        .keyConditionExpression("pk = :p").expressionAttributeValues(Map.of(":p", s(pk(model, version))))
        .scanIndexForward(true).limit(1).projectionExpression("#h").expressionAttributeNames(Map.of("#h", "hour")))
        .items();
    return items.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(Instant.parse(items.getFirst().get("hour").s()));
  }

  static String pk(String model, long version) {
    return PK_PREFIX + model + "#" + version;
  }

  private static AttributeValue s(String value) {
    return AttributeValue.fromS(value);
  }

  private static AttributeValue n(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }
}
