package dev.pier.training.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * Training jobs and their trials in the jobs table, next to batch jobs: a job is {@code pk = training#<id>,
 * sk = job} (listed through {@code gsi1 = training-jobs / <created>#<id>}), each trial {@code sk = trial#<number>}
 * in the job's partition. Items hold the record as JSON ({@code doc}) with {@code state} and a revision {@code rev}
 * beside it; every change is a conditional write on the revision read (an optimistic lock, retried), so concurrent
 * trials never lose each other's updates, and a finished job or trial is never changed again.
 *
 * <p>Bookkeeping per trial is two writes (suggested, finished), single-item, independent of the trial count; the
 * workflow's steps read only the trials they have not seen ({@link #trialsFrom}).
 */
public final class TrainingJobsTable {
  static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private final DynamoDbClient dynamo;
  private final String table;

  public TrainingJobsTable(DynamoDbClient dynamo, String table) {
    this.dynamo = dynamo;
    this.table = table;
  }

  public void create(TrainingJob job) {
    Map<String, AttributeValue> item = new HashMap<>(key(job.id(), "job"));
    item.put("gsi1pk", s("training-jobs"));
    item.put("gsi1sk", s(job.createdAt() + "#" + job.id()));
    item.put("state", s(job.state().name()));
    item.put("rev", n(1));
    item.put("doc", s(write(job)));
    dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
  }

  public Optional<TrainingJob> get(String id) {
    var item = dynamo.getItem(b -> b.tableName(table).key(key(id, "job")).consistentRead(true)).item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(read(item.get("doc").s(), TrainingJob.class));
  }

  public TrainingJob require(String id) {
    return get(id).orElseThrow(() -> PierException.notFound("no training job '" + id + "'"));
  }

  /** Every job, oldest first. */
  public List<TrainingJob> list() {
    List<TrainingJob> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse page = dynamo.query(b -> b.tableName(table).indexName("gsi1")
          .keyConditionExpression("gsi1pk = :p").expressionAttributeValues(Map.of(":p", s("training-jobs")))
          .exclusiveStartKey(from));
      page.items().forEach(i -> out.add(read(i.get("doc").s(), TrainingJob.class)));
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return out;
  }

  /** A job as stored with the revision it was read at: what a conditional update from a known state starts from. */
  public record Stored(TrainingJob job, long rev) {}

  /** The job with its revision (a consistent read). */
  public Optional<Stored> stored(String id) {
    var item = dynamo.getItem(b -> b.tableName(table).key(key(id, "job")).consistentRead(true)).item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(stored(item));
  }

  private static Stored stored(Map<String, AttributeValue> item) {
    return new Stored(read(item.get("doc").s(), TrainingJob.class), Long.parseLong(item.get("rev").n()));
  }

  /** A job and one of its trials in one consistent BatchGetItem; the trial empty when it does not exist. */
  public record JobAndTrial(Stored job, Optional<TrialRecord> trial) {}

  public JobAndTrial jobAndTrial(String id, int number) {
    JobAndTrials read = jobAndTrials(id, number, number + 1);
    return new JobAndTrial(read.job(), read.trials().stream().findFirst());
  }

  /** A job and those of its trials numbered {@code from} to {@code to} (exclusive) that exist, by number. */
  public record JobAndTrials(Stored job, List<TrialRecord> trials) {}

  /** {@link JobAndTrials} in one consistent BatchGetItem (at most 99 trials: the call's limit is 100 keys). */
  public JobAndTrials jobAndTrials(String id, int from, int to) {
    if (to - from > 99) {
      throw new IllegalArgumentException("at most 99 trials in one read");
    }
    List<Map<String, AttributeValue>> keys = new ArrayList<>(to - from + 1);
    keys.add(key(id, "job"));
    for (int n = from; n < to; n++) {
      keys.add(key(id, trialKey(n)));
    }
    Map<String, KeysAndAttributes> wanted = Map.of(table, KeysAndAttributes.builder().keys(keys)
        .consistentRead(true).build());
    Map<String, AttributeValue> job = null;
    java.util.TreeMap<String, TrialRecord> trials = new java.util.TreeMap<>(); // by key: by number
    for (int attempt = 0; !wanted.isEmpty(); attempt++) {
      Map<String, KeysAndAttributes> ask = wanted;
      var r = dynamo.batchGetItem(b -> b.requestItems(ask));
      for (var item : r.responses().getOrDefault(table, List.of())) {
        String sk = item.get("sk").s();
        if (sk.equals("job")) {
          job = item;
        } else {
          trials.put(sk, read(item.get("doc").s(), TrialRecord.class));
        }
      }
      wanted = r.hasUnprocessedKeys() ? r.unprocessedKeys() : Map.of();
      if (!wanted.isEmpty() && attempt > 50) {
        throw new PierException(503, "training job " + id + " could not be read (throttled)");
      }
    }
    if (job == null) {
      throw PierException.notFound("no training job '" + id + "'");
    }
    return new JobAndTrials(stored(job), List.copyOf(trials.values()));
  }

  /**
   * Applies {@code change} to the job while it is RUNNING (or, with {@code evenFinal}, whatever its state) and
   * stores the result conditionally on the revision read; returns the stored job, or empty when the job had ended.
   */
  public Optional<TrainingJob> update(String id, UnaryOperator<TrainingJob> change, boolean evenFinal) {
    return update(id, null, change, evenFinal).map(Stored::job);
  }

  /**
   * As {@link #update(String, UnaryOperator, boolean)}, first from {@code known} without reading it again (the write
   * is conditional on its revision); read afresh only when the job changed since.
   */
  public Optional<Stored> update(Stored known, UnaryOperator<TrainingJob> change, boolean evenFinal) {
    return update(known.job().id(), known, change, evenFinal);
  }

  private Optional<Stored> update(String id, Stored known, UnaryOperator<TrainingJob> change, boolean evenFinal) {
    Stored current = known;
    for (int attempt = 0; ; attempt++) {
      if (current == null) {
        current = stored(id).orElseThrow(() -> PierException.notFound("no training job '" + id + "'"));
      }
      if (current.job().state().isFinal() && !evenFinal) {
        return Optional.empty();
      }
      TrainingJob next = change.apply(current.job());
      long rev = current.rev();
      try {
        dynamo.updateItem(b -> b.tableName(table).key(key(id, "job"))
            .updateExpression("SET #doc = :doc, #state = :state, rev = rev + :one")
            .conditionExpression("rev = :rev")
            .expressionAttributeNames(Map.of("#doc", "doc", "#state", "state"))
            .expressionAttributeValues(Map.of(":doc", s(write(next)), ":state", s(next.state().name()),
                ":one", n(1), ":rev", n(rev))));
        return Optional.of(new Stored(next, rev + 1));
      } catch (ConditionalCheckFailedException e) {
        current = null;
        if (attempt > 50) {
          throw new PierException(503, "training job " + id + " is changing too often to update", e);
        }
      }
    }
  }

  /** Records a suggested trial; false when that trial number exists already (suggested before a restart). */
  public boolean createTrial(String jobId, TrialRecord trial) {
    Map<String, AttributeValue> item = new HashMap<>(key(jobId, trialKey(trial.number())));
    item.put("state", s(trial.state()));
    item.put("doc", s(write(trial)));
    try {
      dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  /**
   * Records suggested trials and changes the job, in one transaction: each trial unless its number exists (recorded by
   * an attempt that died before answering), the job conditional on {@code known}'s revision. When that is cancelled (a
   * trial existed, the job changed) nothing of it was written, and the trials are recorded one by one and the job
   * updated from a fresh read, as {@link #createTrial} and {@link #update(Stored, UnaryOperator, boolean)} do.
   */
  public Optional<Stored> createTrials(Stored known, List<TrialRecord> trials, UnaryOperator<TrainingJob> change) {
    Optional<Stored> written = createTrialsIfUnchanged(known, trials, change);
    return written.isPresent() ? written : createTrialsOneByOne(known.job().id(), trials, change);
  }

  /**
   * {@link #createTrials}'s way when its transaction is cancelled: each trial recorded unless its number exists
   * ({@link #createTrial}), then the job changed from a fresh read ({@link #update(Stored, UnaryOperator, boolean)}).
   */
  public Optional<Stored> createTrialsOneByOne(String id, List<TrialRecord> trials, UnaryOperator<TrainingJob> change) {
    trials.forEach(t -> createTrial(id, t));
    return update(id, null, change, false);
  }

  /**
   * {@link #createTrials}'s one transaction alone: empty, with nothing written, when it is cancelled (the job is no
   * longer at {@code known}'s revision, or a trial exists). A writer that did not read the job first (it holds the job
   * as its own last write left it) uses this, and reads the job only when it was wrong.
   */
  public Optional<Stored> createTrialsIfUnchanged(Stored known, List<TrialRecord> trials,
      UnaryOperator<TrainingJob> change) {
    String id = known.job().id();
    if (!known.job().state().isFinal() && trials.size() < 100) {
      TrainingJob next = change.apply(known.job());
      List<TransactWriteItem> writes = new ArrayList<>();
      for (TrialRecord t : trials) {
        Map<String, AttributeValue> item = new HashMap<>(key(id, trialKey(t.number())));
        item.put("state", s(t.state()));
        item.put("doc", s(write(t)));
        writes.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(item)
            .conditionExpression("attribute_not_exists(pk)")).build());
      }
      writes.add(TransactWriteItem.builder().update(u -> u.tableName(table).key(key(id, "job"))
          .updateExpression("SET #doc = :doc, #state = :state, rev = rev + :one").conditionExpression("rev = :rev")
          .expressionAttributeNames(Map.of("#doc", "doc", "#state", "state"))
          .expressionAttributeValues(Map.of(":doc", s(write(next)), ":state", s(next.state().name()),
              ":one", n(1), ":rev", n(known.rev())))).build());
      try {
        dynamo.transactWriteItems(b -> b.transactItems(writes));
        return Optional.of(new Stored(next, known.rev() + 1));
      } catch (TransactionCanceledException e) {
        // nothing written
      }
    }
    return Optional.empty();
  }

  /** Replaces a RUNNING trial's record; false when it had finished already (it stays as first recorded). */
  public boolean putTrial(String jobId, TrialRecord trial) {
    try {
      dynamo.putItem(b -> b.tableName(table).item(trialItem(jobId, trial)).conditionExpression(STILL_RUNNING)
          .expressionAttributeNames(STATE).expressionAttributeValues(RUNNING));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  /**
   * {@link #putTrial} as an action of a transaction the caller writes (with the trial's MLflow results, one write):
   * its condition fails when the trial had finished already.
   */
  public TransactWriteItem putTrialAction(String jobId, TrialRecord trial) {
    return TransactWriteItem.builder().put(p -> p.tableName(table).item(trialItem(jobId, trial))
        .conditionExpression(STILL_RUNNING).expressionAttributeNames(STATE).expressionAttributeValues(RUNNING)).build();
  }

  private static final String STILL_RUNNING = "#s = :running";
  private static final Map<String, String> STATE = Map.of("#s", "state");
  private static final Map<String, AttributeValue> RUNNING = Map.of(":running", AttributeValue.fromS("RUNNING"));

  private Map<String, AttributeValue> trialItem(String jobId, TrialRecord trial) {
    Map<String, AttributeValue> item = new HashMap<>(key(jobId, trialKey(trial.number())));
    item.put("state", s(trial.state()));
    item.put("doc", s(write(trial)));
    return item;
  }

  public Optional<TrialRecord> trial(String jobId, int number) {
    var item = dynamo.getItem(b -> b.tableName(table).key(key(jobId, trialKey(number))).consistentRead(true)).item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(read(item.get("doc").s(), TrialRecord.class));
  }

  /** The job's trials by number. */
  public List<TrialRecord> trials(String jobId) {
    List<TrialRecord> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse page = dynamo.query(b -> b.tableName(table).consistentRead(true)
          .keyConditionExpression("pk = :p AND begins_with(sk, :t)")
          .expressionAttributeValues(Map.of(":p", s("training#" + jobId), ":t", s("trial#")))
          .exclusiveStartKey(from));
      page.items().forEach(i -> out.add(read(i.get("doc").s(), TrialRecord.class)));
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return out;
  }

  /** The job's trials numbered {@code from} on, by number: one query of the batch a step has not seen yet. */
  public List<TrialRecord> trialsFrom(String jobId, int from) {
    if (from <= 0) {
      return trials(jobId);
    }
    List<TrialRecord> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> after = start;
      QueryResponse page = dynamo.query(b -> b.tableName(table).consistentRead(true)
          .keyConditionExpression("pk = :p AND sk BETWEEN :from AND :to")
          .expressionAttributeValues(Map.of(":p", s("training#" + jobId), ":from", s(trialKey(from)),
              ":to", s("trial#~")))
          .exclusiveStartKey(after));
      page.items().forEach(i -> out.add(read(i.get("doc").s(), TrialRecord.class)));
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return out;
  }

  private static String trialKey(int number) {
    String digits = Integer.toString(number); // not String.format: several per trial
    return "trial#" + "0".repeat(Math.max(0, 6 - digits.length())) + digits;
  }

  private static Map<String, AttributeValue> key(String id, String sk) {
    return Map.of("pk", s("training#" + id), "sk", s(sk));
  }

  static String write(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static <T> T read(String s, Class<T> type) {
    try {
      return JSON.readValue(s, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
    }
  }

  private static AttributeValue s(String v) {
    return AttributeValue.builder().s(v).build();
  }

  private static AttributeValue n(long v) {
    return AttributeValue.builder().n(Long.toString(v)).build();
  }
}
