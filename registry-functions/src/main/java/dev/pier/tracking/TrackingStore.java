package dev.pier.tracking;

import static dev.pier.registry.RegistryTable.GSI1;
import static dev.pier.registry.RegistryTable.GSI1_PK;
import static dev.pier.registry.RegistryTable.GSI1_SK;
import static dev.pier.registry.RegistryTable.PK;
import static dev.pier.registry.RegistryTable.SK;

import dev.pier.kernel.PierException;
import dev.pier.registry.Page;
import dev.pier.registry.SearchFilter;
import dev.pier.registry.SearchFilter.Clause;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * Experiment tracking as MLflow has it — experiments, runs, params, tags and metrics with their history — in the
 * registry's table:
 *
 * <pre>
 *   pk = EXPERIMENT#&lt;id&gt;      sk = EXPERIMENT             an experiment; gsi1 (EXPERIMENT, id) lists them
 *   pk = EXPERIMENTNAME#&lt;n&gt;   sk = NAME                   its name, unique (written in one transaction with it)
 *   pk = COUNTER              sk = EXPERIMENT             the last experiment id handed out
 *   pk = RUN#&lt;id&gt;             sk = RUN                    a run; gsi1 (RUNS#&lt;experiment&gt;, start time) lists them
 *   pk = RUN#&lt;id&gt;             sk = PARAM#&lt;k&gt; / TAG#&lt;k&gt;    a param (never changes) / a tag
 *   pk = RUN#&lt;id&gt;             sk = LATEST#&lt;k&gt;             a metric's latest value (highest step, then timestamp)
 *   pk = RUN#&lt;id&gt;             sk = HIST#&lt;k&gt;#&lt;step&gt;#&lt;ts&gt;#… every logged value, in step order
 *                                  (#0…0#step in place of #&lt;ts&gt;#…: the one value of a step, {@link #logBatchOnePerStep})
 * </pre>
 *
 * A run is read with one query (everything from {@code LATEST#} on, which leaves the history out). Thread-safe.
 */
public final class TrackingStore {
  public static final String DEFAULT_EXPERIMENT = "0";
  private final DynamoDbClient dynamo;
  private final String table;
  private final String artifactRoot;

  /** @param artifactRoot where runs' artifacts live, e.g. {@code s3://bucket/mlflow} */
  public TrackingStore(DynamoDbClient dynamo, String table, String artifactRoot) {
    this.dynamo = dynamo;
    this.table = table;
    this.artifactRoot = artifactRoot;
  }

  /** Where runs' artifacts live, e.g. {@code s3://bucket/mlflow}: a run's are under {@code <root>/<experiment>/<run>/artifacts}. */
  public String artifactRoot() {
    return artifactRoot;
  }

  // --- experiments ---

  public String createExperiment(String name, String artifactLocation, Map<String, String> tags) {
    if (name == null || name.isBlank()) {
      throw PierException.badRequest("experiment name is required");
    }
    String id = (dynamo.updateItem(b -> b.tableName(table)
        .key(key("COUNTER", "EXPERIMENT")).updateExpression("ADD #n :one")
        .expressionAttributeNames(Map.of("#n", "last")).expressionAttributeValues(Map.of(":one", n(1)))
        .returnValues("UPDATED_NEW")).attributes().get("last").n());
    writeExperiment(id, name, artifactLocation, tags);
    return id;
  }

  private void writeExperiment(String id, String name, String artifactLocation, Map<String, String> tags) {
    long now = System.currentTimeMillis();
    Map<String, AttributeValue> item = new HashMap<>(key("EXPERIMENT#" + id, "EXPERIMENT"));
    item.put("id", s(id));
    item.put("name", s(name));
    item.put("artifactLocation", s(artifactLocation != null && !artifactLocation.isBlank() ? artifactLocation
        : artifactRoot + "/" + id));
    item.put("lifecycle", s("active"));
    item.put("createdAt", n(now));
    item.put("updatedAt", n(now));
    item.put("tags", map(tags == null ? Map.of() : tags));
    item.put(GSI1_PK, s("EXPERIMENT"));
    item.put(GSI1_SK, s(String.format("%019d", Long.parseLong(id))));
    Map<String, AttributeValue> nameItem = new HashMap<>(key("EXPERIMENTNAME#" + name, "NAME"));
    nameItem.put("id", s(id));
    try {
      dynamo.transactWriteItems(b -> b.transactItems(
          TransactWriteItem.builder().put(p -> p.tableName(table).item(nameItem)
              .conditionExpression("attribute_not_exists(pk)")).build(),
          TransactWriteItem.builder().put(p -> p.tableName(table).item(item)
              .conditionExpression("attribute_not_exists(pk)")).build()));
    } catch (TransactionCanceledException e) {
      throw PierException.conflict("experiment '" + name + "' already exists");
    }
  }

  /** The experiment {@code "0"} ("Default"), created on first use as MLflow's server has it. */
  private void ensureDefault() {
    if (get(key("EXPERIMENT#0", "EXPERIMENT")) == null) {
      try {
        writeExperiment(DEFAULT_EXPERIMENT, "Default", null, Map.of());
      } catch (PierException e) {
        // created concurrently: fine
      }
    }
  }

  public Experiment experiment(String id) {
    if (DEFAULT_EXPERIMENT.equals(id)) {
      ensureDefault();
    }
    Map<String, AttributeValue> item = id == null || id.isBlank() ? null : get(key("EXPERIMENT#" + id, "EXPERIMENT"));
    if (item == null) {
      throw PierException.notFound("no experiment with id '" + id + "'");
    }
    return toExperiment(item);
  }

  public Experiment experimentByName(String name) {
    if ("Default".equals(name)) {
      ensureDefault();
    }
    Map<String, AttributeValue> item = name == null || name.isEmpty() ? null : get(key("EXPERIMENTNAME#" + name, "NAME"));
    if (item == null) {
      throw PierException.notFound("no experiment named '" + name + "'");
    }
    return experiment(item.get("id").s());
  }

  public void setExperimentTag(String id, String k, String v) {
    experiment(id);
    dynamo.updateItem(b -> b.tableName(table).key(key("EXPERIMENT#" + id, "EXPERIMENT"))
        .updateExpression("SET tags.#k = :v, updatedAt = :now")
        .expressionAttributeNames(Map.of("#k", k))
        .expressionAttributeValues(Map.of(":v", s(v), ":now", n(System.currentTimeMillis()))));
  }

  /** Experiments matching a filter on {@code name} and {@code tags.<k>}, ordered by {@code orderBy}, paged. */
  public Page<Experiment> searchExperiments(String filter, List<String> orderBy, String viewType, String pageToken,
      int limit) {
    ensureDefault();
    SearchFilter f = SearchFilter.parse(filter);
    List<Experiment> all = new ArrayList<>();
    for (Map<String, AttributeValue> item : queryAll(GSI1, GSI1_PK, "EXPERIMENT")) {
      Experiment e = toExperiment(item);
      if (visible(e.lifecycleStage(), viewType) && f.clauses().stream().allMatch(c -> c.matches(switch (c.entity()) {
        case TAG -> e.tags().get(c.key());
        case ATTRIBUTE -> switch (c.key().toLowerCase(Locale.ROOT)) {
          case "name" -> e.name();
          case "creation_time" -> (double) e.creationTime();
          case "last_update_time" -> (double) e.lastUpdateTime();
          default -> throw PierException.badRequest("cannot search experiments by '" + c.key() + "'");
        };
        default -> throw PierException.badRequest("experiments are searched by name and tags only");
      }))) {
        all.add(e);
      }
    }
    Comparator<Experiment> order = Comparator.comparingLong(Experiment::creationTime).reversed();
    if (orderBy != null && !orderBy.isEmpty()) {
      order = null;
      for (String o : orderBy) {
        String[] parts = o.trim().split("\\s+");
        boolean desc = parts.length > 1 && parts[1].equalsIgnoreCase("DESC");
        Comparator<Experiment> one = switch (parts[0].toLowerCase(Locale.ROOT).replace("attributes.", "")) {
          case "name" -> Comparator.comparing(Experiment::name);
          case "experiment_id" -> Comparator.comparingLong(e -> Long.parseLong(e.id()));
          case "creation_time" -> Comparator.comparingLong(Experiment::creationTime);
          case "last_update_time" -> Comparator.comparingLong(Experiment::lastUpdateTime);
          default -> throw PierException.badRequest("cannot order experiments by '" + parts[0] + "'");
        };
        one = desc ? one.reversed() : one;
        order = order == null ? one : order.thenComparing(one);
      }
    }
    all.sort(order);
    return page(all, pageToken, limit);
  }

  // --- runs ---

  public Run createRun(String experimentId, String name, String userId, long startTime, Map<String, String> tags) {
    return createRun(experimentId, name, userId, startTime, tags, Map.of());
  }

  /**
   * A run with its tags and params, written at once: one {@code TransactWriteItems} holds the run, its tags and its
   * params (as a create-run followed by a log-batch of the params would leave them, without reading the run back);
   * more than fit one transaction go in further ones. Params as {@link #logBatch} limits them (100).
   */
  public Run createRun(String experimentId, String name, String userId, long startTime, Map<String, String> tags,
      Map<String, String> params) {
    String exp = experimentId == null || experimentId.isBlank() ? DEFAULT_EXPERIMENT : experimentId;
    Experiment e = experiment(exp);
    if (!e.lifecycleStage().equals("active")) {
      throw PierException.badRequest("experiment '" + exp + "' is deleted");
    }
    return createRun(e, false, null, name, userId, startTime, tags, params);
  }

  /**
   * {@link #createRun(String, String, String, long, Map, Map)} in an experiment read earlier (its artifact location
   * never changes): that it is still active is checked in the run's own transaction instead of by reading it again.
   */
  public Run createRun(Experiment experiment, String name, String userId, long startTime, Map<String, String> tags,
      Map<String, String> params) {
    return createRun(experiment, null, name, userId, startTime, tags, params);
  }

  /**
   * {@link #createRun(Experiment, String, String, long, Map, Map)} with the run's id chosen by the caller (32 hex
   * digits, as MLflow's), unless a run of that id exists: then that run is returned as stored. A writer that may run
   * again after a crash (a training job's retried trial) so creates its run once, in one write, without reading first.
   */
  public Run createRunOnce(Experiment experiment, String runId, String name, String userId, long startTime,
      Map<String, String> tags, Map<String, String> params) {
    if (runId == null || !runId.matches("[0-9a-f]{32}")) {
      throw PierException.badRequest("a run id is 32 lowercase hex digits");
    }
    return createRun(experiment, runId, name, userId, startTime, tags, params);
  }

  private Run createRun(Experiment experiment, String runId, String name, String userId, long startTime,
      Map<String, String> tags, Map<String, String> params) {
    try {
      return createRun(experiment, true, runId, name, userId, startTime, tags, params);
    } catch (TransactionCanceledException ex) {
      if (runId != null && get(key("RUN#" + runId, "RUN")) != null) {
        return run(runId); // created by an earlier attempt
      }
      Experiment now = experiment(experiment.id()); // the 404, or the 400 of a deleted experiment
      if (!now.lifecycleStage().equals("active")) {
        throw PierException.badRequest("experiment '" + now.id() + "' is deleted");
      }
      throw ex;
    }
  }

  private Run createRun(Experiment e, boolean checkExperiment, String id, String name, String userId, long startTime,
      Map<String, String> tags, Map<String, String> params) {
    Map<String, String> runParams = params == null ? Map.of() : params;
    if (runParams.size() > 100) {
      throw PierException.badRequest("a run is created with at most 100 params");
    }
    runParams.keySet().forEach(k -> checkKey(k, "param"));
    String exp = e.id();
    String runId = id != null ? id : UUID.randomUUID().toString().replace("-", "");
    long start = startTime > 0 ? startTime : System.currentTimeMillis();
    Map<String, String> allTags = new TreeMap<>(tags == null ? Map.of() : tags);
    String runName = name != null && !name.isBlank() ? name
        : allTags.getOrDefault("mlflow.runName", "run-" + runId.substring(0, 8));
    allTags.put("mlflow.runName", runName);
    if (userId != null) {
      allTags.putIfAbsent("mlflow.user", userId);
    }
    String artifactUri = e.artifactLocation() + "/" + runId + "/artifacts";
    Map<String, AttributeValue> item = new HashMap<>(key("RUN#" + runId, "RUN"));
    item.put("runId", s(runId));
    item.put("experimentId", s(exp));
    item.put("name", s(runName));
    item.put("userId", s(userId == null ? "" : userId));
    item.put("status", s("RUNNING"));
    item.put("startTime", n(start));
    item.put("endTime", n(0));
    item.put("artifactUri", s(artifactUri));
    item.put("lifecycle", s("active"));
    item.put(GSI1_PK, s("RUNS#" + exp));
    item.put(GSI1_SK, s(String.format("%019d#%s", start, runId)));
    List<TransactWriteItem> writes = new ArrayList<>();
    if (checkExperiment) {
      writes.add(TransactWriteItem.builder().conditionCheck(c -> c.tableName(table)
          .key(key("EXPERIMENT#" + exp, "EXPERIMENT")).conditionExpression("lifecycle = :active")
          .expressionAttributeValues(Map.of(":active", s("active")))).build());
    }
    writes.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(item)
        .conditionExpression("attribute_not_exists(pk)")).build());
    allTags.forEach((k, v) -> writes.add(TransactWriteItem.builder()
        .put(p -> p.tableName(table).item(valueItem(runId, "TAG#" + k, v))).build()));
    Map<String, String> stored = new TreeMap<>();
    runParams.forEach((k, v) -> {
      stored.put(k, v == null ? "" : v);
      writes.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(valueItem(runId, "PARAM#" + k, v)))
          .build());
    });
    for (int from = 0; from < writes.size(); from += TRANSACTION) { // the run first: the rest only once it exists
      List<TransactWriteItem> part = writes.subList(from, Math.min(writes.size(), from + TRANSACTION));
      dynamo.transactWriteItems(b -> b.transactItems(part));
    }
    return new Run(runId, exp, runName, userId == null ? "" : userId, "RUNNING", start, 0, artifactUri, "active",
        List.of(), stored, allTags);
  }

  /** DynamoDB's limit of actions in one TransactWriteItems. */
  private static final int TRANSACTION = 100;

  private static Map<String, AttributeValue> valueItem(String runId, String sk, String v) {
    Map<String, AttributeValue> item = new HashMap<>(key("RUN#" + runId, sk));
    item.put("value", s(v == null ? "" : v));
    return item;
  }

  public Run run(String runId) {
    if (runId == null || runId.isBlank()) {
      throw PierException.badRequest("run_id is required");
    }
    List<Map<String, AttributeValue>> items = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse r = dynamo.query(b -> b.tableName(table).consistentRead(true)
          .keyConditionExpression("pk = :pk AND sk >= :from")
          .expressionAttributeValues(Map.of(":pk", s("RUN#" + runId), ":from", s("LATEST#")))
          .exclusiveStartKey(from));
      items.addAll(r.items());
      start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
    } while (start != null);
    Map<String, AttributeValue> info = null;
    List<Metric> metrics = new ArrayList<>();
    Map<String, String> params = new TreeMap<>();
    Map<String, String> tags = new TreeMap<>();
    for (Map<String, AttributeValue> i : items) {
      String sk = i.get(SK).s();
      if (sk.equals("RUN")) {
        info = i;
      } else if (sk.startsWith("LATEST#")) {
        metrics.add(toMetric(sk.substring(7), i));
      } else if (sk.startsWith("PARAM#")) {
        params.put(sk.substring(6), i.get("value").s());
      } else if (sk.startsWith("TAG#")) {
        tags.put(sk.substring(4), i.get("value").s());
      }
    }
    if (info == null) {
      throw PierException.notFound("run '" + runId + "' not found");
    }
    return new Run(runId, info.get("experimentId").s(), info.get("name").s(), info.get("userId").s(),
        info.get("status").s(), Long.parseLong(info.get("startTime").n()), Long.parseLong(info.get("endTime").n()),
        info.get("artifactUri").s(), info.get("lifecycle").s(), metrics, params, tags);
  }

  /** Changes a run's status, end time (0 keeps it) or name. */
  public Run updateRun(String runId, String status, long endTime, String name) {
    run(runId);
    Map<String, AttributeValue> values = new HashMap<>();
    List<String> sets = new ArrayList<>();
    if (status != null && !status.isBlank()) {
      if (!List.of("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED").contains(status)) {
        throw PierException.badRequest("invalid run status '" + status
            + "': use RUNNING, SCHEDULED, FINISHED, FAILED or KILLED");
      }
      sets.add("#status = :status");
      values.put(":status", s(status));
    }
    if (endTime > 0) {
      sets.add("endTime = :end");
      values.put(":end", n(endTime));
    }
    if (name != null && !name.isBlank()) {
      sets.add("#name = :name");
      values.put(":name", s(name));
      putTag(runId, "mlflow.runName", name);
    }
    if (!sets.isEmpty()) {
      dynamo.updateItem(b -> b.tableName(table).key(key("RUN#" + runId, "RUN"))
          .updateExpression("SET " + String.join(", ", sets))
          .expressionAttributeNames(names(sets))
          .expressionAttributeValues(values));
    }
    return run(runId);
  }

  private static Map<String, String> names(List<String> sets) {
    Map<String, String> names = new HashMap<>();
    for (String set : sets) {
      if (set.startsWith("#status")) {
        names.put("#status", "status");
      }
      if (set.startsWith("#name")) {
        names.put("#name", "name");
      }
    }
    return names.isEmpty() ? null : names;
  }

  /** Marks a run deleted; it leaves searches unless they ask for deleted runs. */
  public void deleteRun(String runId) {
    setLifecycle(runId, "deleted");
  }

  public void restoreRun(String runId) {
    setLifecycle(runId, "active");
  }

  private void setLifecycle(String runId, String lifecycle) {
    run(runId);
    dynamo.updateItem(b -> b.tableName(table).key(key("RUN#" + runId, "RUN"))
        .updateExpression("SET lifecycle = :l").expressionAttributeValues(Map.of(":l", s(lifecycle))));
  }

  public void logMetric(String runId, Metric m) {
    checkKey(m.key(), "metric");
    activeRun(runId);
    writeMetric(runId, m);
  }

  private void writeMetric(String runId, Metric m) {
    Map<String, AttributeValue> hist = historyItem(runId, m, false);
    dynamo.putItem(b -> b.tableName(table).item(hist));
    putLatest(runId, m);
  }

  /** Race-free "latest": replaces only a value with a lower step, or the same step and an earlier timestamp. */
  private static final String LATEST_CONDITION =
      "attribute_not_exists(pk) OR step < :step OR (step = :step AND #ts <= :ts)";

  private void putLatest(String runId, Metric m) {
    try {
      dynamo.putItem(b -> b.tableName(table).item(latestItem(runId, m)).conditionExpression(LATEST_CONDITION)
          .expressionAttributeNames(Map.of("#ts", "timestamp"))
          .expressionAttributeValues(Map.of(":step", n(m.step()), ":ts", n(m.timestamp()))));
    } catch (ConditionalCheckFailedException e) {
      // an earlier-logged value with a higher step stays the latest
    }
  }

  /**
   * A value of a metric's history. Keyed by step, then timestamp and a random suffix (MLflow keeps every value logged,
   * even two at one step); {@code onePerStep}: by step alone, so that the same value logged again replaces it.
   */
  private static Map<String, AttributeValue> historyItem(String runId, Metric m, boolean onePerStep) {
    String sk = "HIST#" + m.key() + "#" + sortable(m.step()) + (onePerStep ? ONE_PER_STEP
        : String.format("#%019d#%s", Math.max(0, m.timestamp()), UUID.randomUUID().toString().substring(0, 8)));
    Map<String, AttributeValue> hist = new HashMap<>(key("RUN#" + runId, sk));
    hist.put("value", AttributeValue.fromN(number(m.value())));
    hist.put("step", n(m.step()));
    hist.put("timestamp", n(m.timestamp()));
    return hist;
  }

  /** The history key's end for a value stored once per step: sorts before the step's timestamped values. */
  private static final String ONE_PER_STEP = "#0000000000000000000#step";

  private static Map<String, AttributeValue> latestItem(String runId, Metric m) {
    Map<String, AttributeValue> latest = new HashMap<>(key("RUN#" + runId, "LATEST#" + m.key()));
    latest.put("value", AttributeValue.fromN(number(m.value())));
    latest.put("step", n(m.step()));
    latest.put("timestamp", n(m.timestamp()));
    return latest;
  }

  /** NaN and infinities as DynamoDB cannot hold them are stored as the largest finite doubles (MLflow does the same). */
  private static String number(double v) {
    if (Double.isNaN(v)) {
      return "0";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "1.7976931348623157E308" : "-1.7976931348623157E308";
    }
    return Double.toString(v);
  }

  /** Logs a param; params never change, so a different value for a logged key is a 400. */
  public void logParam(String runId, String k, String v) {
    checkKey(k, "param");
    activeRun(runId);
    putParam(runId, k, v);
  }

  private void putParam(String runId, String k, String v) {
    Map<String, AttributeValue> item = new HashMap<>(key("RUN#" + runId, "PARAM#" + k));
    item.put("value", s(v == null ? "" : v));
    try {
      dynamo.putItem(b -> b.tableName(table).item(item)
          .conditionExpression("attribute_not_exists(pk) OR #v = :v")
          .expressionAttributeNames(Map.of("#v", "value"))
          .expressionAttributeValues(Map.of(":v", s(v == null ? "" : v))));
    } catch (ConditionalCheckFailedException e) {
      throw PierException.badRequest("changing param values is not allowed: param '" + k + "' of run '" + runId
          + "' was already logged with a different value");
    }
  }

  public void setTag(String runId, String k, String v) {
    checkKey(k, "tag");
    activeRun(runId);
    writeTag(runId, k, v);
  }

  /** A tag; {@code mlflow.runName} renames the run as well. */
  private void writeTag(String runId, String k, String v) {
    putTag(runId, k, v);
    if (k.equals("mlflow.runName")) {
      dynamo.updateItem(b -> b.tableName(table).key(key("RUN#" + runId, "RUN"))
          .updateExpression("SET #name = :name").expressionAttributeNames(Map.of("#name", "name"))
          .expressionAttributeValues(Map.of(":name", s(v))));
    }
  }

  public void deleteTag(String runId, String k) {
    Run run = activeRun(runId);
    if (!run.tags().containsKey(k)) {
      throw PierException.notFound("run '" + runId + "' has no tag '" + k + "'");
    }
    dynamo.deleteItem(b -> b.tableName(table).key(key("RUN#" + runId, "TAG#" + k)));
  }

  private void putTag(String runId, String k, String v) {
    Map<String, AttributeValue> item = new HashMap<>(key("RUN#" + runId, "TAG#" + k));
    item.put("value", s(v == null ? "" : v));
    dynamo.putItem(b -> b.tableName(table).item(item));
  }

  /**
   * log-batch: at most 1000 metrics, 100 params and 100 tags, as MLflow limits them. Written in transactions of up to
   * 100 actions, each checking that the run exists and is active: params conditional on not being logged with another
   * value, every metric's history entry, and for each metric key only the batch's latest value (highest step, then
   * timestamp, then last in the batch), conditional on beating the stored one. When a transaction is cancelled (a
   * missing or deleted run, a changed param, an older value that is not the latest) nothing of it was written and that
   * part and the rest are written item by item as before, which gives MLflow's errors and keeps the stored latest.
   */
  public void logBatch(String runId, List<Metric> metrics, Map<String, String> params, Map<String, String> tags) {
    logBatch(runId, metrics, params, tags, null, 0);
  }

  /**
   * {@link #logBatch} and then {@link #endRun}, the end in the batch's (last) transaction: a run's last results and
   * its end in one write.
   */
  public void logBatchAndEnd(String runId, List<Metric> metrics, Map<String, String> params,
      Map<String, String> tags, String status, long endTime) {
    checkStatus(status);
    logBatch(runId, metrics, params, tags, status, endTime);
  }

  /**
   * {@link #logBatch}, each metric holding at most one value per step: a value logged at a step the metric already
   * has replaces the stored one instead of joining it in the history. A writer that may run again after a crash (a
   * training job's retried task logging a trial's results and per-round history) leaves the history as one run would.
   * With {@code endStatus} (not null) the run is ended in the batch's last transaction, as {@link #logBatchAndEnd}.
   */
  public void logBatchOnePerStep(String runId, List<Metric> metrics, Map<String, String> params,
      Map<String, String> tags, String endStatus, long endTime) {
    if (endStatus != null) {
      checkStatus(endStatus);
    }
    logBatch(runId, metrics, params, tags, endStatus, endTime, true, null);
  }

  /**
   * {@link #logBatchOnePerStep} ending the run, with a write of the caller's in the batch's last transaction — another
   * table's record that these are a task's final results (a training job's trial end): both are written or neither.
   * False when {@code alongside}'s condition failed (then nothing of that transaction was written: another attempt
   * recorded its results first). When the transaction is cancelled for the run's part, the batch is written item by
   * item as {@link #logBatch} does (with its errors), then {@code alongside} on its own.
   */
  public boolean logBatchOnePerStepAndEnd(String runId, List<Metric> metrics, Map<String, String> tags,
      String endStatus, long endTime, TransactWriteItem alongside) {
    checkStatus(endStatus);
    return logBatch(runId, metrics, Map.of(), tags, endStatus, endTime, true, alongside);
  }

  private void logBatch(String runId, List<Metric> metrics, Map<String, String> params, Map<String, String> tags,
      String endStatus, long endTime) {
    logBatch(runId, metrics, params, tags, endStatus, endTime, false, null);
  }

  private boolean logBatch(String runId, List<Metric> metrics, Map<String, String> params, Map<String, String> tags,
      String endStatus, long endTime, boolean onePerStep, TransactWriteItem alongside) {
    if (metrics.size() > 1000 || params.size() > 100 || tags.size() > 100
        || metrics.size() + params.size() + tags.size() > 1000) {
      throw PierException.badRequest("a batch holds at most 1000 metrics, 100 params, 100 tags and 1000 in all");
    }
    if (runId == null || runId.isBlank()) {
      throw PierException.badRequest("run_id is required");
    }
    params.keySet().forEach(k -> checkKey(k, "param"));
    tags.keySet().forEach(k -> checkKey(k, "tag"));
    metrics.forEach(m -> checkKey(m.key(), "metric"));
    List<Write> writes = new ArrayList<>();
    params.forEach((k, v) -> writes.add(new Write(TransactWriteItem.builder().put(p -> p.tableName(table)
        .item(valueItem(runId, "PARAM#" + k, v)).conditionExpression("attribute_not_exists(pk) OR #v = :v")
        .expressionAttributeNames(Map.of("#v", "value"))
        .expressionAttributeValues(Map.of(":v", s(v == null ? "" : v)))).build(), () -> putParam(runId, k, v))));
    String runName = null;
    for (Map.Entry<String, String> t : tags.entrySet()) {
      String k = t.getKey();
      String v = t.getValue();
      writes.add(new Write(TransactWriteItem.builder().put(p -> p.tableName(table).item(valueItem(runId, "TAG#" + k, v)))
          .build(), () -> putTag(runId, k, v)));
      if (k.equals("mlflow.runName")) {
        runName = v;
      }
    }
    Map<String, Metric> latest = new HashMap<>();
    for (Metric m : metrics) {
      Map<String, AttributeValue> hist = historyItem(runId, m, onePerStep);
      writes.add(new Write(TransactWriteItem.builder().put(p -> p.tableName(table).item(hist)).build(),
          () -> dynamo.putItem(b -> b.tableName(table).item(hist))));
      latest.merge(m.key(), m, (a, b) -> b.step() > a.step() || (b.step() == a.step() && b.timestamp() >= a.timestamp())
          ? b : a);
    }
    latest.values().forEach(m -> writes.add(new Write(TransactWriteItem.builder().put(p -> p.tableName(table)
        .item(latestItem(runId, m)).conditionExpression(LATEST_CONDITION)
        .expressionAttributeNames(Map.of("#ts", "timestamp"))
        .expressionAttributeValues(Map.of(":step", n(m.step()), ":ts", n(m.timestamp())))).build(),
        () -> putLatest(runId, m))));
    String name = runName;
    TransactWriteItem run = runAction(runId, name, null, 0); // the run's check; a runName tag renames it as well
    int room = TRANSACTION - (alongside == null ? 1 : 2); // the run's action, the caller's
    int from = 0;
    do {
      List<Write> part = writes.subList(from, Math.min(writes.size(), from + room));
      List<TransactWriteItem> items = new ArrayList<>(part.size() + 2);
      boolean last = from + part.size() >= writes.size();
      items.add(last && endStatus != null ? runAction(runId, name, endStatus, endTime) : run);
      part.forEach(w -> items.add(w.item()));
      if (last && alongside != null) {
        items.add(alongside);
      }
      try {
        dynamo.transactWriteItems(b -> b.transactItems(items));
      } catch (TransactionCanceledException e) { // nothing of this part was written
        if (last && alongside != null && e.hasCancellationReasons() && e.cancellationReasons().size() == items.size()
            && "ConditionalCheckFailed".equals(e.cancellationReasons().get(items.size() - 1).code())) {
          return false; // the caller's condition failed: none of it
        }
        activeRun(runId); // the rest item by item
        if (name != null) {
          writeTag(runId, "mlflow.runName", name);
        }
        writes.subList(from, writes.size()).forEach(w -> w.fallback().run());
        if (endStatus != null) {
          endRun(runId, endStatus, endTime);
        }
        return alongside == null || written(alongside);
      }
      from += part.size();
    } while (from < writes.size());
    return true;
  }

  /** A write of the caller's on its own (one action's transaction); false when its condition failed. */
  private boolean written(TransactWriteItem alone) {
    try {
      dynamo.transactWriteItems(b -> b.transactItems(alone));
      return true;
    } catch (TransactionCanceledException e) {
      if (e.hasCancellationReasons() && "ConditionalCheckFailed".equals(e.cancellationReasons().get(0).code())) {
        return false;
      }
      throw e;
    }
  }

  /** The run item's part of a batch's transaction: a check that it is active, a rename, its end, or both. */
  private TransactWriteItem runAction(String runId, String name, String endStatus, long endTime) {
    if (name == null && endStatus == null) {
      return TransactWriteItem.builder().conditionCheck(c -> c.tableName(table).key(key("RUN#" + runId, "RUN"))
          .conditionExpression("lifecycle = :active").expressionAttributeValues(Map.of(":active", s("active"))))
          .build();
    }
    List<String> sets = new ArrayList<>();
    Map<String, AttributeValue> values = new HashMap<>(Map.of(":active", s("active")));
    if (name != null) {
      sets.add("#name = :name");
      values.put(":name", s(name));
    }
    if (endStatus != null) {
      sets.add("#status = :status");
      sets.add("endTime = :end");
      values.put(":status", s(endStatus));
      values.put(":end", n(endTime));
    }
    return TransactWriteItem.builder().update(u -> u.tableName(table).key(key("RUN#" + runId, "RUN"))
        .updateExpression("SET " + String.join(", ", sets)).conditionExpression("lifecycle = :active")
        .expressionAttributeNames(names(sets)).expressionAttributeValues(values)).build();
  }

  private static void checkStatus(String status) {
    if (!List.of("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED").contains(status)) {
      throw PierException.badRequest("invalid run status '" + status
          + "': use RUNNING, SCHEDULED, FINISHED, FAILED or KILLED");
    }
  }

  /** One write of a batch: its transaction action, and the same write alone (with its own error) as the fallback. */
  private record Write(TransactWriteItem item, Runnable fallback) {}

  /**
   * Ends a run: its status and end time in one conditional update, without reading the run (what a caller that
   * needs the run back uses is {@link #updateRun}); a 404 when there is no such run.
   */
  public void endRun(String runId, String status, long endTime) {
    checkStatus(status);
    try {
      dynamo.updateItem(b -> b.tableName(table).key(key("RUN#" + runId, "RUN"))
          .updateExpression("SET #status = :status, endTime = :end").conditionExpression("attribute_exists(pk)")
          .expressionAttributeNames(Map.of("#status", "status"))
          .expressionAttributeValues(Map.of(":status", s(status), ":end", n(endTime))));
    } catch (ConditionalCheckFailedException e) {
      throw PierException.notFound("run '" + runId + "' not found");
    }
  }

  /** Every logged value of a metric, in step then timestamp order. */
  public List<Metric> metricHistory(String runId, String k) {
    checkKey(k, "metric");
    run(runId);
    List<Metric> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse r = dynamo.query(b -> b.tableName(table).consistentRead(true)
          .keyConditionExpression("pk = :pk AND begins_with(sk, :p)")
          .expressionAttributeValues(Map.of(":pk", s("RUN#" + runId), ":p", s("HIST#" + k + "#")))
          .exclusiveStartKey(from));
      r.items().forEach(i -> out.add(toMetric(k, i)));
      start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
    } while (start != null);
    return out;
  }

  /**
   * Runs of the experiments matching an MLflow filter ({@code metrics.rmse < 1 and params.alpha = '0.5' and
   * tags.x = 'y' and attributes.status = 'FINISHED'}), ordered ({@code metrics.rmse DESC}, {@code start_time}),
   * paged. Default order: newest first.
   */
  public Page<Run> searchRuns(List<String> experimentIds, String filter, String viewType, List<String> orderBy,
      String pageToken, int limit) {
    SearchFilter f = SearchFilter.parse(filter);
    List<Run> matches = new ArrayList<>();
    for (String exp : experimentIds) {
      for (Map<String, AttributeValue> item : queryAll(GSI1, GSI1_PK, "RUNS#" + exp)) {
        Run run = run(item.get("runId").s());
        if (visible(run.lifecycleStage(), viewType) && f.clauses().stream().allMatch(c -> c.matches(value(run, c)))) {
          matches.add(run);
        }
      }
    }
    Comparator<Run> order = null;
    for (String o : orderBy == null ? List.<String>of() : orderBy) {
      String[] parts = o.trim().split("\\s+");
      boolean desc = parts.length > 1 && parts[1].equalsIgnoreCase("DESC");
      Clause probe = SearchFilter.parse(parts[0] + " = 0").clauses().get(0);
      Comparator<Run> one = (a, b) -> {
        Object x = value(a, probe);
        Object y = value(b, probe);
        if (x == null || y == null) {
          return x == null ? (y == null ? 0 : 1) : -1;
        }
        int c = x instanceof Double dx && y instanceof Double dy ? dx.compareTo(dy) : x.toString().compareTo(y.toString());
        return desc ? -c : c;
      };
      order = order == null ? one : order.thenComparing(one);
    }
    Comparator<Run> newest = Comparator.comparingLong(Run::startTime).reversed().thenComparing(Run::runId);
    matches.sort(order == null ? newest : order.thenComparing(newest));
    return page(matches, pageToken, limit);
  }

  private static Object value(Run run, Clause c) {
    return switch (c.entity()) {
      case METRIC -> run.metrics().stream().filter(m -> m.key().equals(c.key())).findFirst()
          .map(m -> (Object) m.value()).orElse(null);
      case PARAM -> run.params().get(c.key());
      case TAG -> run.tags().get(c.key());
      case ATTRIBUTE -> switch (c.key().toLowerCase(Locale.ROOT)) {
        case "status" -> run.status();
        case "run_id", "run_uuid" -> run.runId();
        case "run_name" -> run.name();
        case "user_id" -> run.userId();
        case "start_time" -> (double) run.startTime();
        case "end_time" -> (double) run.endTime();
        case "artifact_uri" -> run.artifactUri();
        case "lifecycle_stage" -> run.lifecycleStage();
        default -> throw PierException.badRequest("cannot search runs by attribute '" + c.key()
            + "': use status, run_id, run_name, user_id, start_time, end_time, artifact_uri");
      };
    };
  }

  private static boolean visible(String lifecycle, String viewType) {
    String v = viewType == null || viewType.isBlank() ? "ACTIVE_ONLY" : viewType;
    return switch (v) {
      case "ACTIVE_ONLY" -> lifecycle.equals("active");
      case "DELETED_ONLY" -> lifecycle.equals("deleted");
      case "ALL" -> true;
      default -> throw PierException.badRequest("invalid view type '" + viewType
          + "': use ACTIVE_ONLY, DELETED_ONLY or ALL");
    };
  }

  private Run activeRun(String runId) {
    Run run = run(runId);
    if (!run.lifecycleStage().equals("active")) {
      throw PierException.badRequest("run '" + runId + "' is deleted: restore it before logging to it");
    }
    return run;
  }

  private static void checkKey(String k, String what) {
    if (k == null || k.isEmpty() || k.length() > 250) {
      throw PierException.badRequest(what + " key is required (1-250 characters)");
    }
  }

  // --- plumbing ---

  private List<Map<String, AttributeValue>> queryAll(String index, String pkName, String pk) {
    List<Map<String, AttributeValue>> all = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse r = dynamo.query(b -> b.tableName(table).indexName(index)
          .keyConditionExpression("#p = :p").expressionAttributeNames(Map.of("#p", pkName))
          .expressionAttributeValues(Map.of(":p", s(pk))).exclusiveStartKey(from));
      all.addAll(r.items());
      start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
    } while (start != null);
    return all;
  }

  private static <T> Page<T> page(List<T> all, String pageToken, int limit) {
    int offset = 0;
    if (pageToken != null && !pageToken.isEmpty()) {
      try {
        offset = Integer.parseInt(new String(Base64.getUrlDecoder().decode(pageToken), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw PierException.badRequest("invalid page_token");
      }
    }
    int end = Math.min(all.size(), offset + limit);
    List<T> items = offset >= all.size() ? List.of() : all.subList(offset, end);
    String next = end < all.size() ? Base64.getUrlEncoder().withoutPadding()
        .encodeToString(Integer.toString(end).getBytes(StandardCharsets.UTF_8)) : null;
    return new Page<>(items, next);
  }

  private static Experiment toExperiment(Map<String, AttributeValue> item) {
    Map<String, String> tags = new TreeMap<>();
    if (item.containsKey("tags")) {
      item.get("tags").m().forEach((k, v) -> tags.put(k, v.s()));
    }
    return new Experiment(item.get("id").s(), item.get("name").s(), item.get("artifactLocation").s(),
        item.get("lifecycle").s(), Long.parseLong(item.get("createdAt").n()),
        Long.parseLong(item.get("updatedAt").n()), tags);
  }

  private static Metric toMetric(String k, Map<String, AttributeValue> i) {
    return new Metric(k, Double.parseDouble(i.get("value").n()), Long.parseLong(i.get("timestamp").n()),
        Long.parseLong(i.get("step").n()));
  }

  /** A long as a string that sorts in numeric order (steps may be negative). */
  private static String sortable(long v) {
    String hex = Long.toHexString(v ^ Long.MIN_VALUE); // not String.format: one per history value logged
    return "0".repeat(16 - hex.length()) + hex;
  }

  private Map<String, AttributeValue> get(Map<String, AttributeValue> key) {
    var r = dynamo.getItem(b -> b.tableName(table).key(key).consistentRead(true));
    return r.hasItem() && !r.item().isEmpty() ? r.item() : null;
  }

  private static Map<String, AttributeValue> key(String pk, String sk) {
    return Map.of(PK, s(pk), SK, s(sk));
  }

  private static AttributeValue map(Map<String, String> m) {
    Map<String, AttributeValue> out = new HashMap<>();
    m.forEach((k, v) -> out.put(k, s(v)));
    return AttributeValue.fromM(out);
  }

  private static AttributeValue s(String v) {
    return AttributeValue.fromS(v);
  }

  private static AttributeValue n(long v) {
    return AttributeValue.fromN(Long.toString(v));
  }
}
