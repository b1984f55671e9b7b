package dev.pier.monitoring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.DynamoTables;
import java.io.ByteArrayOutputStream;
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

  public static void createTableIfMissing(DynamoDbClient dynamo, String table) {
    DynamoTables.createIfMissing(dynamo, table, DynamoTables.SINGLE_TABLE, null);
  }

  /** Stores a new monitor and its reference; 409 if the id exists. */
  public void create(MonitorDefinition monitor, List<Map<String, Object>> reference) {
    s3.putObject(b -> b.bucket(bucket).key(referenceKey(monitor.id())).contentType("application/json")
        .contentEncoding("gzip"), RequestBody.fromBytes(gzip(write(reference))));
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

  /** Stores a run: its result in S3 and its summary in the monitor's run index. */
  public void putRun(MonitorRun run) {
    byte[] json = write(run);
    try {
      s3.putObject(b -> b.bucket(bucket).key(runKey(run.monitorId(), run.runId())).contentType("application/json")
          .ifNoneMatch("*"), RequestBody.fromBytes(json));
    } catch (S3Exception e) {
      if (e.statusCode() != 412) { // 412: a retried put whose first attempt landed (run ids are unique)
        throw e;
      }
    }
    dynamo.putItem(b -> b.tableName(table).item(Map.of(
        "pk", s(pk(run.monitorId())), "sk", s("run#" + run.startedAt() + "#" + run.runId()),
        "summary", s(new String(write(summary(run)), java.nio.charset.StandardCharsets.UTF_8))))
        .conditionExpression("attribute_not_exists(pk)"));
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
      Boolean predictionDrift) {
  }

  private static RunSummary summary(MonitorRun run) {
    return new RunSummary(run.runId(), run.startedAt(), run.windowStart(), run.windowEnd(), run.rows(), run.mode(),
        run.dataDrift().datasetDrift(), run.dataDrift().shareDrifted(),
        run.predictionDrift() == null ? null : run.predictionDrift().datasetDrift());
  }

  private static String pk(String id) {
    return "monitor#" + id;
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
