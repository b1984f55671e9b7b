package dev.pier.batch;

import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.DynamoTables;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * The jobs table: one item per job ({@code pk = job#<id>, sk = job}) and one per finished chunk
 * ({@code sk = chunk#<n>}), written together with the job's counters in one transaction that only succeeds for a
 * chunk not yet recorded — so a chunk scored twice (a retry, a restart after a crash) is counted once. Every state
 * change is a conditional write. Jobs are listed oldest first through index {@code gsi1} (one partition,
 * {@code jobs}, sorted by creation time): fine for the thousands of jobs a team keeps, not for millions.
 */
public final class JobsTable {
  static final String PK = "pk";
  static final String SK = "sk";
  static final String GSI1 = "gsi1";
  static final String GSI1_PK = "gsi1pk";
  static final String GSI1_SK = "gsi1sk";

  private final DynamoDbClient dynamo;
  private final String table;

  public JobsTable(DynamoDbClient dynamo, String table) {
    this.dynamo = dynamo;
    this.table = table;
  }

  /** Creates the table (local mode; in AWS the CDK app does). */
  public static void createIfMissing(DynamoDbClient dynamo, String table) {
    DynamoTables.createIfMissing(dynamo, table, DynamoTables.SINGLE_TABLE, null);
  }

  /** Stores a new job; false when a job with its id exists already (an upload seen before). */
  public boolean create(BatchJob job) {
    Map<String, AttributeValue> item = new HashMap<>(key(job.id()));
    item.put(GSI1_PK, s("jobs"));
    item.put(GSI1_SK, s(job.createdAt().toString() + "#" + job.id()));
    item.put("id", s(job.id()));
    item.put("model", s(job.model()));
    item.put("reference", s(job.reference()));
    item.put("version", n(job.version()));
    item.put("state", s(job.state().name()));
    item.put("priority", s(job.priority().name()));
    item.put("input", s(job.input().toString()));
    item.put("output", s(job.output().toString()));
    item.put("format", s(job.format().name()));
    item.put("succeeded", n(0));
    item.put("failed", n(0));
    item.put("scoring_ms", n(0));
    item.put("created_at", s(job.createdAt().toString()));
    item.put("source", s(job.source()));
    if (job.featuresAsOf() != null) {
      item.put("features_as_of", s(job.featuresAsOf()));
    }
    item.put("engine", s(job.engine().id()));
    if (job.table() != null) {
      item.put("table", s(job.table()));
      item.put("table_mode", s(job.tableMode().id()));
    }
    if (job.tableFormat() != null) {
      item.put("table_format", s(job.tableFormat().id()));
    }
    if (job.unitColumn() != null) {
      item.put("unit_column", s(job.unitColumn()));
    }
    if (job.attributeColumns() != null) {
      Map<String, AttributeValue> columns = new java.util.LinkedHashMap<>();
      job.attributeColumns().forEach((attribute, column) -> columns.put(attribute, s(column)));
      item.put("attribute_columns", AttributeValue.fromM(columns));
    }
    try {
      dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  public Optional<BatchJob> get(String id) {
    var item = dynamo.getItem(b -> b.tableName(table).key(key(id)).consistentRead(true)).item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(job(item));
  }

  public BatchJob require(String id) {
    return get(id).orElseThrow(() -> PierException.notFound("no batch job '" + id + "'"));
  }

  /** Every job, oldest first. */
  public List<BatchJob> list() {
    return queryGsi1(dynamo, table, "jobs").stream().map(JobsTable::job).toList();
  }

  /** Every item of one {@code gsi1} partition ({@code jobs}, {@code schedules}), in sort-key order, all pages. */
  static List<Map<String, AttributeValue>> queryGsi1(DynamoDbClient dynamo, String table, String partition) {
    List<Map<String, AttributeValue>> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse page = dynamo.query(b -> b.tableName(table).indexName(GSI1)
          .keyConditionExpression("gsi1pk = :p").expressionAttributeValues(Map.of(":p", s(partition)))
          .exclusiveStartKey(from));
      out.addAll(page.items());
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return out;
  }

  /** QUEUED or RUNNING → RUNNING with the row count and plan; false when the job has ended meanwhile (cancelled). */
  public boolean start(String id, long total, BatchJob.Plan plan) {
    try {
      dynamo.updateItem(b -> b.tableName(table).key(key(id))
          .updateExpression("SET #s = :running, #t = :t, #c = :c, #cr = :cr, #cc = :cc, #pb = :pb, #pr = :pr,"
              + " #at = if_not_exists(#at, :now)")
          .conditionExpression("#s IN (:queued, :running)")
          .expressionAttributeNames(Map.of("#s", "state", "#t", "total", "#c", "chunks", "#at", "started_at",
              "#cr", "chunk_rows", "#cc", "concurrency", "#pb", "plan_basis", "#pr", "plan_rate"))
          .expressionAttributeValues(Map.of(":running", s("RUNNING"), ":queued", s("QUEUED"), ":t", n(total),
              ":c", n(plan.chunks()), ":now", s(Instant.now().toString()), ":cr", n(plan.chunkRows()),
              ":cc", n(plan.concurrency()), ":pb", s(plan.basis()),
              ":pr", AttributeValue.fromN(Double.toString(Math.round(plan.rowsPerSecond() * 10) / 10.0)))));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  /** Records the id of the engine's run of the job (an EMR Serverless job run); the same id may be recorded again. */
  public void recordRun(String id, String runId) {
    dynamo.updateItem(b -> b.tableName(table).key(key(id)).updateExpression("SET #r = :r")
        .conditionExpression("attribute_exists(pk)").expressionAttributeNames(Map.of("#r", "run_id"))
        .expressionAttributeValues(Map.of(":r", s(runId))));
  }

  /** The id {@link #recordRun} recorded, if any. */
  public Optional<String> run(String id) {
    var item = dynamo.getItem(b -> b.tableName(table).key(key(id)).consistentRead(true)).item();
    return item == null || !item.containsKey("run_id") ? Optional.empty() : Optional.of(item.get("run_id").s());
  }

  /** The counts a finished chunk recorded, if it did. */
  public Optional<ChunkCounts> chunk(String id, int chunk) {
    var item = dynamo.getItem(b -> b.tableName(table).key(chunkKey(id, chunk)).consistentRead(true)).item();
    if (item == null || item.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new ChunkCounts(num(item, "succeeded"), num(item, "failed")));
  }

  /** Rows of one chunk: scored and failed. */
  public record ChunkCounts(long succeeded, long failed) {}

  /**
   * Records a finished chunk and adds its counts to the job, once: false when the chunk was recorded before.
   *
   * @throws JobEnded when the job is no longer RUNNING (cancelled, failed)
   */
  public boolean recordChunk(String id, int chunk, ChunkCounts counts, long millis) {
    Map<String, AttributeValue> item = new HashMap<>(chunkKey(id, chunk));
    item.put("succeeded", n(counts.succeeded()));
    item.put("failed", n(counts.failed()));
    item.put("ms", n(millis));
    try {
      dynamo.transactWriteItems(b -> b.transactItems(
          TransactWriteItem.builder().put(p -> p.tableName(table).item(item)
              .conditionExpression("attribute_not_exists(pk)")).build(),
          TransactWriteItem.builder().update(u -> u.tableName(table).key(key(id))
              .updateExpression("ADD #ok :s, #bad :f, #ms :ms")
              .conditionExpression("#s = :running")
              .expressionAttributeNames(Map.of("#s", "state", "#ok", "succeeded", "#bad", "failed",
                  "#ms", "scoring_ms"))
              .expressionAttributeValues(Map.of(":s", n(counts.succeeded()), ":f", n(counts.failed()),
                  ":ms", n(millis), ":running", s("RUNNING")))).build()));
      return true;
    } catch (TransactionCanceledException e) {
      List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
      if (!reasons.isEmpty() && "ConditionalCheckFailed".equals(reasons.get(0).code())) {
        return false;
      }
      if (reasons.size() > 1 && "ConditionalCheckFailed".equals(reasons.get(1).code())) {
        throw new JobEnded(id);
      }
      if (chunk(id, chunk).isPresent()) {
        return false;
      }
      throw e;
    }
  }

  /** Thrown when a job's chunk arrives after the job ended (most often: it was cancelled). */
  public static final class JobEnded extends RuntimeException {
    JobEnded(String id) {
      super("batch job " + id + " is no longer running");
    }
  }

  /** Moves a QUEUED or RUNNING job to a final state; false when it had ended already. */
  public boolean finish(String id, JobState state, String error) {
    Map<String, AttributeValue> values = new HashMap<>(Map.of(":final", s(state.name()), ":queued", s("QUEUED"),
        ":running", s("RUNNING"), ":now", s(Instant.now().toString())));
    String update = "SET #s = :final, #at = :now";
    if (error != null) {
      values.put(":e", s(error.length() > 2000 ? error.substring(0, 2000) + "…" : error));
      update += ", #e = :e";
    }
    String expression = update;
    try {
      dynamo.updateItem(b -> b.tableName(table).key(key(id)).updateExpression(expression)
          .conditionExpression("#s IN (:queued, :running)")
          .expressionAttributeNames(error != null ? Map.of("#s", "state", "#e", "error", "#at", "finished_at")
              : Map.of("#s", "state", "#at", "finished_at"))
          .expressionAttributeValues(values));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  private static BatchJob job(Map<String, AttributeValue> i) {
    return new BatchJob(
        str(i, "id"), str(i, "model"), str(i, "reference"), (int) num(i, "version"),
        JobState.valueOf(str(i, "state")), Priority.valueOf(str(i, "priority")),
        S3Uri.parse(str(i, "input"), "input"), S3Uri.parse(str(i, "output"), "output"),
        InputFormat.valueOf(str(i, "format")),
        i.containsKey("total") ? num(i, "total") : null,
        num(i, "succeeded"), num(i, "failed"), num(i, "scoring_ms"),
        Instant.parse(str(i, "created_at")),
        i.containsKey("started_at") ? Instant.parse(str(i, "started_at")) : null,
        i.containsKey("finished_at") ? Instant.parse(str(i, "finished_at")) : null,
        i.containsKey("error") ? str(i, "error") : null,
        str(i, "source"),
        i.containsKey("chunk_rows") ? new BatchJob.Plan((int) num(i, "chunks"), (int) num(i, "chunk_rows"),
            (int) num(i, "concurrency"), str(i, "plan_basis"), Double.parseDouble(i.get("plan_rate").n())) : null,
        i.containsKey("features_as_of") ? str(i, "features_as_of") : null,
        i.containsKey("engine") ? Engine.parse(str(i, "engine")) : Engine.LAMBDA,
        i.containsKey("table") ? str(i, "table") : null,
        i.containsKey("unit_column") ? str(i, "unit_column") : null,
        i.containsKey("table_mode") ? TableMode.parse(str(i, "table_mode")) : null,
        attributeColumns(i.get("attribute_columns")),
        i.containsKey("table_format") ? TableFormat.parse(str(i, "table_format")) : null);
  }

  private static Map<String, String> attributeColumns(AttributeValue v) {
    if (v == null || !v.hasM()) {
      return null;
    }
    Map<String, String> out = new java.util.LinkedHashMap<>();
    v.m().forEach((attribute, column) -> out.put(attribute, column.s()));
    return out;
  }

  private static Map<String, AttributeValue> key(String id) {
    return Map.of(PK, s("job#" + id), SK, s("job"));
  }

  private static Map<String, AttributeValue> chunkKey(String id, int chunk) {
    return Map.of(PK, s("job#" + id), SK, s("chunk#%06d".formatted(chunk)));
  }

  private static AttributeValue s(String v) {
    return AttributeValue.fromS(v);
  }

  private static AttributeValue n(long v) {
    return AttributeValue.fromN(Long.toString(v));
  }

  private static String str(Map<String, AttributeValue> i, String k) {
    return i.get(k).s();
  }

  private static long num(Map<String, AttributeValue> i, String k) {
    AttributeValue v = i.get(k);
    return v == null ? 0 : Long.parseLong(v.n());
  }
}
