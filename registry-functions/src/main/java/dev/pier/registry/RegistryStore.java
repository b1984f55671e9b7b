package dev.pier.registry;

import static dev.pier.registry.RegistryTable.PK;
import static dev.pier.registry.RegistryTable.SK;

import dev.pier.kernel.PierException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * What every part of the registry shares: the table (strongly consistent reads, transactions, batches, retries with
 * jittered backoff) and the listeners told of committed changes. Thread-safe.
 */
final class RegistryStore {
  /** How often a write that lost a race (a condition another writer broke) is retried before 503. */
  static final int MAX_ATTEMPTS = 50;

  final DynamoDbClient dynamo;
  final String table;
  private final List<RegistryListener> listeners = new CopyOnWriteArrayList<>();

  RegistryStore(DynamoDbClient dynamo, String table) {
    this.dynamo = dynamo;
    this.table = table;
  }

  Map<String, AttributeValue> get(Map<String, AttributeValue> key) {
    var r = dynamo.getItem(b -> b.tableName(table).key(key).consistentRead(true));
    return r.hasItem() && !r.item().isEmpty() ? r.item() : null;
  }

  /** Every item of a model's partition whose sort key starts with {@code prefix} ("" for all), in key order. */
  List<Map<String, AttributeValue>> queryPartition(String model, String prefix) {
    List<Map<String, AttributeValue>> all = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse r = dynamo.query(b -> b.tableName(table).consistentRead(true)
          .keyConditionExpression(prefix.isEmpty() ? "pk = :pk" : "pk = :pk AND begins_with(sk, :prefix)")
          .expressionAttributeValues(prefix.isEmpty() ? Map.of(":pk", RegistryItems.s(RegistryItems.partition(model)))
              : Map.of(":pk", RegistryItems.s(RegistryItems.partition(model)), ":prefix", RegistryItems.s(prefix)))
          .exclusiveStartKey(from));
      all.addAll(r.items());
      start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
    } while (start != null);
    return all;
  }

  /** One page of a model's items under {@code prefix}, newest first when {@code newestFirst}. */
  QueryResponse page(String model, String prefix, Map<String, AttributeValue> startKey, int limit,
      boolean newestFirst) {
    return dynamo.query(b -> b.tableName(table).consistentRead(true).scanIndexForward(!newestFirst).limit(limit)
        .keyConditionExpression("pk = :pk AND begins_with(sk, :prefix)")
        .expressionAttributeValues(Map.of(":pk", RegistryItems.s(RegistryItems.partition(model)),
            ":prefix", RegistryItems.s(prefix)))
        .exclusiveStartKey(startKey));
  }

  void transact(List<TransactWriteItem> writes) {
    dynamo.transactWriteItems(b -> b.transactItems(writes));
  }

  TransactWriteItem put(Map<String, AttributeValue> item) {
    return TransactWriteItem.builder().put(p -> p.tableName(table).item(item)).build();
  }

  TransactWriteItem putNew(Map<String, AttributeValue> item) {
    return TransactWriteItem.builder().put(p -> p.tableName(table).item(item)
        .conditionExpression("attribute_not_exists(pk)")).build();
  }

  TransactWriteItem delete(Map<String, AttributeValue> key) {
    return TransactWriteItem.builder().delete(d -> d.tableName(table).key(key)).build();
  }

  void putAll(List<Map<String, AttributeValue>> items) {
    for (int i = 0; i < items.size(); i += 25) {
      writeBatch(items.subList(i, Math.min(items.size(), i + 25)).stream()
          .map(item -> WriteRequest.builder().putRequest(r -> r.item(item)).build()).toList());
    }
  }

  void deleteAll(List<Map<String, AttributeValue>> keys) {
    Map<String, Map<String, AttributeValue>> unique = new LinkedHashMap<>();
    keys.forEach(k -> unique.putIfAbsent(k.get(PK).s() + "\u0000" + k.get(SK).s(), k));
    List<Map<String, AttributeValue>> all = new ArrayList<>(unique.values());
    for (int i = 0; i < all.size(); i += 25) {
      writeBatch(all.subList(i, Math.min(all.size(), i + 25)).stream()
          .map(key -> WriteRequest.builder().deleteRequest(r -> r.key(key)).build()).toList());
    }
  }

  private void writeBatch(List<WriteRequest> batch) {
    Map<String, List<WriteRequest>> pending = Map.of(table, batch);
    for (int attempt = 1; !pending.getOrDefault(table, List.of()).isEmpty(); attempt++) {
      Map<String, List<WriteRequest>> request = pending;
      var r = dynamo.batchWriteItem(b -> b.requestItems(request));
      pending = r.hasUnprocessedItems() ? r.unprocessedItems() : Map.of();
      if (!pending.isEmpty()) {
        backoff(attempt);
      }
    }
  }

  /** The versions {@code refs} name (items with model and version), in their order (BatchGetItem, 100 at a time). */
  List<ModelVersion> fetchVersions(List<Map<String, AttributeValue>> refs) {
    Map<String, ModelVersion> found = new HashMap<>();
    List<Map<String, AttributeValue>> keys = refs.stream().map(r -> RegistryItems.versionKey(r.get("model").s(),
        Integer.parseInt(r.get("version").n()))).distinct().toList();
    for (int i = 0; i < keys.size(); i += 100) {
      Map<String, KeysAndAttributes> pending = Map.of(table, KeysAndAttributes.builder()
          .keys(keys.subList(i, Math.min(keys.size(), i + 100))).consistentRead(true).build());
      for (int attempt = 1; !pending.isEmpty(); attempt++) {
        Map<String, KeysAndAttributes> request = pending;
        var r = dynamo.batchGetItem(b -> b.requestItems(request));
        r.responses().getOrDefault(table, List.of()).forEach(item -> {
          ModelVersion v = RegistryItems.toVersion(item);
          found.put(v.model() + "#" + v.version(), v);
        });
        pending = r.hasUnprocessedKeys() ? r.unprocessedKeys() : Map.of();
        if (!pending.isEmpty()) {
          backoff(attempt);
        }
      }
    }
    List<ModelVersion> out = new ArrayList<>();
    for (Map<String, AttributeValue> ref : refs) {
      ModelVersion v = found.get(ref.get("model").s() + "#" + ref.get("version").n());
      if (v != null) {
        out.add(v);
      }
    }
    return out;
  }

  // --- races ---

  static boolean failedCondition(TransactionCanceledException e, int index) {
    List<CancellationReason> reasons = e.cancellationReasons();
    return reasons != null && reasons.size() > index
        && "ConditionalCheckFailed".equals(reasons.get(index).code());
  }

  /** Waits a little before retrying a write that lost a race: jittered, growing to 50 ms. */
  static void backoff(int attempt) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(1, 1 + Math.min(50, 2L * attempt)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw PierException.unavailable("interrupted while writing to the registry", e);
    }
  }

  static PierException preconditionFailed(String message) {
    return new PierException(412, message);
  }

  // --- page tokens ---

  static String encodeToken(String value) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  static String decodeToken(String token) {
    try {
      return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw PierException.badRequest("invalid page_token");
    }
  }

  static int decodeNumberToken(String token) {
    try {
      return Integer.parseInt(decodeToken(token));
    } catch (NumberFormatException e) {
      throw PierException.badRequest("invalid page_token");
    }
  }

  // --- listeners ---

  void addListener(RegistryListener listener) {
    listeners.add(listener);
  }

  /**
   * Tells every listener of a change that is already durable. A listener's failure is logged and does not turn the
   * committed change into an error for the caller (who would then retry a write that happened).
   */
  void notifyListeners(Consumer<RegistryListener> event) {
    for (RegistryListener l : listeners) {
      try {
        event.accept(l);
      } catch (RuntimeException e) {
        System.getLogger(ModelRegistry.class.getName()).log(System.Logger.Level.ERROR,
            "registry listener " + l.getClass().getName() + " failed", e);
      }
    }
  }

  void publish(RegistryEvent event) {
    for (RegistryListener l : listeners) {
      try {
        l.changed(event);
      } catch (RuntimeException e) {
        System.getLogger(ModelRegistry.class.getName()).log(System.Logger.Level.WARNING,
            "registry listener failed on " + event.type(), e);
      }
    }
  }
}
