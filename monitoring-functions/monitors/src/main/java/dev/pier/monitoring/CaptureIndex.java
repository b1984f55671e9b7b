package dev.pier.monitoring;

import dev.pier.monitoring.capture.CapturedPrediction;
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
 * Thread-safe.
 */
public final class CaptureIndex {
  private static final int GET_BATCH = 100;
  private static final int WRITE_BATCH = 25;
  private static final String SK = "capture";

  private final DynamoDbClient dynamo;
  private final String table;

  public CaptureIndex(DynamoDbClient dynamo, String table) {
    this.dynamo = dynamo;
    this.table = table;
  }

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
          "captured_at", AttributeValue.fromS(row.time().toString()))).build()).build());
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

  /** The ids among {@code requestIds} whose prediction has been captured, read in batches of 100 keys. */
  public Set<String> captured(Collection<String> requestIds) {
    List<Map<String, AttributeValue>> keys = new ArrayList<>();
    for (String id : new LinkedHashSet<>(requestIds)) {
      keys.add(Map.of("pk", AttributeValue.fromS(pk(id)), "sk", AttributeValue.fromS(SK)));
    }
    Set<String> found = new HashSet<>();
    for (int from = 0; from < keys.size(); from += GET_BATCH) {
      Map<String, KeysAndAttributes> pending = Map.of(table, KeysAndAttributes.builder()
          .keys(keys.subList(from, Math.min(keys.size(), from + GET_BATCH))).projectionExpression("pk").build());
      while (!pending.isEmpty()) {
        Map<String, KeysAndAttributes> batch = pending;
        BatchGetItemResponse response = dynamo.batchGetItem(b -> b.requestItems(batch));
        for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
          found.add(item.get("pk").s().substring("captured#".length()));
        }
        pending = response.unprocessedKeys();
      }
    }
    return found;
  }

  private static String pk(String requestId) {
    return "captured#" + requestId;
  }
}
