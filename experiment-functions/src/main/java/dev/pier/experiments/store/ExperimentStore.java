package dev.pier.experiments.store;

import static dev.pier.experiments.store.ExperimentsTable.GSI1;
import static dev.pier.experiments.store.ExperimentsTable.GSI1_PK;
import static dev.pier.experiments.store.ExperimentsTable.GSI1_SK;
import static dev.pier.experiments.store.ExperimentsTable.PK;
import static dev.pier.experiments.store.ExperimentsTable.SK;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.experiments.Experiment;
import dev.pier.experiments.ExperimentDefinition;
import dev.pier.experiments.ExperimentState;
import dev.pier.kernel.PierException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * Experiments in DynamoDB (layout in {@link ExperimentsTable}). Every state change is conditional on the revision it
 * was read at, and starting takes the (model, alias, layer) lock in the same transaction, so two experiments can never
 * both run on one alias in one layer, whatever the interleaving.
 */
public final class ExperimentStore {

  private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
  private static final String ALL = "EXPERIMENTS";

  /** How long a batch id is remembered by default ({@link #appendOnce}'s marker): far beyond any retry of a batch. */
  public static final java.time.Duration DEFAULT_MARKER_RETENTION = java.time.Duration.ofDays(7);

  private final DynamoDbClient dynamo;
  private final String table;
  private final java.time.Duration markerRetention;

  public ExperimentStore(DynamoDbClient dynamo, String table) {
    this(dynamo, table, DEFAULT_MARKER_RETENTION);
  }

  /**
   * @param markerRetention how long {@link #appendOnce} remembers a batch id: its marker item carries
   *     {@link ExperimentsTable#TTL} (epoch seconds) that much after the write, and DynamoDB's TTL deletes it then; a
   *     retry of the same batch later than that would be stored again
   */
  public ExperimentStore(DynamoDbClient dynamo, String table, java.time.Duration markerRetention) {
    if (markerRetention.isNegative() || markerRetention.isZero()) {
      throw new IllegalArgumentException("the batch-id marker retention must be positive, got " + markerRetention);
    }
    this.dynamo = dynamo;
    this.table = table;
    this.markerRetention = markerRetention;
  }

  /** Stores a new experiment; its id must be fresh. */
  public void create(Experiment e) {
    Map<String, AttributeValue> item = item(e);
    try {
      dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
    } catch (ConditionalCheckFailedException x) {
      throw PierException.conflict("experiment " + e.id() + " already exists");
    }
  }

  public Optional<Experiment> get(String id) {
    var item = dynamo.getItem(b -> b.tableName(table).key(key("EXP#" + id, "DEF")).consistentRead(true)).item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(experiment(item));
  }

  /**
   * One page of the experiments {@code keep} accepts, newest first: at most {@code limit} after the one whose listing
   * key is {@code afterKey} (from the newest when null), read from the listing (gsi1) in order and only as far as the
   * page needs, so a page does not cost the whole history; {@code more} says whether another accepted one follows.
   */
  public ExperimentRows page(java.util.function.Predicate<Experiment> keep, String afterKey, int limit) {
    Map<String, AttributeValue> start = afterKey == null ? null : Map.of(GSI1_PK, s(ALL), GSI1_SK, s(afterKey),
        PK, s("EXP#" + afterKey.substring(afterKey.lastIndexOf('#') + 1)), SK, s("DEF"));
    List<Experiment> rows = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse page = dynamo.query(b -> b.tableName(table).indexName(GSI1).limit(Math.max(50, limit + 1))
          .keyConditionExpression("gsi1pk = :all").expressionAttributeValues(Map.of(":all", s(ALL)))
          .scanIndexForward(false).exclusiveStartKey(from));
      for (var item : page.items()) {
        Experiment e = experiment(item);
        if (keep.test(e)) {
          if (rows.size() == limit) {
            return new ExperimentRows(rows, keys, true);
          }
          rows.add(e);
          keys.add(item.get(GSI1_SK).s());
        }
      }
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return new ExperimentRows(rows, keys, false);
  }

  /** A page of experiments, their listing keys, and whether more follow. */
  public record ExperimentRows(List<Experiment> rows, List<String> keys, boolean more) {}

  /** Whether {@code key} has the shape of a listing key ({@code <created>#<id>}). */
  public static boolean isListingKey(String key) {
    int hash = key.lastIndexOf('#');
    return hash > 0 && hash < key.length() - 1;
  }

  /** Every experiment, newest first. */
  public List<Experiment> list() {
    List<Experiment> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse page = dynamo.query(b -> b.tableName(table).indexName(GSI1)
          .keyConditionExpression("gsi1pk = :all").expressionAttributeValues(Map.of(":all", s(ALL)))
          .scanIndexForward(false).exclusiveStartKey(from));
      for (var item : page.items()) out.add(experiment(item));
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return out;
  }

  /**
   * Moves {@code current} (as read) to {@code next}: starting takes the alias lock, stopping releases it. A concurrent
   * change of the experiment, or another experiment holding the lock, is a 409 naming it.
   */
  public Experiment transition(Experiment current, Experiment next) {
    List<TransactWriteItem> writes = new ArrayList<>();
    var def = current.definition();
    Map<String, AttributeValue> lockKey = key(lockPk(def), "LOCK");
    boolean takesLock = next.state() == ExperimentState.RUNNING && current.state() != ExperimentState.RUNNING;
    boolean releasesLock = next.state() == ExperimentState.STOPPED && current.state() != ExperimentState.DRAFT;
    if (takesLock) {
      Map<String, AttributeValue> lock = new HashMap<>(lockKey);
      lock.put("experiment", s(current.id()));
      writes.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(lock)
          .conditionExpression("attribute_not_exists(pk) OR experiment = :id")
          .expressionAttributeValues(Map.of(":id", s(current.id())))).build());
    }
    writes.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(item(next))
        .conditionExpression("revision = :rev")
        .expressionAttributeValues(Map.of(":rev", n(current.revision())))).build());
    if (releasesLock) {
      writes.add(TransactWriteItem.builder().delete(d -> d.tableName(table).key(lockKey)
          .conditionExpression("attribute_not_exists(pk) OR experiment = :id")
          .expressionAttributeValues(Map.of(":id", s(current.id())))).build());
    }
    try {
      dynamo.transactWriteItems(b -> b.transactItems(writes));
      return next;
    } catch (TransactionCanceledException x) {
      List<CancellationReason> reasons = x.cancellationReasons();
      if (takesLock && !reasons.isEmpty() && "ConditionalCheckFailed".equals(reasons.get(0).code())) {
        var holder = dynamo.getItem(b -> b.tableName(table).key(lockKey).consistentRead(true)).item();
        String other = holder == null || holder.isEmpty() ? "another experiment" : holder.get("experiment").s();
        throw PierException.conflict("experiment " + other + " is already running on " + (def.onFlag()
            ? "flag '" + def.flag() + "'" : "model '" + def.model() + "' alias '" + def.alias() + "'") + " in layer '"
            + def.layer() + "'; stop it or choose another layer");
      }
      throw PierException.conflict("experiment " + current.id() + " changed concurrently (revision "
          + current.revision() + " is stale); read it again and retry");
    }
  }

  /** Appends one accepted batch of exposures ({@code X}) or events ({@code E}); returns its sort key. */
  public String append(String id, char kind, String itemsJson, Instant at) {
    String sk = String.format("%013d#%s", at.toEpochMilli(), UUID.randomUUID());
    dynamo.putItem(b -> b.tableName(table).item(Map.of(PK, s("EXP#" + id + "#LOG"), SK, s(sk),
        "kind", s(String.valueOf(kind)), "items", s(itemsJson))));
    return sk;
  }

  /**
   * Appends one batch under a caller's {@code batchId}, once: a marker item ({@code EXP#<id>#BATCH}, {@code batchId})
   * is put in the same transaction, on condition that it does not exist, so a retry of a batch that was stored already
   * (its first write answered with an error after it committed) stores nothing. The batch's sort key is the time of
   * the write that stores it, like {@link #append}'s, so a refresh's cursor never skips a late retry. Returns whether
   * this call stored it. The marker expires (TTL) after the store's marker retention; the batch itself never does.
   */
  public boolean appendOnce(String id, char kind, String batchId, String itemsJson, Instant at) {
    if (batchId == null || batchId.isEmpty()) throw new IllegalArgumentException("batchId must not be empty");
    String sk = String.format("%013d#%s", at.toEpochMilli(), batchId);
    List<TransactWriteItem> writes = List.of(
        TransactWriteItem.builder().put(p -> p.tableName(table)
            .item(Map.of(PK, s("EXP#" + id + "#BATCH"), SK, s(batchId), "stored", s(sk),
                ExperimentsTable.TTL, n(at.plus(markerRetention).getEpochSecond())))
            .conditionExpression("attribute_not_exists(pk)")).build(),
        TransactWriteItem.builder().put(p -> p.tableName(table).item(Map.of(PK, s("EXP#" + id + "#LOG"), SK, s(sk),
            "kind", s(String.valueOf(kind)), "items", s(itemsJson)))).build());
    try {
      dynamo.transactWriteItems(b -> b.transactItems(writes));
      return true;
    } catch (TransactionCanceledException x) {
      List<CancellationReason> reasons = x.cancellationReasons();
      if (!reasons.isEmpty() && "ConditionalCheckFailed".equals(reasons.get(0).code())) return false;
      throw x;
    }
  }

  /** The batches stored with a sort key after {@code afterSortKey} (all when null), oldest first. */
  public List<LogBatch> batchesAfter(String id, String afterSortKey) {
    List<LogBatch> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse page = dynamo.query(b -> {
        b.tableName(table).consistentRead(true).exclusiveStartKey(from);
        if (afterSortKey == null) {
          b.keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", s("EXP#" + id + "#LOG")));
        } else {
          b.keyConditionExpression("pk = :pk AND sk > :after")
              .expressionAttributeValues(Map.of(":pk", s("EXP#" + id + "#LOG"), ":after", s(afterSortKey)));
        }
      });
      for (var item : page.items()) {
        out.add(new LogBatch(item.get(SK).s(), item.get("kind").s().charAt(0), item.get("items").s()));
      }
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return out;
  }

  /** Every holdout: the global one first (sort key {@code GLOBAL}), then per model. */
  public List<dev.pier.experiments.Holdout> holdouts() {
    List<dev.pier.experiments.Holdout> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse page = dynamo.query(b -> b.tableName(table).consistentRead(true).exclusiveStartKey(from)
          .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", s(HOLDOUTS))));
      for (var item : page.items()) {
        out.add(new dev.pier.experiments.Holdout(item.containsKey("model") ? item.get("model").s() : null,
            Double.parseDouble(item.get("share").n()), item.get("seed").s(),
            Long.parseLong(item.get("revision").n()), item.get("updatedAt").s()));
      }
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return out;
  }

  /**
   * Writes a holdout on condition that the stored one is at {@code expectedRevision} (0: that none exists); a
   * concurrent change is a 409.
   */
  public void putHoldout(dev.pier.experiments.Holdout h, long expectedRevision) {
    Map<String, AttributeValue> item = new HashMap<>(key(HOLDOUTS, holdoutKey(h.model())));
    if (h.model() != null) item.put("model", s(h.model()));
    item.put("share", n(h.share()));
    item.put("seed", s(h.seed()));
    item.put("revision", n(h.revision()));
    item.put("updatedAt", s(h.updatedAt()));
    try {
      dynamo.putItem(b -> {
        b.tableName(table).item(item);
        if (expectedRevision == 0) {
          b.conditionExpression("attribute_not_exists(pk)");
        } else {
          b.conditionExpression("revision = :rev").expressionAttributeValues(Map.of(":rev", n(expectedRevision)));
        }
      });
    } catch (ConditionalCheckFailedException x) {
      throw PierException.conflict("holdout " + h.scope() + " changed concurrently; read it again and retry");
    }
  }

  /** Deletes a holdout; returns whether one existed. */
  public boolean deleteHoldout(String model) {
    var old = dynamo.deleteItem(b -> b.tableName(table).key(key(HOLDOUTS, holdoutKey(model)))
        .returnValues(software.amazon.awssdk.services.dynamodb.model.ReturnValue.ALL_OLD)).attributes();
    return old != null && !old.isEmpty();
  }

  private static final String HOLDOUTS = "HOLDOUTS";

  private static String holdoutKey(String model) {
    return model == null ? "GLOBAL" : "MODEL#" + model;
  }

  /** Sort keys of decisions: fixed-width UTC milliseconds, so they sort by time. */
  private static final java.time.format.DateTimeFormatter DECISION_TIME =
      java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);

  private static String decisionKey(Instant analysisAt) {
    return "DECISION#" + DECISION_TIME.format(analysisAt);
  }

  /**
   * Records the decision of the analysis at {@code analysisAt} with the results it was made on (both JSON), on
   * condition that none is recorded for that analysis; returns whether this call recorded it.
   */
  public boolean recordDecision(String id, Instant analysisAt, String decisionJson, String evidenceJson) {
    try {
      dynamo.putItem(b -> b.tableName(table).item(Map.of(PK, s("EXP#" + id), SK, s(decisionKey(analysisAt)),
          "decision", s(decisionJson), "evidence", s(evidenceJson))).conditionExpression("attribute_not_exists(pk)"));
      return true;
    } catch (ConditionalCheckFailedException x) {
      return false;
    }
  }

  /** The decision recorded for the analysis at {@code analysisAt}, as JSON, or null. */
  public String decision(String id, Instant analysisAt) {
    var item = dynamo.getItem(b -> b.tableName(table).key(key("EXP#" + id, decisionKey(analysisAt)))
        .consistentRead(true)).item();
    return item == null || item.isEmpty() ? null : item.get("decision").s();
  }

  /** The experiment's recorded decisions, oldest first, as {@code [decision JSON, evidence JSON]}. */
  public List<String[]> decisions(String id) {
    List<String[]> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse page = dynamo.query(b -> b.tableName(table).consistentRead(true).exclusiveStartKey(from)
          .keyConditionExpression("pk = :pk AND begins_with(sk, :d)")
          .expressionAttributeValues(Map.of(":pk", s("EXP#" + id), ":d", s("DECISION#"))));
      for (var item : page.items()) out.add(new String[] {item.get("decision").s(), item.get("evidence").s()});
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return out;
  }

  /**
   * One page of the experiment's recorded decisions, oldest first, as {@code [sort key, decision JSON]}: at most
   * {@code limit} after the decision whose sort key is {@code afterSortKey} (from the start when null), read by one
   * query that continues from that key (so a page costs its own items, not the history before it); {@code more} says
   * whether any follow.
   */
  public DecisionRows decisions(String id, String afterSortKey, int limit) {
    Map<String, AttributeValue> from = afterSortKey == null ? null : key("EXP#" + id, afterSortKey);
    QueryResponse page = dynamo.query(b -> b.tableName(table).consistentRead(true).exclusiveStartKey(from)
        .limit(limit + 1).keyConditionExpression("pk = :pk AND begins_with(sk, :d)")
        .expressionAttributeValues(Map.of(":pk", s("EXP#" + id), ":d", s("DECISION#"))));
    List<String[]> rows = new ArrayList<>();
    for (var item : page.items()) {
      if (rows.size() == limit) {
        return new DecisionRows(rows, true);
      }
      rows.add(new String[] {item.get(SK).s(), item.get("decision").s()});
    }
    return new DecisionRows(rows, false);
  }

  /** A page of decisions: {@code [sort key, decision JSON]} rows and whether more follow. */
  public record DecisionRows(List<String[]> rows, boolean more) {}

  /** Whether {@code sortKey} is one a decision is stored under. */
  public static boolean isDecisionKey(String sortKey) {
    return sortKey.startsWith("DECISION#");
  }

  private static String lockPk(ExperimentDefinition d) {
    if (d.onFlag()) return "LOCK#FLAG#" + d.flag() + "#" + d.layer();
    return "LOCK#" + d.model() + "#" + d.alias() + "#" + d.layer();
  }

  private Map<String, AttributeValue> item(Experiment e) {
    Map<String, AttributeValue> item = new HashMap<>(key("EXP#" + e.id(), "DEF"));
    item.put(GSI1_PK, s(ALL));
    item.put(GSI1_SK, s(e.createdAt() + "#" + e.id()));
    item.put("id", s(e.id()));
    item.put("seed", s(e.seed()));
    item.put("state", s(e.state().name()));
    item.put("revision", n(e.revision()));
    item.put("createdAt", s(e.createdAt().toString()));
    if (e.startedAt() != null) item.put("startedAt", s(e.startedAt().toString()));
    if (e.stoppedAt() != null) item.put("stoppedAt", s(e.stoppedAt().toString()));
    if (e.stoppedBy() != null) item.put("stoppedBy", s(e.stoppedBy()));
    item.put("sampleSizePerArm", n(e.sampleSizePerArm()));
    if (e.expectedDurationDays() != null) item.put("expectedDurationDays", n(e.expectedDurationDays()));
    if (e.durationBasis() != null) item.put("durationBasis", s(e.durationBasis()));
    if (e.dailyTraffic() != null) item.put("dailyTraffic", n(e.dailyTraffic()));
    try {
      item.put("definition", s(JSON.writeValueAsString(e.definition())));
    } catch (JsonProcessingException x) {
      throw new IllegalStateException("could not serialize experiment " + e.id(), x);
    }
    return item;
  }

  private static Experiment experiment(Map<String, AttributeValue> item) {
    ExperimentDefinition definition;
    try {
      definition = JSON.readValue(item.get("definition").s(), ExperimentDefinition.class);
    } catch (JsonProcessingException x) {
      throw new IllegalStateException("unreadable experiment " + item.get("id").s(), x);
    }
    return new Experiment(item.get("id").s(), item.get("seed").s(), definition,
        ExperimentState.valueOf(item.get("state").s()), Long.parseLong(item.get("revision").n()),
        Instant.parse(item.get("createdAt").s()), instant(item.get("startedAt")), instant(item.get("stoppedAt")),
        Long.parseLong(item.get("sampleSizePerArm").n()),
        item.containsKey("expectedDurationDays") ? Double.valueOf(item.get("expectedDurationDays").n()) : null,
        item.containsKey("stoppedBy") ? item.get("stoppedBy").s() : null,
        item.containsKey("durationBasis") ? item.get("durationBasis").s()
            : item.containsKey("expectedDurationDays") ? Experiment.BASIS_DESIGN : null, // stored before the basis
        item.containsKey("dailyTraffic") ? Double.valueOf(item.get("dailyTraffic").n())
            : definition.design().dailyUnits() == null ? null : definition.design().dailyUnits().doubleValue());
  }

  private static Instant instant(AttributeValue v) {
    return v == null ? null : Instant.parse(v.s());
  }

  private static Map<String, AttributeValue> key(String pk, String sk) {
    return Map.of(PK, s(pk), SK, s(sk));
  }

  private static AttributeValue s(String v) {
    return AttributeValue.fromS(v);
  }

  private static AttributeValue n(Number v) {
    return AttributeValue.fromN(v.toString());
  }
}
