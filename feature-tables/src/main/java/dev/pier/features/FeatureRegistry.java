package dev.pier.features;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.DynamoTables;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * The applied definitions and every version of each, in a DynamoDB table of the single-table layout. The current
 * definitions sit in one partition ({@code pk = catalog}, {@code sk = kind#name}) so the whole catalog is one Query;
 * each definition's versions sit in its own ({@code pk = kind#name}, {@code sk = v#00000001}), written once and never
 * changed.
 *
 * <p>An apply is one DynamoDB transaction: each changed definition's head is written on the condition that it is still
 * at the version the plan was made from, and its new version item on the condition that it does not exist — so an
 * apply lands whole or not at all, and two concurrent applies cannot both move a definition (the loser gets a 409).
 * A transaction holds at most 100 items, two per changed definition: {@value #MAX_CHANGES} changes per apply.
 *
 * <p>Readers use {@link #catalog()}, an in-memory snapshot refreshed at most every {@code refresh} (and at once after
 * an apply through this instance), so serving never reads the registry per request. Thread-safe.
 */
public final class FeatureRegistry {
  /** DynamoDB's 100 items per transaction, two items per changed definition. */
  public static final int MAX_CHANGES = 50;
  private static final String CATALOG = "catalog";

  private final DynamoDbClient dynamo;
  private final String table;
  private final Duration refresh;
  private final Clock clock;
  private volatile Snapshot snapshot;

  private record Snapshot(Catalog catalog, Map<String, Integer> versions, Map<String, String> json, Instant loaded) {}

  /**
   * Checks, at apply, that a Parquet source's path names data (a 400 naming it otherwise); null checks nothing.
   */
  @FunctionalInterface
  public interface SourceCheck {
    /** A problem with the path, or null when it holds data. */
    String check(String path);
  }

  public FeatureRegistry(DynamoDbClient dynamo, String table, Duration refresh, Clock clock) {
    this.dynamo = dynamo;
    this.table = table;
    this.refresh = refresh;
    this.clock = clock;
  }

  /** Creates the table (local mode; the CDK creates it in AWS). */
  public static void createTableIfMissing(DynamoDbClient dynamo, String table) {
    DynamoTables.createIfMissing(dynamo, table, DynamoTables.SINGLE_TABLE, null);
  }

  /** The applied definitions, at most {@code refresh} old. */
  public Catalog catalog() {
    return snapshot().catalog();
  }

  private Snapshot snapshot() {
    Snapshot s = snapshot;
    if (s == null || clock.instant().isAfter(s.loaded().plus(refresh))) {
      s = load();
      snapshot = s;
    }
    return s;
  }

  private Snapshot load() {
    Map<String, Entity> entities = new LinkedHashMap<>();
    Map<String, DataSource> sources = new LinkedHashMap<>();
    Map<String, FeatureView> views = new LinkedHashMap<>();
    Map<String, FeatureService> services = new LinkedHashMap<>();
    Map<String, OnDemandFeatureView> onDemand = new LinkedHashMap<>();
    Map<String, Integer> versions = new HashMap<>();
    Map<String, String> json = new HashMap<>();
    Map<String, AttributeValue> start = null;
    do {
      QueryResponse page = dynamo.query(QueryRequest.builder().tableName(table).consistentRead(true)
          .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", s(CATALOG)))
          .exclusiveStartKey(start).build());
      for (Map<String, AttributeValue> item : page.items()) {
        String sk = item.get("sk").s();
        Kind kind = Kind.valueOf(sk.substring(0, sk.indexOf('#')));
        String def = item.get("def").s();
        Object d = DefinitionsParser.fromJson(kind, def);
        switch (d) {
          case Entity e -> entities.put(e.name(), e);
          case DataSource src -> sources.put(src.name(), src);
          case FeatureView v -> views.put(v.name(), v);
          case FeatureService f -> services.put(f.name(), f);
          case OnDemandFeatureView o -> onDemand.put(o.name(), o);
          default -> throw new IllegalStateException("unexpected " + d);
        }
        versions.put(sk, Integer.parseInt(item.get("version").n()));
        json.put(sk, def);
      }
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return new Snapshot(new Catalog(entities, sources, views, services, onDemand), versions, json, clock.instant());
  }

  /**
   * Applies a parsed document, or only plans it ({@code dryRun}): every definition in it is created, updated (a new
   * version) or left as it is; definitions not in the document are left alone. 400 ({@link InvalidDefinitions}) for
   * dangling references or source paths that hold nothing, with nothing applied; 409 when another apply moved one of
   * the same definitions meanwhile.
   */
  public ApplyPlan apply(Catalog doc, boolean dryRun, SourceCheck sources) {
    return apply(doc, dryRun, sources, ModelUsage.NONE, false);
  }

  /**
   * As {@link #apply(Catalog, boolean, SourceCheck)}, and a breaking change (a feature removed or retyped, a view's
   * entities changed or taken offline, a service's feature removed) that breaks registered model versions — those
   * {@code usage} names for the feature services using the changed features — is refused with a 409 naming the
   * definition, the model versions and what changed, nothing applied, unless {@code force}. A plan lists them.
   */
  public ApplyPlan apply(Catalog doc, boolean dryRun, SourceCheck sources, ModelUsage usage, boolean force) {
    Snapshot current = load();
    List<String> problems = new ArrayList<>(DefinitionsParser.checkReferences(doc, current.catalog()));
    if (sources != null) {
      for (DataSource s : doc.sources().values()) {
        if (s instanceof DataSource.Parquet p) {
          DataSource before = current.catalog().sources().get(p.name());
          if (!(before instanceof DataSource.Parquet q) || !q.path().equals(p.path())) {
            String problem = sources.check(p.path());
            if (problem != null) {
              problems.add("sources (" + p.name() + ").path: " + problem);
            }
          }
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidDefinitions(problems);
    }
    Catalog all = current.catalog().overlay(doc);
    List<Object> defs = new ArrayList<>();
    defs.addAll(doc.entities().values());
    defs.addAll(doc.sources().values());
    defs.addAll(doc.featureViews().values());
    defs.addAll(doc.onDemandViews().values());
    doc.featureServices().values().forEach(s -> defs.add(DefinitionsParser.expand(s, all)));

    List<ApplyPlan.Change> changes = new ArrayList<>();
    List<TransactWriteItem> writes = new ArrayList<>();
    String now = clock.instant().toString();
    for (Object def : defs) {
      Kind kind = Kind.of(def);
      String name = nameOf(def);
      String sk = kind.name() + "#" + name;
      ObjectNode json = DefinitionsParser.toJson(def);
      String text = json.toString();
      Integer from = current.versions().get(sk);
      if (from != null && text.equals(current.json().get(sk))) {
        changes.add(new ApplyPlan.Change(kind.id(), name, "unchanged", from, from, List.of(), false));
        continue;
      }
      List<String> differences = new ArrayList<>();
      boolean breaking = false;
      if (from != null) {
        Object before = DefinitionsParser.fromJson(kind, current.json().get(sk));
        breaking = Differences.of(before, def, differences);
      }
      int to = from == null ? 1 : from + 1;
      String action = from == null ? "create" : "update";
      List<String> broken = List.of();
      if (breaking) {
        Object before = DefinitionsParser.fromJson(kind, current.json().get(sk));
        broken = brokenModelVersions(current.catalog(), before, def, usage);
        if (!broken.isEmpty() && !force && !dryRun) {
          throw PierException.conflict(kind.id().replace('_', ' ') + " '" + name + "' v" + from + " -> v" + to
              + " breaks registered model versions " + String.join(", ", broken) + " ("
              + String.join("; ", differences) + "); nothing was applied. Apply with ?force=true to apply anyway");
        }
      }
      changes.add(new ApplyPlan.Change(kind.id(), name, action, from, to, differences, breaking, broken));
      ArrayNode diffJson = DefinitionsParser.JSON.createArrayNode();
      differences.forEach(diffJson::add);
      Map<String, AttributeValue> head = Map.of("pk", s(CATALOG), "sk", s(sk), "version", n(to), "def", s(text),
          "updated_at", s(now));
      writes.add(TransactWriteItem.builder().put(p -> {
        p.tableName(table).item(head);
        if (from == null) {
          p.conditionExpression("attribute_not_exists(pk)");
        } else {
          p.conditionExpression("version = :v").expressionAttributeValues(Map.of(":v", n(from)));
        }
      }).build());
      writes.add(TransactWriteItem.builder().put(p -> p.tableName(table)
          .item(Map.of("pk", s(sk), "sk", s(String.format("v#%08d", to)), "version", n(to), "def", s(text),
              "applied_at", s(now), "action", s(action), "differences", s(diffJson.toString())))
          .conditionExpression("attribute_not_exists(pk)")).build());
    }
    if (dryRun || writes.isEmpty()) {
      return new ApplyPlan(false, changes);
    }
    if (writes.size() / 2 > MAX_CHANGES) {
      throw new InvalidDefinitions(List.of("the document changes " + writes.size() / 2 + " definitions; one apply"
          + " changes at most " + MAX_CHANGES + " (DynamoDB's transaction limit): split it, nothing was applied"));
    }
    try {
      dynamo.transactWriteItems(b -> b.transactItems(writes));
    } catch (TransactionCanceledException e) {
      if (e.hasCancellationReasons() && e.cancellationReasons().stream().map(CancellationReason::code)
          .anyMatch("ConditionalCheckFailed"::equals)) {
        throw PierException.conflict("another apply changed some of these definitions meanwhile; nothing was applied,"
            + " plan and apply again");
      }
      throw e;
    }
    snapshot = null;
    return new ApplyPlan(true, changes);
  }

  /**
   * The model versions a breaking change breaks: those using a feature service (as it is now) that serves a feature
   * the change removes or retypes — every feature of a view whose entities change or that goes offline — or, for a
   * service that drops features, that service.
   */
  static List<String> brokenModelVersions(Catalog current, Object before, Object after, ModelUsage usage) {
    java.util.Set<String> services = new java.util.TreeSet<>();
    if (before instanceof FeatureView a && after instanceof FeatureView b) {
      boolean all = !a.entities().equals(b.entities()) || (a.online() && !b.online());
      java.util.Set<FeatureRef> hit = new java.util.HashSet<>();
      for (Field f : a.schema()) {
        Field g = b.feature(f.name());
        if (all || g == null || !g.dtype().equals(f.dtype())) {
          hit.add(new FeatureRef(a.name(), f.name()));
        }
      }
      for (FeatureService s : current.featureServices().values()) {
        if (s.features().stream().anyMatch(hit::contains)) {
          services.add(s.name());
        }
      }
    } else if (before instanceof OnDemandFeatureView a && after instanceof OnDemandFeatureView b) {
      for (Field f : a.schema()) {
        Field g = b.feature(f.name());
        if (g == null || !g.dtype().equals(f.dtype())) {
          FeatureRef ref = new FeatureRef(a.name(), f.name());
          current.featureServices().values().stream().filter(s -> s.features().contains(ref))
              .forEach(s -> services.add(s.name()));
        }
      }
    } else if (before instanceof FeatureService a) {
      services.add(a.name());
    }
    java.util.Set<String> versions = new java.util.LinkedHashSet<>();
    for (String service : services) {
      for (String v : usage.versionsUsing(service)) {
        versions.add(v + " (feature service '" + service + "')");
      }
    }
    return List.copyOf(versions);
  }

  /** Every version of a definition, oldest first; 404 when it was never applied. */
  public List<FeatureVersion> versions(Kind kind, String name) {
    List<FeatureVersion> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      QueryResponse page = dynamo.query(QueryRequest.builder().tableName(table).consistentRead(true)
          .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", s(kind.name() + "#" + name)))
          .exclusiveStartKey(start).build());
      for (Map<String, AttributeValue> item : page.items()) {
        List<String> diffs = new ArrayList<>();
        readJson(item.get("differences").s()).forEach(d -> diffs.add(d.asText()));
        out.add(new FeatureVersion(Integer.parseInt(item.get("version").n()), readJson(item.get("def").s()),
            Instant.parse(item.get("applied_at").s()), item.get("action").s(), diffs));
      }
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    if (out.isEmpty()) {
      throw PierException.notFound(kind.id().replace('_', ' ') + " '" + name + "' does not exist");
    }
    return out;
  }

  /** The current version number of a definition, or null. */
  public Integer version(Kind kind, String name) {
    return snapshot().versions().get(kind.name() + "#" + name);
  }

  static String nameOf(Object def) {
    return switch (def) {
      case Entity e -> e.name();
      case DataSource s -> s.name();
      case FeatureView v -> v.name();
      case FeatureService s -> s.name();
      case OnDemandFeatureView v -> v.name();
      default -> throw new IllegalArgumentException("not a definition: " + def);
    };
  }

  private static JsonNode readJson(String text) {
    try {
      return DefinitionsParser.JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored JSON does not parse", e);
    }
  }

  private static AttributeValue s(String v) {
    return AttributeValue.fromS(v);
  }

  private static AttributeValue n(int v) {
    return AttributeValue.fromN(Integer.toString(v));
  }

  /** What changed between two versions of a definition, and whether it breaks readers. */
  static final class Differences {
    private Differences() {}

    static boolean of(Object before, Object after, List<String> out) {
      if (before instanceof FeatureView a && after instanceof FeatureView b) {
        boolean breaking = false;
        if (!a.entities().equals(b.entities())) {
          out.add("entities: " + a.entities() + " -> " + b.entities());
          breaking = true;
        }
        if (!a.source().equals(b.source())) {
          out.add("source: " + a.source() + " -> " + b.source());
        }
        if (!a.ttl().equals(b.ttl())) {
          out.add("ttl: " + DefinitionsParser.format(a.ttl()) + " -> " + DefinitionsParser.format(b.ttl()));
        }
        if (a.online() != b.online()) {
          out.add("online: " + a.online() + " -> " + b.online());
          breaking |= !b.online();
        }
        for (Field f : a.schema()) {
          Field g = b.feature(f.name());
          if (g == null) {
            out.add("feature " + f.name() + " removed");
            breaking = true;
          } else if (!g.dtype().equals(f.dtype())) {
            out.add("feature " + f.name() + ": " + f.dtype() + " -> " + g.dtype());
            breaking = true;
          }
        }
        for (Field g : b.schema()) {
          if (a.feature(g.name()) == null) {
            out.add("feature " + g.name() + " added (" + g.dtype() + ")");
          }
        }
        compare("tags", a.tags(), b.tags(), out);
        compare("owner", a.owner(), b.owner(), out);
        compare("description", a.description(), b.description(), out);
        return breaking;
      }
      if (before instanceof FeatureService a && after instanceof FeatureService b) {
        List<FeatureRef> removed = new ArrayList<>(a.features());
        removed.removeAll(b.features());
        List<FeatureRef> added = new ArrayList<>(b.features());
        added.removeAll(a.features());
        removed.forEach(r -> out.add("feature " + r + " removed"));
        added.forEach(r -> out.add("feature " + r + " added"));
        compare("tags", a.tags(), b.tags(), out);
        compare("owner", a.owner(), b.owner(), out);
        compare("description", a.description(), b.description(), out);
        return !removed.isEmpty();
      }
      ObjectNode a = DefinitionsParser.toJson(before);
      ObjectNode b = DefinitionsParser.toJson(after);
      boolean breaking = false;
      for (var it = b.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!Objects.equals(a.get(k), b.get(k))) {
          out.add(k + ": " + (a.get(k) == null ? "none" : a.get(k)) + " -> " + b.get(k));
          breaking |= !k.equals("description") && !k.equals("tags");
        }
      }
      for (var it = a.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!b.has(k)) {
          out.add(k + ": " + a.get(k) + " -> none");
        }
      }
      return breaking;
    }

    private static void compare(String what, Object a, Object b, List<String> out) {
      if (!Objects.equals(a, b)) {
        out.add(what + ": " + a + " -> " + b);
      }
    }
  }
}
