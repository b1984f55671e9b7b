package dev.pier.monitoring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.DynamoTables;
import dev.pier.kernel.aws.S3Create;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Monitors and their runs. DynamoDB (the monitoring table, single-table layout) holds each definition and an index
 * entry per run with its summary; S3 holds what may outgrow an item: the reference rows
 * ({@code monitors/<id>/reference.json.gz}) and each run's full result ({@code monitors/<id>/runs/<run>.json}).
 * Every write is conditional: a definition or a run is written once and never overwritten. Thread-safe.
 */
public final class MonitorStore {
  private static final String DEFINITION = "definition";

  private final DynamoDbClient dynamo;
  private final String table;
  private final S3Client s3;
  private final String bucket;

  public MonitorStore(DynamoDbClient dynamo, String table, S3Client s3, String bucket) {
    this.dynamo = dynamo;
    this.table = table;
    this.s3 = s3;
    this.bucket = bucket;
  }

  /** Creates the table with TTL on {@link FeedbackStore#TTL} (the list of labels no run has joined yet). */
  public static void createTableIfMissing(DynamoDbClient dynamo, String table) {
    if (!DynamoTables.createIfMissing(dynamo, table, DynamoTables.SINGLE_TABLE, FeedbackStore.TTL)) {
      // made before list entries expired: turn TTL on (DynamoDB answers a 400 when it is on already)
      var ttl = dynamo.describeTimeToLive(b -> b.tableName(table)).timeToLiveDescription();
      if (ttl == null || ttl.attributeName() == null) {
        dynamo.updateTimeToLive(b -> b.tableName(table)
            .timeToLiveSpecification(t -> t.enabled(true).attributeName(FeedbackStore.TTL)));
      }
    }
  }

  /** Stores a new monitor and its reference; 409 if the id exists. */
  public void create(MonitorDefinition monitor, List<Map<String, Object>> reference) {
    s3.putObject(b -> b.bucket(bucket).key(referenceKey(monitor.id())).contentType("application/json")
        .contentEncoding("gzip"), RequestBody.fromBytes(gzip(write(reference))));
    dev.pier.monitoring.profile.DataProfile profile = new dev.pier.monitoring.profile.DataProfile();
    reference.forEach(profile::update);
    s3.putObject(b -> b.bucket(bucket).key(referenceProfileKey(monitor.id())).contentType("application/octet-stream"),
        RequestBody.fromBytes(profile.toBytes()));
    try {
      dynamo.putItem(b -> b.tableName(table).item(Map.of(
          "pk", s(pk(monitor.id())), "sk", s(DEFINITION),
          "gsi1pk", s("monitors"), "gsi1sk", s(monitor.createdAt() + "#" + monitor.id()),
          "json", s(new String(write(monitor), java.nio.charset.StandardCharsets.UTF_8))))
          .conditionExpression("attribute_not_exists(pk)"));
    } catch (ConditionalCheckFailedException e) {
      throw PierException.conflict("monitor '" + monitor.id() + "' exists");
    }
  }

  /** The monitor; 404 naming it when there is none. */
  public MonitorDefinition get(String id) {
    Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).key(Map.of("pk", s(pk(id)),
        "sk", s(DEFINITION))).consistentRead(true)).item();
    if (item == null || item.isEmpty()) {
      throw PierException.notFound("no monitor '" + id + "'");
    }
    return read(item.get("json").s(), MonitorDefinition.class);
  }

  /** All monitors, oldest first. */
  public List<MonitorDefinition> list() {
    List<MonitorDefinition> out = new ArrayList<>();
    for (QueryResponse page : dynamo.queryPaginator(b -> b.tableName(table).indexName("gsi1")
        .keyConditionExpression("gsi1pk = :p").expressionAttributeValues(Map.of(":p", s("monitors"))))) {
      page.items().forEach(item -> out.add(read(item.get("json").s(), MonitorDefinition.class)));
    }
    return out;
  }

  public List<Map<String, Object>> reference(String id) {
    try {
      byte[] gz = s3.getObjectAsBytes(b -> b.bucket(bucket).key(referenceKey(id))).asByteArray();
      return read(new String(gunzip(gz), java.nio.charset.StandardCharsets.UTF_8), new TypeReference<>() { });
    } catch (NoSuchKeyException e) {
      throw PierException.notFound("monitor '" + id + "' has no stored reference");
    }
  }

  /**
   * The reference's profile, written with the monitor: runs from profiles use it instead of profiling the rows again.
   * A monitor stored before profiles were kept gets it built from its rows.
   */
  public dev.pier.monitoring.profile.DataProfile referenceProfile(String id) {
    try {
      return dev.pier.monitoring.profile.DataProfile.fromBytes(
          s3.getObjectAsBytes(b -> b.bucket(bucket).key(referenceProfileKey(id))).asByteArray());
    } catch (NoSuchKeyException e) {
      dev.pier.monitoring.profile.DataProfile profile = new dev.pier.monitoring.profile.DataProfile();
      reference(id).forEach(profile::update);
      return profile;
    }
  }

  /**
   * Stores a run: its result in S3 and its summary in the monitor's run index, both create-only, so storing a run of
   * the same id again (a retry, a scheduled window run twice) changes nothing.
   */
  public void putRun(MonitorRun run) {
    byte[] json = write(run);
    S3Create.once(s3, b -> b.bucket(bucket).key(runKey(run.monitorId(), run.runId())).contentType("application/json"),
        RequestBody.fromBytes(json));
    try {
      dynamo.putItem(b -> b.tableName(table).item(Map.of(
          "pk", s(pk(run.monitorId())), "sk", s(runSk(run.windowEnd(), run.runId())),
          "summary", s(new String(write(summary(run)), StandardCharsets.UTF_8))))
          .conditionExpression("attribute_not_exists(pk)"));
    } catch (ConditionalCheckFailedException e) {
      // stored before: runs are written once
    }
  }

  /** Whether the run of this id over the window ending at {@code windowEnd} is stored. */
  public boolean hasRun(String id, Instant windowEnd, String runId) {
    Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).key(Map.of("pk", s(pk(id)),
        "sk", s(runSk(windowEnd, runId)))).consistentRead(true)).item();
    return item != null && !item.isEmpty();
  }

  /**
   * Replaces the definition if it is still {@code before} (409 when someone changed it meanwhile); other attributes
   * of the item (the schedule's progress) stay.
   */
  public void update(MonitorDefinition before, MonitorDefinition after) {
    try {
      dynamo.updateItem(b -> b.tableName(table).key(Map.of("pk", s(pk(before.id())), "sk", s(DEFINITION)))
          .updateExpression("SET #j = :new").conditionExpression("#j = :old")
          .expressionAttributeNames(Map.of("#j", "json"))
          .expressionAttributeValues(Map.of(":new", s(new String(write(after), StandardCharsets.UTF_8)),
              ":old", s(new String(write(before), StandardCharsets.UTF_8)))));
    } catch (ConditionalCheckFailedException e) {
      throw PierException.conflict("monitor '" + before.id() + "' changed or was deleted meanwhile; read it and"
          + " retry");
    }
  }

  /** Deletes a monitor, its reference, runs and alerts; 404 naming it when there is none. */
  public void delete(String id) {
    get(id);
    List<Map<String, AttributeValue>> keys = new ArrayList<>();
    for (QueryResponse page : dynamo.queryPaginator(b -> b.tableName(table).keyConditionExpression("pk = :p")
        .expressionAttributeValues(Map.of(":p", s(pk(id)))).projectionExpression("pk, sk"))) {
      keys.addAll(page.items());
    }
    for (Map<String, AttributeValue> key : keys) { // the definition last: a retried delete finds what is left
      if (!key.get("sk").s().equals(DEFINITION)) {
        dynamo.deleteItem(b -> b.tableName(table).key(key));
      }
    }
    s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix("monitors/" + id + "/")).contents()
        .forEach(o -> s3.deleteObject(b -> b.bucket(bucket).key(o.key())));
    dynamo.deleteItem(b -> b.tableName(table).key(Map.of("pk", s(pk(id)), "sk", s(DEFINITION))));
  }

  /** The end of the last scheduled window run, or null before the first. */
  public Instant scheduledThrough(String id) {
    Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).key(Map.of("pk", s(pk(id)),
        "sk", s(DEFINITION))).consistentRead(true).projectionExpression("scheduled_through")).item();
    return item == null || !item.containsKey("scheduled_through") ? null
        : Instant.parse(item.get("scheduled_through").s());
  }

  /** Moves the schedule's progress forward to {@code end} (never back: two schedulers may race). */
  public void scheduledThrough(String id, Instant end) {
    try {
      dynamo.updateItem(b -> b.tableName(table).key(Map.of("pk", s(pk(id)), "sk", s(DEFINITION)))
          .updateExpression("SET scheduled_through = :e")
          .conditionExpression("attribute_exists(pk) AND (attribute_not_exists(scheduled_through)"
              + " OR scheduled_through < :e)")
          .expressionAttributeValues(Map.of(":e", s(end.toString()))));
    } catch (ConditionalCheckFailedException e) {
      // another scheduler got there first, or the monitor is gone
    }
  }

  /** Records an alert once per (monitor, window, check, column); true when this call recorded it. */
  public boolean putAlert(dev.pier.monitoring.alerts.Alert alert) {
    try {
      dynamo.putItem(b -> b.tableName(table).item(Map.of(
          "pk", s(pk(alert.monitorId())), "sk", s("alert#" + alert.windowEnd() + "#" + alert.check() + "#"
              + (alert.column() == null ? "" : alert.column())),
          "json", s(new String(write(alert), StandardCharsets.UTF_8))))
          .conditionExpression("attribute_not_exists(pk)"));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  /** The monitor's alerts, newest window first. */
  public List<JsonNode> alerts(String id) {
    get(id);
    List<JsonNode> out = new ArrayList<>();
    for (QueryResponse page : dynamo.queryPaginator(b -> b.tableName(table)
        .keyConditionExpression("pk = :p AND begins_with(sk, :a)").scanIndexForward(false)
        .expressionAttributeValues(Map.of(":p", s(pk(id)), ":a", s("alert#"))))) {
      page.items().forEach(item -> out.add(read(item.get("json").s(), JsonNode.class)));
    }
    return out;
  }

  /** The monitor's run summaries, newest first. */
  public List<JsonNode> runs(String id) {
    get(id);
    List<JsonNode> out = new ArrayList<>();
    for (QueryResponse page : dynamo.queryPaginator(b -> b.tableName(table)
        .keyConditionExpression("pk = :p AND begins_with(sk, :r)").scanIndexForward(false)
        .expressionAttributeValues(Map.of(":p", s(pk(id)), ":r", s("run#"))))) {
      page.items().forEach(item -> out.add(read(item.get("summary").s(), JsonNode.class)));
    }
    return out;
  }

  /**
   * One page of the monitor's run summaries, newest first: at most {@code limit} after the run whose sort key is
   * {@code afterSortKey} (from the newest when null), by one query continuing from that key, so a page costs its
   * own items, not the history before it. Rows are {@code [sort key, summary JSON]}; {@code more} says whether any
   * follow.
   */
  public RunRows runs(String id, String afterSortKey, int limit) {
    get(id);
    Map<String, AttributeValue> from = afterSortKey == null ? null
        : Map.of("pk", s(pk(id)), "sk", s(afterSortKey));
    QueryResponse page = dynamo.query(b -> b.tableName(table).exclusiveStartKey(from).limit(limit + 1)
        .keyConditionExpression("pk = :p AND begins_with(sk, :r)").scanIndexForward(false)
        .expressionAttributeValues(Map.of(":p", s(pk(id)), ":r", s("run#"))));
    List<RunRow> rows = new ArrayList<>();
    for (Map<String, AttributeValue> item : page.items()) {
      if (rows.size() == limit) {
        return new RunRows(rows, true);
      }
      rows.add(new RunRow(item.get("sk").s(), read(item.get("summary").s(), JsonNode.class)));
    }
    return new RunRows(rows, false);
  }

  /** A run summary and the sort key it is stored under. */
  public record RunRow(String sortKey, JsonNode summary) {}

  /** A page of run summaries and whether more follow. */
  public record RunRows(List<RunRow> rows, boolean more) {}

  /** Whether {@code sortKey} is one a run summary is stored under. */
  public static boolean isRunKey(String sortKey) {
    return sortKey.startsWith("run#");
  }

  /** A run's full result; 404 naming it when there is none. */
  public JsonNode run(String id, String runId) {
    try {
      return read(s3.getObjectAsBytes(b -> b.bucket(bucket).key(runKey(id, runId))).asUtf8String(), JsonNode.class);
    } catch (NoSuchKeyException e) {
      throw PierException.notFound("monitor '" + id + "' has no run '" + runId + "'");
    }
  }

  /** What the run list shows per run. */
  record RunSummary(String runId, java.time.Instant startedAt, java.time.Instant windowStart,
      java.time.Instant windowEnd, long rows, String mode, boolean datasetDrift, double shareDrifted,
      Boolean predictionDrift, int alerts) {
  }

  private static RunSummary summary(MonitorRun run) {
    return new RunSummary(run.runId(), run.startedAt(), run.windowStart(), run.windowEnd(), run.rows(), run.mode(),
        run.dataDrift().datasetDrift(), run.dataDrift().shareDrifted(),
        run.predictionDrift() == null ? null : run.predictionDrift().datasetDrift(), run.alerts().size());
  }

  private static String pk(String id) {
    return "monitor#" + id;
  }

  private static String runSk(Instant windowEnd, String runId) {
    return "run#" + windowEnd + "#" + runId;
  }

  private static String referenceProfileKey(String id) {
    return "monitors/" + id + "/reference.profile";
  }

  private static String referenceKey(String id) {
    return "monitors/" + id + "/reference.json.gz";
  }

  private static String runKey(String id, String runId) {
    return "monitors/" + id + "/runs/" + runId + ".json";
  }

  private static AttributeValue s(String value) {
    return AttributeValue.fromS(value);
  }

  private static byte[] write(Object value) {
    try {
      return MonitoringJson.MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static <T> T read(String json, Class<T> type) {
    try {
      return MonitoringJson.MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static <T> T read(String json, TypeReference<T> type) {
    try {
      return MonitoringJson.MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static byte[] gunzip(byte[] bytes) {
    try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
