package dev.pier.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.monitoring.capture.CaptureStore.CapturedRow;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Ground truth for captured predictions ({@code POST /api/v1/feedback}), in the monitoring table: one item per
 * request id and row, {@code label#<request id>} / {@code row#<row>}. Labels may arrive days after the prediction, or
 * before its capture is written; a run joins what has arrived, by request id and row, to the captured rows of its
 * window (which it reads from S3 anyway). Sending a label again overwrites it with the same value (idempotent); a
 * different value is a correction and replaces it.
 *
 * <p>Nothing is indexed per captured request (that cost one DynamoDB write per prediction beside the request
 * threads). Instead every label received is listed as pending ({@code unmatched#<request id>} / {@code row#<row>}, in
 * the table's {@code gsi1} under {@code feedback-unmatched}, expiring a feedback window after it arrived) until a run
 * joins it to its captured row ({@link #joined}); {@link #unmatched()} counts the list: labels no run has joined yet —
 * their prediction not captured (yet, or ever: a version that does not capture, a request the sample rate did not
 * draw, a mistyped id), or captured in a window that ran before the label arrived. Thread-safe.
 */
public final class FeedbackStore implements Monitors.Labels {
  private static final String UNMATCHED = "feedback-unmatched";
  /** DynamoDB's BatchGetItem and BatchWriteItem limits. */
  private static final int GET_BATCH = 100;
  private static final int WRITE_BATCH = 25;

  private final DynamoDbClient dynamo;
  private final String table;
  private final Clock clock;
  private final java.time.Duration window;

  /** The table's TTL attribute (epoch seconds) on the list of labels waiting for their join. */
  public static final String TTL = "expiresAt";
  /** How long a label waits on the list for a run to join it, by default. */
  public static final java.time.Duration DEFAULT_FEEDBACK_WINDOW = java.time.Duration.ofDays(30);

  /** Labels in {@code table}, listed as pending for the default window. */
  public FeedbackStore(DynamoDbClient dynamo, String table, Clock clock) {
    this(dynamo, table, clock, DEFAULT_FEEDBACK_WINDOW);
  }

  /**
   * @param window the feedback window: a label no run has joined is listed (counted as unmatched) for this long after
   *     it arrived, then its list entry expires by TTL (the label itself stays and runs still join it); positive
   */
  public FeedbackStore(DynamoDbClient dynamo, String table, Clock clock, java.time.Duration window) {
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("the feedback window must be positive, got " + window);
    }
    this.dynamo = dynamo;
    this.table = table;
    this.clock = clock;
    this.window = window;
  }

  /** What {@link #record} stored: every label (each also listed as pending until a run joins it). */
  public record Recorded(int accepted) {
  }

  /** One label for one row of one request. */
  public record Feedback(String requestId, int row, Object label) {
  }

  /** Items per request; more belong in a file ({@code {"uri": "s3://…"}}). */
  public static final int MAX_ITEMS = 10_000;

  /**
   * Reads {@code {"items": [{"request_id": "…", "row": 0, "label": 1}, …]}} ({@code prediction_id} instead of
   * {@code request_id} for an async prediction, whose id is its request id); one 400 naming every item with a missing
   * id, a negative row or a label that is not a number, string or boolean. Nothing is recorded unless all are valid.
   */
  public static List<Feedback> parse(JsonNode body) {
    if (body == null || !body.isObject() || !body.path("items").isArray()) {
      throw PierException.badRequest("the body must be {\"items\": [{\"request_id\", \"row\", \"label\"}, ...]}"
          + " or {\"uri\": \"s3://…\"}");
    }
    JsonNode items = body.get("items");
    if (items.size() > MAX_ITEMS) {
      throw PierException.badRequest("items has " + items.size() + " labels; at most " + MAX_ITEMS
          + " per request (send a file as {\"uri\": \"s3://…\"})");
    }
    List<Feedback> out = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < items.size() && problems.size() < 20; i++) {
      JsonNode item = items.get(i);
      String where = "items[" + i + "]";
      if (!item.isObject()) {
        problems.add(where + " must be an object");
        continue;
      }
      JsonNode id = item.has("request_id") ? item.get("request_id") : item.path("prediction_id");
      if (!id.isTextual() || id.asText().isEmpty()) {
        problems.add(where + ".request_id (or prediction_id) is required");
      }
      JsonNode row = item.path("row");
      if (!row.isMissingNode() && !(row.isIntegralNumber() && row.asInt() >= 0)) {
        problems.add(where + ".row must be a non-negative integer");
      }
      JsonNode label = item.get("label");
      Object value = label == null ? null : switch (label.getNodeType()) {
        case NUMBER -> label.doubleValue();
        case STRING -> label.textValue();
        case BOOLEAN -> label.booleanValue();
        default -> null;
      };
      if (value == null) {
        problems.add(where + ".label must be a number, string or boolean");
      }
      if (id.isTextual() && value != null) {
        out.add(new Feedback(id.asText(), row.isMissingNode() ? 0 : row.asInt(), value));
      }
    }
    if (!problems.isEmpty()) {
      throw PierException.badRequest(String.join("; ", problems));
    }
    return out;
  }

  /** Labels from a file's rows (columns request_id or prediction_id, row, label), checked as {@link #parse} does. */
  public static List<Feedback> parseRows(String source, List<Map<String, Object>> rows) {
    List<Feedback> out = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < rows.size() && problems.size() < 20; i++) {
      Map<String, Object> r = rows.get(i);
      String where = source + " row " + (i + 1);
      Object id = r.containsKey("request_id") ? r.get("request_id") : r.get("prediction_id");
      if (id instanceof Double d && d == Math.rint(d)) { // CSV readers take numeric ids for numbers
        id = Long.toString(d.longValue());
      }
      Object row = r.getOrDefault("row", 0.0);
      Object label = r.get("label");
      if (!(id instanceof String s) || s.isEmpty()) {
        problems.add(where + ": request_id (or prediction_id) is required");
        continue;
      }
      if (!(row instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() != Math.rint(n.doubleValue())) {
        problems.add(where + ": row must be a non-negative integer");
        continue;
      }
      if (!(label instanceof Number || label instanceof String || label instanceof Boolean)) {
        problems.add(where + ": label must be a number, string or boolean");
        continue;
      }
      out.add(new Feedback(s, ((Number) row).intValue(), label));
    }
    if (!problems.isEmpty()) {
      throw PierException.badRequest(String.join("; ", problems));
    }
    return out;
  }

  /**
   * Stores the labels and lists each as pending until a run joins it; two writes per label, both batched 25 per
   * {@code BatchWriteItem}. No lookup: whether its prediction was captured is for the runs to find out.
   */
  public Recorded record(List<Feedback> items) {
    java.time.Instant now = clock.instant();
    String at = now.toString();
    AttributeValue listedUntil = AttributeValue.fromN(Long.toString(now.plus(window).getEpochSecond()));
    Map<String, WriteRequest> unique = new LinkedHashMap<>(); // BatchWriteItem refuses two writes of one key
    Map<String, WriteRequest> pending = new LinkedHashMap<>();
    for (Feedback f : items) {
      Map<String, AttributeValue> item = new HashMap<>(key(f.requestId(), f.row()));
      item.put("label", value(f.label()));
      item.put("received_at", AttributeValue.fromS(at));
      String id = f.requestId() + "\n" + f.row();
      unique.put(id, WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
      pending.put(id, WriteRequest.builder().putRequest(PutRequest.builder().item(Map.of(
          "pk", AttributeValue.fromS("unmatched#" + f.requestId()), "sk", AttributeValue.fromS("row#" + f.row()),
          "gsi1pk", AttributeValue.fromS(UNMATCHED),
          "gsi1sk", AttributeValue.fromS(at + "#" + f.requestId() + "#" + f.row()),
          TTL, listedUntil)).build()).build());
    }
    write(new ArrayList<>(unique.values()));
    write(new ArrayList<>(pending.values()));
    return new Recorded(items.size());
  }

  /** A label's key: the request id and row it is for. */
  public record LabelKey(String requestId, int row) {
  }

  /**
   * Takes labels a run has joined to their captured rows off the pending list (deletes, 25 per {@code
   * BatchWriteItem}; deleting one already taken off is harmless).
   */
  public void joined(java.util.Collection<LabelKey> keys) {
    Map<String, WriteRequest> deletes = new LinkedHashMap<>();
    for (LabelKey k : keys) {
      deletes.putIfAbsent(k.requestId() + "\n" + k.row(), WriteRequest.builder().deleteRequest(d -> d.key(Map.of(
          "pk", AttributeValue.fromS("unmatched#" + k.requestId()), "sk", AttributeValue.fromS("row#" + k.row()))))
          .build());
    }
    write(new ArrayList<>(deletes.values()));
  }

  /**
   * Labels no run has joined to a captured prediction yet: the pending list, less entries listed longer than the
   * feedback window (their TTL has passed; DynamoDB may take two days to delete them). Reads the whole list, which
   * holds at most a window's labels that no run joined.
   */
  @Override
  public long unmatched() {
    long now = clock.instant().getEpochSecond();
    long count = 0;
    for (QueryResponse page : dynamo.queryPaginator(b -> b.tableName(table).indexName("gsi1")
        .keyConditionExpression("gsi1pk = :p").expressionAttributeValues(Map.of(":p",
            AttributeValue.fromS(UNMATCHED))))) {
      for (Map<String, AttributeValue> item : page.items()) {
        AttributeValue until = item.get(TTL);
        if (until == null || Long.parseLong(until.n()) > now) {
          count++;
        }
      }
    }
    return count;
  }

  @Override
  public void joined(List<CapturedRow> rows, LabelSource labels) {
    List<LabelKey> keys = new ArrayList<>();
    for (CapturedRow r : rows) {
      if (r.requestId() != null && labels.label(r.requestId(), r.row()).isPresent()) {
        keys.add(new LabelKey(r.requestId(), r.row()));
      }
    }
    joined(keys);
  }

  private void write(List<WriteRequest> writes) {
    for (int from = 0; from < writes.size(); from += WRITE_BATCH) {
      Map<String, List<WriteRequest>> pending =
          Map.of(table, writes.subList(from, Math.min(writes.size(), from + WRITE_BATCH)));
      while (!pending.isEmpty()) {
        Map<String, List<WriteRequest>> batch = pending;
        pending = dynamo.batchWriteItem(b -> b.requestItems(batch)).unprocessedItems();
      }
    }
  }

  /** The labels that have arrived for these captured rows, fetched in batches of 100 keys. */
  @Override
  public LabelSource labelsFor(List<CapturedRow> rows) {
    Map<String, Object> found = new HashMap<>();
    Map<String, Map<String, AttributeValue>> keys = new LinkedHashMap<>();
    for (CapturedRow r : rows) {
      if (r.requestId() != null) {
        keys.put(r.requestId() + "\n" + r.row(), key(r.requestId(), r.row()));
      }
    }
    List<Map<String, AttributeValue>> all = new ArrayList<>(keys.values());
    for (int from = 0; from < all.size(); from += GET_BATCH) {
      Map<String, KeysAndAttributes> pending = Map.of(table,
          KeysAndAttributes.builder().keys(all.subList(from, Math.min(all.size(), from + GET_BATCH))).build());
      while (!pending.isEmpty()) {
        Map<String, KeysAndAttributes> batch = pending;
        BatchGetItemResponse response = dynamo.batchGetItem(b -> b.requestItems(batch));
        for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
          String requestId = item.get("pk").s().substring("label#".length());
          String row = item.get("sk").s().substring("row#".length());
          found.put(requestId + "\n" + row, label(item.get("label")));
        }
        pending = response.unprocessedKeys();
      }
    }
    return (requestId, row) -> Optional.ofNullable(found.get(requestId + "\n" + row));
  }

  private static Map<String, AttributeValue> key(String requestId, int row) {
    return Map.of("pk", AttributeValue.fromS("label#" + requestId), "sk", AttributeValue.fromS("row#" + row));
  }

  private static AttributeValue value(Object label) {
    return switch (label) {
      case Boolean b -> AttributeValue.fromBool(b);
      case Number n -> AttributeValue.fromN(Double.toString(n.doubleValue()));
      default -> AttributeValue.fromS(label.toString());
    };
  }

  private static Object label(AttributeValue v) {
    if (v.bool() != null) {
      return v.bool();
    }
    if (v.n() != null) {
      return Double.parseDouble(v.n());
    }
    return v.s();
  }
}
