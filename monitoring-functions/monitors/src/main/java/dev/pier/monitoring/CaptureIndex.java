package dev.pier.monitoring;

import dev.pier.monitoring.capture.CapturedPrediction;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Which request ids have been captured, so that feedback can be told matched (its prediction is captured) from
 * unmatched (not captured, or not yet). One item per captured request in the monitoring table,
 * {@code captured#<request id>} / {@code capture}, with its model and version, written by the capture buffer's writer
 * after each stored batch (off the request path, 25 per {@code BatchWriteItem}; writing one again is harmless).
 *
 * <p>Entries expire after the feedback window ({@code pier.monitoring.feedback-window}, default 30 days): each carries
 * {@link #TTL} (epoch seconds), the capture's time plus the window, and DynamoDB's TTL deletes it, so the index holds
 * about a window's captured requests. An entry past its time that TTL has not deleted yet (DynamoDB takes up to two
 * days) counts as expired, not captured. Thread-safe.
 */
public final class CaptureIndex {
  private static final int GET_BATCH = 100;
  private static final int WRITE_BATCH = 25;
  private static final String SK = "capture";
  /** The monitoring table's TTL attribute (epoch seconds). */
  public static final String TTL = "expiresAt";
  /** How long after its capture a request's feedback is matched by default. */
  public static final Duration DEFAULT_FEEDBACK_WINDOW = Duration.ofDays(30);

  private final DynamoDbClient dynamo;
  private final String table;
  private final Duration window;
  private final Clock clock;

  public CaptureIndex(DynamoDbClient dynamo, String table) {
    this(dynamo, table, DEFAULT_FEEDBACK_WINDOW, Clock.systemUTC());
  }

  /** @param window how long after its capture a request stays in the index (its feedback matched); positive */
  public CaptureIndex(DynamoDbClient dynamo, String table, Duration window, Clock clock) {
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("the feedback window must be positive, got " + window);
    }
    this.dynamo = dynamo;
    this.table = table;
    this.window = window;
    this.clock = clock;
  }

  /** How long after its capture a request's feedback is matched. */
  public Duration window() {
    return window;
  }

  /** Request ids looked up: those captured within the window, and those whose entry is past it. */
  public record Lookup(Set<String> captured, Set<String> expired) {}

  /** Indexes the request ids of a stored batch of captured rows (a {@code CaptureListener}). */
  public void written(List<CapturedPrediction> rows) {
    Map<String, CapturedPrediction> first = new LinkedHashMap<>();
    for (CapturedPrediction row : rows) {
      if (row.requestId() != null) {
        first.putIfAbsent(row.requestId(), row);
      }
    }
    List<WriteRequest> writes = new ArrayList<>(first.size());
    for (CapturedPrediction row : first.values()) {
      writes.add(WriteRequest.builder().putRequest(PutRequest.builder().item(Map.of(
          "pk", AttributeValue.fromS(pk(row.requestId())), "sk", AttributeValue.fromS(SK),
          "model", AttributeValue.fromS(row.model()), "version", AttributeValue.fromN(Long.toString(row.version())),
          "captured_at", AttributeValue.fromS(row.time().toString()),
          TTL, AttributeValue.fromN(Long.toString(row.time().plus(window).getEpochSecond())))).build()).build());
    }
    for (int from = 0; from < writes.size(); from += WRITE_BATCH) {
      Map<String, List<WriteRequest>> pending =
          Map.of(table, writes.subList(from, Math.min(writes.size(), from + WRITE_BATCH)));
      while (!pending.isEmpty()) {
        Map<String, List<WriteRequest>> batch = pending;
        pending = dynamo.batchWriteItem(b -> b.requestItems(batch)).unprocessedItems();
      }
    }
  }

  /** The ids among {@code requestIds} whose prediction has been captured within the window. */
  public Set<String> captured(Collection<String> requestIds) {
    return lookup(requestIds).captured();
  }

  /** Looks the ids up in batches of 100 keys: captured within the window, or past it. */
  public Lookup lookup(Collection<String> requestIds) {
    List<Map<String, AttributeValue>> keys = new ArrayList<>();
    for (String id : new LinkedHashSet<>(requestIds)) {
      keys.add(Map.of("pk", AttributeValue.fromS(pk(id)), "sk", AttributeValue.fromS(SK)));
    }
    long now = clock.instant().getEpochSecond();
    Set<String> found = new HashSet<>();
    Set<String> expired = new HashSet<>();
    for (int from = 0; from < keys.size(); from += GET_BATCH) {
      Map<String, KeysAndAttributes> pending = Map.of(table, KeysAndAttributes.builder()
          .keys(keys.subList(from, Math.min(keys.size(), from + GET_BATCH))).projectionExpression("pk, " + TTL)
          .build());
      while (!pending.isEmpty()) {
        Map<String, KeysAndAttributes> batch = pending;
        BatchGetItemResponse response = dynamo.batchGetItem(b -> b.requestItems(batch));
        for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
          String id = item.get("pk").s().substring("captured#".length());
          AttributeValue ttl = item.get(TTL); // entries indexed before entries expired have none: captured
          (ttl != null && Long.parseLong(ttl.n()) <= now ? expired : found).add(id);
        }
        pending = response.unprocessedKeys();
      }
    }
    return new Lookup(found, expired);
  }

  private static String pk(String requestId) {
    return "captured#" + requestId;
  }
}
