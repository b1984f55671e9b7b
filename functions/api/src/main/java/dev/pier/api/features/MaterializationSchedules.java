package dev.pier.api.features;

import dev.pier.batch.ScheduleExpression;
import dev.pier.features.FeatureStore;
import dev.pier.features.FeatureView;
import dev.pier.features.Materialization;
import dev.pier.kernel.PierException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * User-managed materialization schedules, as batch schedules are: create (a 400 naming a bad expression, an unknown
 * or offline view; nothing stored), list, get, enable or disable, delete. Kept in the feature store's definitions
 * table ({@code pk = materialization-schedule}). Each fire starts an incremental materialization of the schedule's
 * views (every online view when none is named) up to the fire time. Locally {@link #fireDue} runs on the server's
 * timer and starts a fire time once however often it is asked (a conditional write on {@code last_fire}: two
 * processes, a restart); after downtime only the latest missed fire time runs, as EventBridge Scheduler does. In AWS
 * each schedule is an EventBridge Scheduler schedule that invokes the feature worker ({@link ScheduleTarget}).
 */
public final class MaterializationSchedules {
  static final String PK = "materialization-schedule";
  /** Catch-up is for the latest missed fire time only; this bounds the walk to it. */
  private static final int MAX_CATCH_UP_STEPS = 100_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final DynamoDbClient dynamo;
  private final String table;
  private final FeatureStore store;
  private final ScheduleTarget target;
  private final Clock clock;

  public MaterializationSchedules(DynamoDbClient dynamo, String table, FeatureStore store, ScheduleTarget target,
      Clock clock) {
    this.dynamo = dynamo;
    this.table = table;
    this.store = store;
    this.target = target;
    this.clock = clock;
  }

  /** Creates a schedule; 400 naming a bad expression or view, 404 an unknown view. */
  public MaterializationSchedule create(List<String> featureViews, String schedule, boolean enabled) {
    // milliseconds, as last_fire is kept: a rate's fire times (created + k periods) then compare exactly
    Instant created = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    ScheduleExpression.parse(schedule, created); // 400 naming what is wrong
    List<String> views = featureViews == null ? List.of() : List.copyOf(featureViews);
    for (String name : views) {
      FeatureView v = store.registry().catalog().view(name); // 404 naming it
      if (!v.online()) {
        throw PierException.badRequest("feature view '" + name + "' is not online (online: false): nothing to"
            + " materialize");
      }
    }
    if (views.stream().distinct().count() != views.size()) {
      throw PierException.badRequest("'feature_views' names a view twice");
    }
    byte[] random = new byte[8];
    RANDOM.nextBytes(random);
    MaterializationSchedule s = new MaterializationSchedule("fs-" + HexFormat.of().formatHex(random), views,
        schedule.strip(), enabled, created, null, null, null, null);
    Map<String, AttributeValue> item = new HashMap<>();
    item.put("pk", str(PK));
    item.put("sk", str(s.id()));
    item.put("schedule", str(s.schedule()));
    item.put("enabled", AttributeValue.fromBool(enabled));
    item.put("created_at", str(created.toString()));
    item.put("feature_views", AttributeValue.fromL(views.stream().map(MaterializationSchedules::str).toList()));
    dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
    try {
      target.created(s);
    } catch (RuntimeException e) {
      dynamo.deleteItem(b -> b.tableName(table).key(key(s.id()))); // no schedule that never fires
      throw e;
    }
    return withNext(s);
  }

  /** Every schedule, oldest first. */
  public List<MaterializationSchedule> list() {
    List<MaterializationSchedule> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      QueryResponse page = dynamo.query(QueryRequest.builder().tableName(table).consistentRead(true)
          .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", str(PK)))
          .exclusiveStartKey(start).build());
      page.items().forEach(i -> out.add(withNext(schedule(i))));
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    out.sort(Comparator.comparing(MaterializationSchedule::createdAt).thenComparing(MaterializationSchedule::id));
    return out;
  }

  /** One schedule; 404 naming it. */
  public MaterializationSchedule get(String id) {
    return withNext(find(id).orElseThrow(() -> notFound(id)));
  }

  /** Turns a schedule on or off (conditional on its existing); answers it as it now is. */
  public MaterializationSchedule setEnabled(String id, boolean enabled) {
    MaterializationSchedule s = find(id).orElseThrow(() -> notFound(id));
    target.enabled(s, enabled);
    try {
      dynamo.updateItem(b -> b.tableName(table).key(key(id)).updateExpression("SET enabled = :e")
          .conditionExpression("attribute_exists(pk)").expressionAttributeValues(Map.of(":e",
              AttributeValue.fromBool(enabled))));
    } catch (ConditionalCheckFailedException e) {
      throw notFound(id); // deleted meanwhile
    }
    return get(id);
  }

  /** Deletes a schedule and its trigger; a job it started goes on. 404 naming an unknown id. */
  public void delete(String id) {
    find(id).orElseThrow(() -> notFound(id));
    target.deleted(id);
    dynamo.deleteItem(b -> b.tableName(table).key(key(id)));
  }

  /**
   * Starts the job of one fire time unless that time (or a later one) already started one, or the schedule is
   * disabled or gone; answers the job started.
   */
  public Optional<Materialization.Job> fire(String id, Instant fireTime) {
    Optional<MaterializationSchedule> found = find(id);
    if (found.isEmpty() || !found.get().enabled()) {
      return Optional.empty();
    }
    try { // claim the fire time: one job per fire time, whoever asks
      dynamo.updateItem(b -> b.tableName(table).key(key(id)).updateExpression("SET last_fire = :t")
          .conditionExpression("attribute_exists(pk) AND enabled = :on AND (attribute_not_exists(last_fire)"
              + " OR last_fire < :t)")
          .expressionAttributeValues(Map.of(":t", AttributeValue.fromN(Long.toString(fireTime.toEpochMilli())), ":on",
              AttributeValue.fromBool(true))));
    } catch (ConditionalCheckFailedException e) {
      return Optional.empty();
    }
    Materialization.Job job;
    try {
      job = store.materialization().startIncremental(fireTime, found.get().featureViews());
    } catch (PierException e) {
      if (e.status() >= 500) {
        throw e;
      }
      // e.g. a named view deleted or no online view at all: this fire time has nothing to do
      dynamo.updateItem(b -> b.tableName(table).key(key(id)).updateExpression("SET last_error = :e")
          .expressionAttributeValues(Map.of(":e", str(fireTime + ": " + e.getMessage()))));
      return Optional.empty();
    }
    dynamo.updateItem(b -> b.tableName(table).key(key(id)).updateExpression("SET last_job = :j REMOVE last_error")
        .expressionAttributeValues(Map.of(":j", str(job.id()))));
    return Optional.of(job);
  }

  /** The timer's tick: for every enabled schedule whose next fire time has come, the latest fire time ≤ now. */
  public List<Materialization.Job> fireDue(Instant now) {
    List<Materialization.Job> started = new ArrayList<>();
    for (MaterializationSchedule s : list()) {
      if (!s.enabled()) {
        continue;
      }
      ScheduleExpression e = ScheduleExpression.parse(s.schedule(), s.createdAt());
      Instant from = s.lastFire() != null ? s.lastFire() : s.createdAt();
      Instant next = e.next(from);
      Instant latest = null;
      for (int i = 0; next != null && !next.isAfter(now) && i < MAX_CATCH_UP_STEPS; i++) {
        latest = next;
        next = e.next(next);
      }
      if (latest != null) {
        fire(s.id(), latest).ifPresent(started::add);
      }
    }
    return started;
  }

  private MaterializationSchedule withNext(MaterializationSchedule s) {
    Instant next = null;
    if (s.enabled()) {
      ScheduleExpression e = ScheduleExpression.parse(s.schedule(), s.createdAt());
      Instant after = s.lastFire() != null && s.lastFire().isAfter(clock.instant()) ? s.lastFire() : clock.instant();
      next = e.next(after);
    }
    return new MaterializationSchedule(s.id(), s.featureViews(), s.schedule(), s.enabled(), s.createdAt(),
        s.lastFire(), s.lastJob(), s.lastError(), next);
  }

  private Optional<MaterializationSchedule> find(String id) {
    Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).consistentRead(true).key(key(id)))
        .item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(schedule(item));
  }

  private static MaterializationSchedule schedule(Map<String, AttributeValue> i) {
    return new MaterializationSchedule(i.get("sk").s(),
        i.containsKey("feature_views") ? i.get("feature_views").l().stream().map(AttributeValue::s).toList()
            : List.of(),
        i.get("schedule").s(), Boolean.TRUE.equals(i.get("enabled").bool()), Instant.parse(i.get("created_at").s()),
        i.containsKey("last_fire") ? Instant.ofEpochMilli(Long.parseLong(i.get("last_fire").n())) : null,
        i.containsKey("last_job") ? i.get("last_job").s() : null,
        i.containsKey("last_error") ? i.get("last_error").s() : null, null);
  }

  private static PierException notFound(String id) {
    return PierException.notFound("materialization schedule '" + id + "' does not exist");
  }

  private static Map<String, AttributeValue> key(String id) {
    return Map.of("pk", str(PK), "sk", str(id));
  }

  private static AttributeValue str(String s) {
    return AttributeValue.fromS(s);
  }
}
