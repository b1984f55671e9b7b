package dev.pier.features;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import dev.pier.kernel.aws.DynamoTables;

/**
 * The online store: the newest value of each feature view's features per entity key, one DynamoDB item per (view,
 * entity key) whose hash key {@code k} is {@code view#[key values as JSON]}, with the event time in {@code _ts}
 * (microseconds) and each feature as an attribute of its own name (feature names never start with {@code _}).
 *
 * <p>Reads ask only for the requested features (a projection: Feast reads whole items, feast-dev/feast#6058), 100
 * keys per BatchGetItem (DynamoDB's cap), the batches of a read in parallel; keys DynamoDB leaves unprocessed are
 * asked for again with a growing pause. Writes are conditional on the event time and, on a tie, the created time
 * ({@code _ct}), so an older value never replaces a newer one whatever order rows arrive in; several rows go as
 * transactions of 100 conditional puts. Thread-safe.
 */
public final class OnlineStore {
  /** DynamoDB's BatchGetItem limit. */
  static final int BATCH = 100;
  private static final int UNPROCESSED_ATTEMPTS = 8;
  static final String KEY = "k";
  static final String EVENT_TIME = "_ts";
  /** The created time (microseconds) of the stored row, present only when the row had one. */
  static final String CREATED = "_ct";

  private final DynamoDbClient dynamo;
  private final String table;
  private final Executor pool;
  private final AtomicLong batchGets = new AtomicLong();

  /** A stored row: its event time and the values of the features asked for (absent or null: no value). */
  public record Stored(Instant eventTime, Map<String, Object> values) {}

  /**
   * One row to write: the entity key's values in the view's join-key order, the event time, every feature, and the
   * created time (null when the source has no created column or the row left it null).
   */
  public record Row(List<Object> key, Instant eventTime, Map<String, Object> values, Instant created) {
    public Row(List<Object> key, Instant eventTime, Map<String, Object> values) {
      this(key, eventTime, values, null);
    }

    /**
     * Whether this row wins over {@code other} of the same key, as Feast orders them: the greater event time, on a tie
     * the greater created time (a row without one loses to a row with one); equal on both, this one (a re-sent row is
     * idempotent, a correction at the same time replaces).
     */
    public boolean supersedes(Row other) {
      int byTime = eventTime.compareTo(other.eventTime);
      if (byTime != 0) {
        return byTime > 0;
      }
      if (created == null || other.created == null) {
        return other.created == null;
      }
      return created.compareTo(other.created) >= 0;
    }
  }

  public OnlineStore(DynamoDbClient dynamo, String table, Executor pool) {
    this.dynamo = dynamo;
    this.table = table;
    this.pool = pool;
  }

  /** Creates the table (local mode; the CDK creates it in AWS): on-demand, hash key {@code k}. */
  public static void createTableIfMissing(DynamoDbClient dynamo, String table) {
    DynamoTables.createIfMissing(dynamo, table, b -> b
        .attributeDefinitions(AttributeDefinition.builder().attributeName(KEY)
            .attributeType(ScalarAttributeType.S).build())
        .keySchema(DynamoTables.key(KEY, KeyType.HASH)), null);
  }

  /** BatchGetItem calls made so far (the budget: ⌈entities/100⌉ per view per request). */
  public long batchGetCalls() {
    return batchGets.get();
  }

  static String itemKey(String view, List<Object> key) {
    StringBuilder b = new StringBuilder(view).append("#[");
    for (int i = 0; i < key.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      Object v = key.get(i);
      if (v instanceof String s) {
        b.append(DefinitionsParser.JSON.getNodeFactory().textNode(s));
      } else if (v instanceof byte[] bytes) {
        b.append('"').append(java.util.Base64.getEncoder().encodeToString(bytes)).append('"');
      } else {
        b.append(v);
      }
    }
    return b.append(']').toString();
  }

  /**
   * Writes rows of {@code view}; a row whose stored value is newer is skipped. Returns how many rows were written.
   * The caller has checked them against the view's schema.
   *
   * <p>Several rows go as TransactWriteItems of up to 100 conditional puts (DynamoDB's limit), the transactions in
   * parallel: one call per 100 rows instead of one per row, each put still conditional on the event time (BatchWriteItem
   * cannot carry conditions). Of rows with the same key only the newest is sent (a transaction cannot touch an item
   * twice; an older one would lose anyway). A put whose condition fails is dropped and the rest sent again;
   * a transaction cancelled by a conflict with another writer or by throttling is sent again after a pause. One row
   * goes as a plain conditional PutItem. In AWS a transactional write costs two write units per item instead of one.
   */
  public int write(FeatureView view, List<Row> rows) {
    if (rows.size() == 1) {
      return putOne(view, rows.get(0)) ? 1 : 0;
    }
    Map<String, Row> newest = new java.util.LinkedHashMap<>();
    for (Row row : rows) {
      // the conditional puts' order (event time, then created time); equal on both, the later row
      newest.merge(itemKey(view.name(), row.key()), row, (had, next) -> next.supersedes(had) ? next : had);
    }
    List<Map.Entry<String, Row>> all = new ArrayList<>(newest.entrySet());
    List<CompletableFuture<Integer>> writes = new ArrayList<>();
    for (int from = 0; from < all.size(); from += TRANSACTION) {
      List<Map.Entry<String, Row>> group = all.subList(from, Math.min(all.size(), from + TRANSACTION));
      writes.add(CompletableFuture.supplyAsync(() -> writeTransaction(view, group), pool));
    }
    int written = 0;
    for (CompletableFuture<Integer> w : writes) {
      try {
        written += w.join();
      } catch (java.util.concurrent.CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
    }
    return written;
  }

  /** DynamoDB's TransactWriteItems limit. */
  static final int TRANSACTION = 100;
  private static final int TRANSACTION_ATTEMPTS = 8;

  private int writeTransaction(FeatureView view, List<Map.Entry<String, Row>> group) {
    List<Put> pending = new ArrayList<>(group.size());
    for (var e : group) {
      Row row = e.getValue();
      String ts = Long.toString(Timestamps.micros(row.eventTime()));
      pending.add(Put.builder().tableName(table).item(item(view, e.getKey(), ts, row))
          .conditionExpression(condition(row)).expressionAttributeNames(CONDITION_NAMES)
          .expressionAttributeValues(conditionValues(ts, row)).build());
    }
    for (int attempt = 1; ; attempt++) {
      List<TransactWriteItem> items = pending.stream().map(p -> TransactWriteItem.builder().put(p).build()).toList();
      try {
        dynamo.transactWriteItems(b -> b.transactItems(items));
        return pending.size();
      } catch (TransactionCanceledException e) {
        List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
        if (reasons.size() != pending.size()) {
          throw e;
        }
        List<Put> again = new ArrayList<>(pending.size());
        boolean contended = false;
        for (int i = 0; i < reasons.size(); i++) {
          String code = reasons.get(i).code();
          if ("ConditionalCheckFailed".equals(code)) {
            continue; // a newer value is there
          }
          if (code != null && !"None".equals(code)) {
            if (!"TransactionConflict".equals(code) && !"ThrottlingError".equals(code)
                && !"ProvisionedThroughputExceeded".equals(code)) {
              throw e; // a validation error: not going to pass by sending it again
            }
            contended = true;
          }
          again.add(pending.get(i));
        }
        pending = again;
        if (pending.isEmpty()) {
          return 0;
        }
        if (contended) {
          if (attempt == TRANSACTION_ATTEMPTS) {
            throw new dev.pier.kernel.PierException(503, "writing the online store of '" + view.name()
                + "' was cancelled " + attempt + " times by conflicting writes or throttling; try again", e);
          }
          sleep(Math.min(1000, 10L << attempt));
        }
      }
    }
  }

  /*
   * A put replaces the stored row only if it supersedes it (Row.supersedes): a greater event time, or the same event
   * time and a created time at least the stored one's (a stored row without one loses to a row with one; a row without
   * one replaces only a stored row without one). So rows of one key spread over chunks, files or pushes end the same
   * whatever order they are written in, as Feast's offline dedup by (event time, created time) does.
   */
  private static final String CONDITION_CREATED = "attribute_not_exists(#k) OR #ts < :ts"
      + " OR (#ts = :ts AND (attribute_not_exists(#ct) OR #ct <= :ct))";
  private static final String CONDITION_NO_CREATED = "attribute_not_exists(#k) OR #ts < :ts"
      + " OR (#ts = :ts AND attribute_not_exists(#ct))";
  private static final Map<String, String> CONDITION_NAMES = Map.of("#k", KEY, "#ts", EVENT_TIME, "#ct", CREATED);

  private static String condition(Row row) {
    return row.created() == null ? CONDITION_NO_CREATED : CONDITION_CREATED;
  }

  private static Map<String, AttributeValue> conditionValues(String ts, Row row) {
    return row.created() == null ? Map.of(":ts", AttributeValue.fromN(ts))
        : Map.of(":ts", AttributeValue.fromN(ts),
            ":ct", AttributeValue.fromN(Long.toString(Timestamps.micros(row.created()))));
  }

  private static Map<String, AttributeValue> item(FeatureView view, String key, String ts, Row row) {
    Map<String, AttributeValue> item = HashMap.newHashMap(view.schema().size() + 3);
    item.put(KEY, AttributeValue.fromS(key));
    item.put(EVENT_TIME, AttributeValue.fromN(ts));
    if (row.created() != null) {
      item.put(CREATED, AttributeValue.fromN(Long.toString(Timestamps.micros(row.created()))));
    }
    for (Field f : view.schema()) {
      item.put(f.name(), f.dtype().toDynamo(row.values().get(f.name())));
    }
    return item;
  }

  private boolean putOne(FeatureView view, Row row) {
    String ts = Long.toString(Timestamps.micros(row.eventTime()));
    Map<String, AttributeValue> item = item(view, itemKey(view.name(), row.key()), ts, row);
    try {
      dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression(condition(row))
          .expressionAttributeNames(CONDITION_NAMES)
          .expressionAttributeValues(conditionValues(ts, row)));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false; // a newer value is there
    }
  }

  /**
   * Reads {@code keys} of {@code view}, asking only for {@code features}: one result per key in order, null where
   * the store holds nothing for it. Duplicate keys are read once.
   */
  public List<Stored> read(FeatureView view, List<List<Object>> keys, List<String> features) {
    return readAsync(view, keys, features, true).join();
  }

  /**
   * {@link #read} started on the pool: the batches run in parallel, and a caller reading several views starts each
   * before waiting for any (nothing here blocks a pool thread on another pool task). With {@code callerRunsLast} the
   * last batch runs on the calling thread before this returns, the others on the pool: a caller that would only wait
   * for them anyway (its last view) saves handing the work to a pool thread and waking up again — for the usual read
   * of one view and at most 100 keys, no thread hand-off at all.
   */
  public CompletableFuture<List<Stored>> readAsync(FeatureView view, List<List<Object>> keys, List<String> features,
      boolean callerRunsLast) {
    Map<String, Integer> firstIndex = new HashMap<>();
    List<String> distinct = new ArrayList<>();
    List<String> itemKeys = new ArrayList<>(keys.size());
    for (List<Object> key : keys) {
      String k = itemKey(view.name(), key);
      itemKeys.add(k);
      if (firstIndex.putIfAbsent(k, distinct.size()) == null) {
        distinct.add(k);
      }
    }
    Map<String, String> names = new HashMap<>();
    StringBuilder projection = new StringBuilder("#k, #ts");
    names.put("#k", KEY);
    names.put("#ts", EVENT_TIME);
    for (int i = 0; i < features.size(); i++) {
      names.put("#f" + i, features.get(i));
      projection.append(", #f").append(i);
    }
    List<CompletableFuture<Map<String, Map<String, AttributeValue>>>> batches = new ArrayList<>();
    String projected = projection.toString();
    for (int from = 0; from < distinct.size(); from += BATCH) {
      List<String> batch = distinct.subList(from, Math.min(distinct.size(), from + BATCH));
      if (callerRunsLast && from + BATCH >= distinct.size()) {
        CompletableFuture<Map<String, Map<String, AttributeValue>>> here = new CompletableFuture<>();
        try {
          here.complete(batchGet(batch, projected, names));
        } catch (RuntimeException e) {
          here.completeExceptionally(e);
        }
        batches.add(here);
      } else {
        batches.add(CompletableFuture.supplyAsync(() -> batchGet(batch, projected, names), pool));
      }
    }
    return CompletableFuture.allOf(batches.toArray(CompletableFuture[]::new)).thenApply(done -> {
      Map<String, Map<String, AttributeValue>> items = new HashMap<>();
      for (var b : batches) {
        items.putAll(b.join());
      }
      return stored(view, itemKeys, items, features);
    });
  }

  private static List<Stored> stored(FeatureView view, List<String> itemKeys,
      Map<String, Map<String, AttributeValue>> items, List<String> features) {
    // each feature's type looked up once, not once per key (50 keys × 200 features made 10,000 schema scans)
    Dtype[] types = new Dtype[features.size()];
    for (int i = 0; i < types.length; i++) {
      types[i] = view.feature(features.get(i)).dtype();
    }
    FeatureRow.Columns columns = new FeatureRow.Columns(features);
    List<Stored> out = new ArrayList<>(itemKeys.size());
    Map<String, Stored> decoded = HashMap.newHashMap(items.size()); // a key asked for twice is decoded once
    for (String k : itemKeys) {
      Map<String, AttributeValue> item = items.get(k);
      if (item == null) {
        out.add(null);
        continue;
      }
      out.add(decoded.computeIfAbsent(k, key -> {
        Object[] values = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
          values[i] = types[i].fromDynamo(item.get(features.get(i)));
        }
        return new Stored(Timestamps.fromMicros(Long.parseLong(item.get(EVENT_TIME).n())),
            new FeatureRow(columns, values));
      }));
    }
    return out;
  }

  private Map<String, Map<String, AttributeValue>> batchGet(List<String> keys, String projection,
      Map<String, String> names) {
    Map<String, Map<String, AttributeValue>> found = new HashMap<>();
    List<Map<String, AttributeValue>> pending = new ArrayList<>(keys.size());
    for (String k : keys) {
      pending.add(Map.of(KEY, AttributeValue.fromS(k)));
    }
    for (int attempt = 0; !pending.isEmpty(); attempt++) {
      if (attempt == UNPROCESSED_ATTEMPTS) {
        throw new dev.pier.kernel.PierException(503, "the online store left " + pending.size()
            + " keys unprocessed after " + UNPROCESSED_ATTEMPTS + " attempts (throttled); try again");
      }
      if (attempt > 0) {
        sleep(Math.min(1000, 10L << attempt)); // DynamoDB asks callers to back off before retrying unprocessed keys
      }
      KeysAndAttributes ask = KeysAndAttributes.builder().keys(pending).projectionExpression(projection)
          .expressionAttributeNames(names).build();
      batchGets.incrementAndGet();
      BatchGetItemResponse r = dynamo.batchGetItem(b -> b.requestItems(Map.of(table, ask)));
      for (Map<String, AttributeValue> item : r.responses().getOrDefault(table, List.of())) {
        found.put(item.get(KEY).s(), item);
      }
      KeysAndAttributes left = r.hasUnprocessedKeys() ? r.unprocessedKeys().get(table) : null;
      pending = left == null ? List.of() : left.keys();
    }
    return found;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new dev.pier.kernel.PierException(503, "interrupted while reading the online store", e);
    }
  }
}
