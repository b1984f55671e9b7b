package dev.pier.async;

import dev.pier.kernel.aws.DynamoTables;
import dev.pier.kernel.PierException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * The async predictions table, the source of truth for every async prediction (the queue only says "look at this
 * one"). Items: {@code pk = p#<id>} per prediction, {@code pk = k#<key>} per idempotency key (pointing at its
 * prediction, written in the same transaction). Sparse index {@code subject} on {@code subjectHash} finds a data
 * subject's predictions for erasure. Both kinds of item carry {@code expiresAt} (epoch seconds), the table's TTL.
 *
 * <p>Every state change is conditional: a claim succeeds only on a QUEUED prediction or a RUNNING one whose lease
 * has expired, and hands out a fresh lease token; completion and failure succeed only for the holder of the current
 * token while RUNNING. So however often a message is delivered, exactly one completion is written.
 *
 * <p>A prediction handed to a SageMaker asynchronous endpoint stays RUNNING under the same token with
 * {@code endpointName}, {@code endpointOutput} and {@code endpointFailure} (the S3 locations the endpoint writes) and
 * a lease as long as the endpoint may keep it; the endpoint's notification completes it with that token.
 */
public final class AsyncTable {
  static final String PK = "pk";
  static final String SUBJECT_INDEX = "subject";
  static final String SUBJECT = "subjectHash";
  static final String TTL = "expiresAt";

  private final DynamoDbClient dynamo;
  private final String table;

  public AsyncTable(DynamoDbClient dynamo, String table) {
    this.dynamo = dynamo;
    this.table = table;
  }

  /** Creates the table with its TTL (local mode; in AWS the CDK data stack does). */
  public static void createIfMissing(DynamoDbClient dynamo, String table) {
    DynamoTables.createIfMissing(dynamo, table, b -> b
        .attributeDefinitions(DynamoTables.string(PK), DynamoTables.string(SUBJECT))
        .keySchema(DynamoTables.key(PK, KeyType.HASH))
        .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName(SUBJECT_INDEX)
            .keySchema(DynamoTables.key(SUBJECT, KeyType.HASH))
            .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build()).build()), TTL);
  }

  /** A prediction claimed by one worker: its lease token and where its request is. */
  public record Claim(AsyncPrediction prediction, String token, byte[] inlineRequest, String requestKey) {}

  /**
   * Stores a new QUEUED prediction, and its idempotency key when it has one, in one transaction.
   *
   * @return the id of the stored prediction: {@code id}, or the one an earlier submission with the same key made
   * @throws PierException 422 when the key was used before for a different request
   */
  public String create(String id, AsyncSubmission s, Instant now, Instant expiresAt, byte[] inlineRequest,
      String requestKey) {
    Map<String, AttributeValue> item = new HashMap<>(key(id));
    item.put("id", str(id));
    item.put("model", str(s.model()));
    item.put("version", num(s.version()));
    item.put("state", str(AsyncState.QUEUED.name()));
    item.put("createdAt", num(now.toEpochMilli()));
    item.put("updatedAt", num(now.toEpochMilli()));
    item.put("attempts", num(0));
    item.put("requestHash", str(s.requestHash()));
    item.put(TTL, num(expiresAt.getEpochSecond()));
    if (s.subjectHash() != null) {
      item.put(SUBJECT, str(s.subjectHash()));
    }
    if (s.callbackUrl() != null) {
      item.put("callbackUrl", str(s.callbackUrl()));
    }
    if (s.idempotencyKey() != null) {
      item.put("idempotencyKey", str(s.idempotencyKey())); // so erasure can remove the key item too
    }
    if (inlineRequest != null) {
      item.put("request", AttributeValue.fromB(SdkBytes.fromByteArray(inlineRequest)));
    } else {
      item.put("requestKey", str(requestKey));
    }
    List<TransactWriteItem> writes = new ArrayList<>();
    writes.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(item)
        .conditionExpression("attribute_not_exists(pk)")).build());
    if (s.idempotencyKey() != null) {
      Map<String, AttributeValue> k = new HashMap<>();
      k.put(PK, str("k#" + s.idempotencyKey()));
      k.put("id", str(id));
      k.put("requestHash", str(s.requestHash()));
      k.put(TTL, num(expiresAt.getEpochSecond()));
      writes.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(k)
          .conditionExpression("attribute_not_exists(pk)")).build());
    }
    try {
      dynamo.transactWriteItems(b -> b.transactItems(writes));
      return id;
    } catch (TransactionCanceledException e) {
      List<CancellationReason> reasons = e.cancellationReasons();
      boolean keyTaken = s.idempotencyKey() != null && reasons.size() > 1
          && "ConditionalCheckFailed".equals(reasons.get(1).code());
      if (!keyTaken) {
        throw e;
      }
      Map<String, AttributeValue> earlier = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
          .key(Map.of(PK, str("k#" + s.idempotencyKey())))).item();
      if (!s.requestHash().equals(earlier.get("requestHash").s())) {
        throw PierException.unprocessable("Idempotency-Key was used before for a different request (another model,"
            + " version or body); use a new key for a new request");
      }
      return earlier.get("id").s();
    }
  }

  public Optional<AsyncPrediction> get(String id) {
    Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).consistentRead(true).key(key(id))).item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(prediction(item));
  }

  /**
   * Takes the prediction for one worker for {@code lease}: only a QUEUED one, or a RUNNING one whose previous
   * worker's lease ran out (it died or stalled). Empty when someone else holds it or it is done.
   */
  public Optional<Claim> claim(String id, java.time.Duration lease, Instant now) {
    String token = UUID.randomUUID().toString();
    try {
      Map<String, AttributeValue> item = dynamo.updateItem(b -> b.tableName(table).key(key(id))
          .updateExpression("SET #s = :running, leaseToken = :t, leaseUntil = :until, updatedAt = :now"
              + " ADD attempts :one REMOVE endpointName, endpointOutput, endpointFailure")
          .conditionExpression("attribute_exists(pk) AND (#s = :queued OR (#s = :running AND leaseUntil < :now))")
          .expressionAttributeNames(Map.of("#s", "state"))
          .expressionAttributeValues(Map.of(":running", str(AsyncState.RUNNING.name()),
              ":queued", str(AsyncState.QUEUED.name()), ":t", str(token),
              ":until", num(now.plus(lease).toEpochMilli()), ":now", num(now.toEpochMilli()), ":one", num(1)))
          .returnValues(ReturnValue.ALL_NEW)).attributes();
      AttributeValue request = item.get("request");
      return Optional.of(new Claim(prediction(item), token, request == null ? null : request.b().asByteArray(),
          item.containsKey("requestKey") ? item.get("requestKey").s() : null));
    } catch (ConditionalCheckFailedException e) {
      return Optional.empty();
    }
  }

  /**
   * Records that the claimed prediction was queued on an asynchronous endpoint: where its request is staged, where
   * the endpoint writes, and a lease until {@code leaseUntil} (the longest the endpoint may keep it). The inline
   * request is dropped, the staged object being its one copy now. Only by the holder of the current lease.
   *
   * @return false when the lease was lost meanwhile
   */
  public boolean handOff(String id, String token, String requestKey, AsyncEndpoints.Invocation invocation,
      Instant now, Instant leaseUntil) {
    Map<String, AttributeValue> values = new HashMap<>(Map.of(":running", str(AsyncState.RUNNING.name()),
        ":t", str(token), ":now", num(now.toEpochMilli()), ":until", num(leaseUntil.toEpochMilli()),
        ":rk", str(requestKey), ":e", str(invocation.endpoint()), ":o", str(invocation.outputLocation())));
    String set = "SET updatedAt = :now, leaseUntil = :until, requestKey = :rk, endpointName = :e, endpointOutput = :o";
    if (invocation.failureLocation() != null) {
      set += ", endpointFailure = :f";
      values.put(":f", str(invocation.failureLocation()));
    }
    String expression = set;
    try {
      dynamo.updateItem(b -> b.tableName(table).key(key(id))
          .updateExpression(expression + " REMOVE #q")
          .conditionExpression("#s = :running AND leaseToken = :t")
          .expressionAttributeNames(Map.of("#s", "state", "#q", "request"))
          .expressionAttributeValues(values));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  /**
   * A prediction waiting on an asynchronous endpoint: the claim that handed it over (its token completes it) and
   * where the endpoint writes its answer or failure ({@code s3://} URIs; the failure location may be null).
   */
  public record HandedOff(Claim claim, String endpoint, String outputLocation, String failureLocation) {}

  /** The prediction if it is RUNNING on an asynchronous endpoint; empty when it is not (or not yet, or no more). */
  public Optional<HandedOff> handedOff(String id) {
    Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).consistentRead(true).key(key(id))).item();
    if (item == null || item.isEmpty() || !AsyncState.RUNNING.name().equals(text(item, "state"))
        || !item.containsKey("endpointOutput") || !item.containsKey("leaseToken")) {
      return Optional.empty();
    }
    Claim claim = new Claim(prediction(item), text(item, "leaseToken"), null, text(item, "requestKey"));
    return Optional.of(new HandedOff(claim, text(item, "endpointName"), text(item, "endpointOutput"),
        text(item, "endpointFailure")));
  }

  /**
   * The one write of a result: only by the holder of the current lease, only while RUNNING. Drops the stored
   * request (it is no longer needed, and it may hold personal data).
   *
   * @return false when the lease was lost (another worker took over, or the prediction is done)
   */
  public boolean complete(String id, String token, String inlineResult, String resultKey, Instant now) {
    Map<String, AttributeValue> values = new HashMap<>(Map.of(":running", str(AsyncState.RUNNING.name()),
        ":t", str(token), ":done", str(AsyncState.SUCCEEDED.name()), ":now", num(now.toEpochMilli())));
    String set = "SET #s = :done, updatedAt = :now";
    if (inlineResult != null) {
      set += ", #r = :r";
      values.put(":r", str(inlineResult));
    } else {
      set += ", resultKey = :rk";
      values.put(":rk", str(resultKey));
    }
    return finish(id, set, values);
  }

  /** A final failure, written like {@link #complete}. */
  public boolean fail(String id, String token, String error, Instant now) {
    return finish(id, "SET #s = :done, updatedAt = :now, #e = :e", new HashMap<>(Map.of(
        ":running", str(AsyncState.RUNNING.name()), ":t", str(token), ":done", str(AsyncState.FAILED.name()),
        ":now", num(now.toEpochMilli()), ":e", str(error))));
  }

  private boolean finish(String id, String set, Map<String, AttributeValue> values) {
    try {
      dynamo.updateItem(b -> b.tableName(table).key(key(id))
          .updateExpression(set + " REMOVE #q, leaseToken, leaseUntil, endpointOutput, endpointFailure")
          .conditionExpression("#s = :running AND leaseToken = :t")
          .expressionAttributeNames(names(set))
          .expressionAttributeValues(values));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  private static Map<String, String> names(String set) {
    Map<String, String> names = new HashMap<>(Map.of("#s", "state", "#q", "request"));
    if (set.contains("#r")) {
      names.put("#r", "result");
    }
    if (set.contains("#e")) {
      names.put("#e", "error");
    }
    return names;
  }

  /**
   * Ids of predictions not done yet: QUEUED or RUNNING (a RUNNING one whose lease is still live is claimed only once
   * it runs out). A scan, used once at start in local mode (the in-memory queue forgets its messages when the process
   * dies); fine for a laptop's table.
   */
  public List<String> unfinished() {
    List<String> ids = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      var page = dynamo.scan(b -> b.tableName(table).consistentRead(true).exclusiveStartKey(from)
          .filterExpression("begins_with(pk, :p) AND (#s = :queued OR #s = :running)")
          .expressionAttributeNames(Map.of("#s", "state"))
          .expressionAttributeValues(Map.of(":p", str("p#"), ":queued", str(AsyncState.QUEUED.name()),
              ":running", str(AsyncState.RUNNING.name()))));
      page.items().forEach(i -> ids.add(i.get("id").s()));
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return ids;
  }

  /** Ids of the predictions made about one data subject (by its keyed hash). */
  public List<String> bySubject(String subjectHash) {
    List<String> ids = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      var page = dynamo.query(b -> b.tableName(table).indexName(SUBJECT_INDEX).exclusiveStartKey(from)
          .keyConditionExpression("#h = :h")
          .expressionAttributeNames(Map.of("#h", SUBJECT))
          .expressionAttributeValues(Map.of(":h", str(subjectHash))));
      page.items().forEach(i -> ids.add(i.get(PK).s().substring(2)));
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return ids;
  }

  /** Where a prediction's S3 objects are, if any: the request and the result keys (either may be null). */
  public record Objects(String requestKey, String resultKey) {}

  /**
   * Deletes the prediction's record and its idempotency key; returns the S3 objects it pointed at, or empty when it
   * was not there.
   */
  public Optional<Objects> delete(String id) {
    Map<String, AttributeValue> old = dynamo.deleteItem(b -> b.tableName(table).key(key(id))
        .returnValues(ReturnValue.ALL_OLD)).attributes();
    if (old == null || old.isEmpty()) {
      return Optional.empty();
    }
    String idempotencyKey = text(old, "idempotencyKey");
    if (idempotencyKey != null) {
      dynamo.deleteItem(b -> b.tableName(table).key(Map.of(PK, str("k#" + idempotencyKey))));
    }
    return Optional.of(new Objects(text(old, "requestKey"), text(old, "resultKey")));
  }

  private static AsyncPrediction prediction(Map<String, AttributeValue> i) {
    return new AsyncPrediction(i.get("id").s(), i.get("model").s(), Integer.parseInt(i.get("version").n()),
        AsyncState.valueOf(i.get("state").s()), Instant.ofEpochMilli(Long.parseLong(i.get("createdAt").n())),
        Instant.ofEpochMilli(Long.parseLong(i.get("updatedAt").n())), Integer.parseInt(i.get("attempts").n()),
        i.get("requestHash").s(), text(i, SUBJECT), text(i, "callbackUrl"), text(i, "result"), text(i, "resultKey"),
        text(i, "error"), Instant.ofEpochSecond(Long.parseLong(i.get(TTL).n())));
  }

  private static String text(Map<String, AttributeValue> item, String name) {
    AttributeValue v = item.get(name);
    return v == null ? null : v.s();
  }

  private static Map<String, AttributeValue> key(String id) {
    return Map.of(PK, str("p#" + id));
  }

  private static AttributeValue str(String s) {
    return AttributeValue.fromS(s);
  }

  private static AttributeValue num(long n) {
    return AttributeValue.fromN(Long.toString(n));
  }
}
