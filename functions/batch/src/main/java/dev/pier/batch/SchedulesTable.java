package dev.pier.batch;

import dev.pier.kernel.PierException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Batch schedules in the jobs table: one item per schedule ({@code pk = schedule#<id>, sk = schedule}), listed
 * through {@code gsi1} (partition {@code schedules}, by creation time). A run's idempotency lives on its job: the job
 * id derives from schedule id and fire time and the job is created conditionally (see {@link BatchSchedules#fire}).
 */
public final class SchedulesTable {
  private final DynamoDbClient dynamo;
  private final String table;

  public SchedulesTable(DynamoDbClient dynamo, String table) {
    this.dynamo = dynamo;
    this.table = table;
  }

  /** Stores a new schedule; false when one with its id exists. */
  public boolean create(BatchSchedule s) {
    Map<String, AttributeValue> item = new HashMap<>(key(s.id()));
    item.put(JobsTable.GSI1_PK, str("schedules"));
    item.put(JobsTable.GSI1_SK, str(s.createdAt() + "#" + s.id()));
    item.put("id", str(s.id()));
    item.put("model", str(s.model()));
    item.put("reference", str(s.reference()));
    item.put("input", str(s.input().toString()));
    item.put("output", str(s.output().toString()));
    if (s.format() != null) {
      item.put("format", str(s.format().name()));
    }
    item.put("priority", str(s.priority().name()));
    item.put("schedule", str(s.schedule()));
    item.put("created_at", str(s.createdAt().toString()));
    if (s.featuresAsOf() != null) {
      item.put("features_as_of", str(s.featuresAsOf()));
    }
    try {
      dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  public Optional<BatchSchedule> get(String id) {
    var item = dynamo.getItem(b -> b.tableName(table).key(key(id)).consistentRead(true)).item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(schedule(item));
  }

  public BatchSchedule require(String id) {
    return get(id).orElseThrow(() -> PierException.notFound("no batch schedule '" + id + "'"));
  }

  /** Every schedule, oldest first. */
  public List<BatchSchedule> list() {
    return JobsTable.queryGsi1(dynamo, table, "schedules").stream().map(SchedulesTable::schedule).toList();
  }

  /** Deletes a schedule; false when there was none. */
  public boolean delete(String id) {
    try {
      dynamo.deleteItem(b -> b.tableName(table).key(key(id)).conditionExpression("attribute_exists(pk)"));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  /** Moves the schedule's last fire time forward to {@code fire} (never back); false when it was there already. */
  public boolean advance(String id, Instant fire) {
    try {
      dynamo.updateItem(b -> b.tableName(table).key(key(id))
          .updateExpression("SET last_fire = :f")
          .conditionExpression("attribute_exists(pk) AND (attribute_not_exists(last_fire) OR last_fire < :f)")
          .expressionAttributeValues(Map.of(":f", str(fire.toString()))));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  private static BatchSchedule schedule(Map<String, AttributeValue> i) {
    return new BatchSchedule(i.get("id").s(), i.get("model").s(), i.get("reference").s(),
        S3Uri.parse(i.get("input").s(), "input"), S3Uri.parse(i.get("output").s(), "output"),
        i.containsKey("format") ? InputFormat.valueOf(i.get("format").s()) : null,
        Priority.valueOf(i.get("priority").s()), i.get("schedule").s(), Instant.parse(i.get("created_at").s()),
        i.containsKey("last_fire") ? Instant.parse(i.get("last_fire").s()) : null,
        i.containsKey("features_as_of") ? i.get("features_as_of").s() : null);
  }

  private static Map<String, AttributeValue> key(String id) {
    return Map.of(JobsTable.PK, str("schedule#" + id), JobsTable.SK, str("schedule"));
  }

  private static AttributeValue str(String v) {
    return AttributeValue.fromS(v);
  }
}
