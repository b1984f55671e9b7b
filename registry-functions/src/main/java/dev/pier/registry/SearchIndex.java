package dev.pier.registry;

import static dev.pier.registry.RegistryTable.PK;
import static dev.pier.registry.RegistryTable.SK;

import dev.pier.kernel.PierException;
import dev.pier.registry.SearchFilter.Clause;
import dev.pier.registry.SearchFilter.Entity;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Version search without full scans. Next to each version the registry writes small index items in the same table
 * (and the same transaction), each a copy of what search looks at (tags, metrics, params, framework, status, stage,
 * run): one per tag ({@code IDX#TAG#k=v}), one per metric sorted by value ({@code IDX#METRIC#name}), one for the
 * framework and one for the review status, one in {@code IDX#VERSIONS} sorted by model name (name prefixes), and one
 * per alias ({@code IDX#ALIAS#a}). A query reads the one index partition its most selective clause names — an alias,
 * a model name, a metric range, a tag, a framework or status, a name prefix — and checks the other clauses on the
 * copies. Only a filter with none of these reads {@code IDX#VERSIONS} whole.
 *
 * <p>Sort orders the chosen index already has stream: a page reads only as far as it needs, in either direction.
 * They are: none asked; a metric ({@code IDX#METRIC#name}, alone or with a range on it); {@code name}
 * ({@code IDX#VERSIONS}: model name, then version); one model's versions by {@code version_number} or
 * {@code creation_timestamp} (numbers are given in creation order); and {@code creation_timestamp} over all versions
 * ({@code IDX#CREATED}, sorted by creation time). Other combinations read every match of the chosen partition and
 * sort in memory.
 *
 * <p>DynamoDB caps a transaction at 100 writes, so only the first {@value #MAX_INDEXED} tags and metrics of a version
 * (by name) are indexed; clauses on others still work when another clause picks the partition. Lineage
 * ({@code IDX#PARENT#…}) and feature-service items name their version and carry no copy, and an update writes only the
 * items it changes ({@link #change}), so registration, update and deletion each stay one transaction.
 */
public final class SearchIndex {
  static final int MAX_INDEXED = 20;
  static final String VERSIONS = "IDX#VERSIONS";
  static final String CREATED = "IDX#CREATED";
  static final String STAGE = "IDX#STAGE#";
  /** One item per version registered with a feature service ({@link ServingProperties#FEATURE_SERVICE}). */
  static final String FEATURE_SERVICE = "IDX#FEATURE-SERVICE#";
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private final DynamoDbClient dynamo;
  private final String table;
  private final Function<List<Map<String, AttributeValue>>, List<ModelVersion>> fetch;
  private final Runnable beforeCreatedOrder;
  private final Runnable beforeFeatureServices;

  SearchIndex(DynamoDbClient dynamo, String table,
      Function<List<Map<String, AttributeValue>>, List<ModelVersion>> fetch, Runnable beforeCreatedOrder) {
    this(dynamo, table, fetch, beforeCreatedOrder, () -> { });
  }

  SearchIndex(DynamoDbClient dynamo, String table,
      Function<List<Map<String, AttributeValue>>, List<ModelVersion>> fetch, Runnable beforeCreatedOrder,
      Runnable beforeFeatureServices) {
    this.dynamo = dynamo;
    this.table = table;
    this.fetch = fetch;
    this.beforeCreatedOrder = beforeCreatedOrder;
    this.beforeFeatureServices = beforeFeatureServices;
  }

  // --- index items ---

  /** The index items of a version, keyed by their (pk, sk). */
  static Map<String, Map<String, AttributeValue>> items(ModelVersion v) {
    Map<String, AttributeValue> copy = projection(v);
    String suffix = v.model() + "#" + String.format("%010d", v.version());
    Map<String, Map<String, AttributeValue>> items = new LinkedHashMap<>();
    add(items, VERSIONS, suffix, copy);
    add(items, CREATED, createdSortKey(v.createdAt(), suffix), copy);
    add(items, STAGE + v.governance().stage(), suffix, copy);
    if (v.framework() != null) {
      add(items, "IDX#FRAMEWORK#" + v.framework().id(), suffix, copy);
    }
    add(items, "IDX#STATUS#" + v.governance().status().name(), suffix, copy);
    new TreeMap<>(v.metadata().tags()).entrySet().stream().limit(MAX_INDEXED)
        .forEach(t -> add(items, "IDX#TAG#" + t.getKey() + "=" + t.getValue(), suffix, copy));
    new TreeMap<>(v.metadata().metrics()).entrySet().stream().limit(MAX_INDEXED)
        .forEach(m -> add(items, "IDX#METRIC#" + m.getKey(), sortable(m.getValue()) + "#" + suffix, copy));
    Map<String, AttributeValue> ref = reference(v);
    for (String parent : parents(v)) {
      add(items, "IDX#PARENT#" + parent, suffix, ref);
    }
    String service = v.metadata().properties().get(ServingProperties.FEATURE_SERVICE);
    if (service != null && !service.isBlank()) {
      add(items, FEATURE_SERVICE + service, suffix, ref);
    }
    return items;
  }

  /**
   * What a lineage or feature-service item holds: only which version it is. Those partitions are read whole and the
   * versions fetched ({@link #children}, {@link #usingFeatureService}), never filtered on copies, so an update that
   * changes a version's tags or metrics leaves them as they are instead of rewriting up to
   * {@value #MAX_INDEXED} + 1 more items in its transaction.
   */
  private static Map<String, AttributeValue> reference(ModelVersion v) {
    return Map.of("model", AttributeValue.fromS(v.model()),
        "version", AttributeValue.fromN(Integer.toString(v.version())));
  }

  /**
   * The writes that take a version's index from {@code before}'s items to {@code after}'s: a put for each item that
   * is new or whose copy changed, a delete for each that is gone. Unchanged items are not written, which is what keeps
   * an update within one transaction: at most 46 puts (5 fixed items, {@value #MAX_INDEXED} tags, {@value #MAX_INDEXED}
   * metrics, a feature service) and 43 deletes (a stage, a status, the tags, the metrics, a feature service; lineage
   * items never change), 92 writes with the version and two audit entries against DynamoDB's 100.
   */
  static IndexChange change(ModelVersion before, ModelVersion after) {
    Map<String, Map<String, AttributeValue>> old = items(before);
    Map<String, Map<String, AttributeValue>> now = items(after);
    List<Map<String, AttributeValue>> puts = new ArrayList<>();
    now.forEach((k, item) -> {
      if (!item.equals(old.get(k))) {
        puts.add(item);
      }
    });
    List<Map<String, AttributeValue>> deletes = old.keySet().stream().filter(k -> !now.containsKey(k))
        .map(SearchIndex::key).toList();
    return new IndexChange(puts, deletes);
  }

  /** The index items an update puts and the keys it deletes. */
  record IndexChange(List<Map<String, AttributeValue>> puts, List<Map<String, AttributeValue>> deletes) {}

  /** The versions a version's lineage names as parents, as {@code model#0000000007}. */
  static List<String> parents(ModelVersion v) {
    if (v.provenance().lineage() == null) {
      return List.of();
    }
    try {
      List<String> out = new ArrayList<>();
      for (var p : JSON.readTree(v.provenance().lineage()).path("parents")) {
        out.add(p.path("model").asText() + "#" + String.format("%010d", p.path("version").asInt()));
      }
      return out.stream().distinct().limit(MAX_INDEXED).toList();
    } catch (java.io.IOException e) {
      return List.of();
    }
  }

  /**
   * The newest version of {@code model} in each of {@code stages} that has one (MLflow's {@code latest_versions}),
   * in version order: one single-item query per stage, however many versions the model has.
   */
  public List<ModelVersion> latestInStages(String model, List<String> stages) {
    beforeCreatedOrder.run(); // the stage items are filled in with the creation order
    List<Map<String, AttributeValue>> refs = new ArrayList<>();
    for (String stage : stages) {
      QueryResponse r = dynamo.query(b -> b.tableName(table).keyConditionExpression("pk = :pk AND begins_with(sk, :m)")
          .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(STAGE + stage),
              ":m", AttributeValue.fromS(model + "#")))
          .scanIndexForward(false).limit(1));
      refs.addAll(r.items());
    }
    refs.sort(Comparator.comparing(i -> Integer.parseInt(i.get("version").n())));
    return fetch.apply(refs);
  }

  /** The versions whose lineage names {@code model} version {@code version} as a parent. */
  public List<ModelVersion> children(String model, int version) {
    Query q = new Query();
    q.pk = "IDX#PARENT#" + model + "#" + String.format("%010d", version);
    return fetch.apply(readAll(q));
  }

  /**
   * The versions registered with {@code featureService} as their feature service, by model name then version: one
   * query of that service's index partition, however many other versions the registry holds.
   */
  public List<ModelVersion> usingFeatureService(String featureService) {
    beforeFeatureServices.run(); // versions registered before this index existed get their items once
    Query q = new Query();
    q.pk = FEATURE_SERVICE + featureService;
    return fetch.apply(readAll(q));
  }

  private static void add(Map<String, Map<String, AttributeValue>> items, String pk, String sk,
      Map<String, AttributeValue> copy) {
    Map<String, AttributeValue> item = new HashMap<>(copy);
    item.put(PK, AttributeValue.fromS(pk));
    item.put(SK, AttributeValue.fromS(sk));
    items.put(pk + "\u0000" + sk, item);
  }

  static Map<String, AttributeValue> key(String pkAndSk) {
    int i = pkAndSk.indexOf('\u0000');
    return Map.of(PK, AttributeValue.fromS(pkAndSk.substring(0, i)), SK, AttributeValue.fromS(pkAndSk.substring(i + 1)));
  }

  static Map<String, AttributeValue> aliasItem(String model, String alias, int version) {
    return Map.of(PK, AttributeValue.fromS("IDX#ALIAS#" + alias), SK, AttributeValue.fromS(model),
        "model", AttributeValue.fromS(model), "version", AttributeValue.fromN(Integer.toString(version)));
  }

  static Map<String, AttributeValue> aliasKey(String model, String alias) {
    return Map.of(PK, AttributeValue.fromS("IDX#ALIAS#" + alias), SK, AttributeValue.fromS(model));
  }

  private static Map<String, AttributeValue> projection(ModelVersion v) {
    Map<String, AttributeValue> p = new HashMap<>();
    p.put("model", AttributeValue.fromS(v.model()));
    p.put("version", AttributeValue.fromN(Integer.toString(v.version())));
    if (v.framework() != null) {
      p.put("framework", AttributeValue.fromS(v.framework().id()));
    }
    p.put("reviewStatus", AttributeValue.fromS(v.governance().status().name()));
    p.put("stage", AttributeValue.fromS(v.governance().stage()));
    if (v.provenance().runId() != null) {
      p.put("runId", AttributeValue.fromS(v.provenance().runId()));
    }
    if (v.provenance().source() != null) {
      p.put("source", AttributeValue.fromS(v.provenance().source()));
    }
    p.put("createdAt", AttributeValue.fromS(v.createdAt().toString()));
    p.put("tags", stringMap(v.metadata().tags()));
    p.put("params", stringMap(v.metadata().params()));
    Map<String, AttributeValue> metrics = new HashMap<>();
    v.metadata().metrics().forEach((k, x) -> metrics.put(k, AttributeValue.fromN(Double.toString(x))));
    p.put("metrics", AttributeValue.fromM(metrics));
    return p;
  }

  private static AttributeValue stringMap(Map<String, String> m) {
    Map<String, AttributeValue> out = new HashMap<>();
    m.forEach((k, x) -> out.put(k, AttributeValue.fromS(x)));
    return AttributeValue.fromM(out);
  }

  /** The sort key in {@code IDX#CREATED}: creation time in epoch milliseconds (13 digits), then model and version. */
  static String createdSortKey(Instant createdAt, String suffix) {
    return String.format("%013d#%s", createdAt.toEpochMilli(), suffix);
  }

  /** A string whose lexicographic order is the numeric order of {@code v}. */
  static String sortable(double v) {
    long bits = Double.doubleToLongBits(v);
    bits = bits < 0 ? ~bits : bits | Long.MIN_VALUE;
    return String.format("%016x", bits);
  }

  // --- queries ---

  /** Which index partition a query reads, and how: for tests and the benchmark's report. */
  public record Plan(String partition, String keyCondition, boolean streams) {}

  /**
   * Versions matching {@code filter}, ordered by {@code orderBy} (e.g. {@code metrics.auc DESC}, {@code name},
   * {@code version_number DESC}, {@code creation_timestamp DESC}), one page at a time.
   */
  public Page<ModelVersion> search(SearchFilter filter, List<String> orderBy, String pageToken, int limit) {
    return search(filter, orderBy, pageToken, limit, model -> true);
  }

  /**
   * As {@link #search(SearchFilter, List, String, int)}, keeping only versions of models {@code visible} accepts
   * (the caller's read grant). Applied before paging, so a page is never short because of hidden models.
   */
  public Page<ModelVersion> search(SearchFilter filter, List<String> orderBy, String pageToken, int limit,
      java.util.function.Predicate<String> visible) {
    Query q = plan(filter, orderBy == null ? List.of() : orderBy);
    if (q.pk.equals(CREATED)) {
      beforeCreatedOrder.run();
    }
    java.util.function.Predicate<Map<String, AttributeValue>> keep =
        i -> visible.test(i.get("model").s()) && matches(i, filter);
    List<Map<String, AttributeValue>> hits = new ArrayList<>();
    String next = null;
    if (q.alias != null) {
      List<Map<String, AttributeValue>> keys = new ArrayList<>();
      for (Map<String, AttributeValue> i : readAll(q)) {
        keys.add(i);
      }
      for (ModelVersion v : fetch.apply(keys)) {
        hits.add(projection(v));
      }
      hits.removeIf(keep.negate());
      return sortAndPage(hits, q, pageToken, limit);
    }
    if (!q.streams) {
      for (Map<String, AttributeValue> i : readAll(q)) {
        if (keep.test(i)) {
          hits.add(i);
        }
      }
      return sortAndPage(hits, q, pageToken, limit);
    }
    Map<String, AttributeValue> start = pageToken == null ? null : decodeKey(pageToken);
    boolean more = false;
    while (hits.size() < limit) {
      QueryResponse r = dynamo.query(request(q, start, Math.max(100, limit * 2)));
      List<Map<String, AttributeValue>> items = r.items();
      for (int j = 0; j < items.size() && hits.size() < limit; j++) {
        if (keep.test(items.get(j))) {
          hits.add(items.get(j));
          more = j < items.size() - 1;
        }
      }
      start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
      if (start == null) {
        break;
      }
    }
    if (hits.size() == limit && (more || start != null)) {
      next = encodeKey(hits.get(hits.size() - 1));
    }
    return new Page<>(fetch.apply(hits), next);
  }

  /** The plan a filter gets; public for tests and the benchmark. */
  public Plan explain(SearchFilter filter, List<String> orderBy) {
    Query q = plan(filter, orderBy == null ? List.of() : orderBy);
    return new Plan(q.alias != null ? "IDX#ALIAS#" + q.alias : q.pk, q.condition, q.streams);
  }

  private List<Map<String, AttributeValue>> readAll(Query q) {
    List<Map<String, AttributeValue>> all = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      QueryResponse r = dynamo.query(request(q, start, 0));
      all.addAll(r.items());
      start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
    } while (start != null);
    return all;
  }

  private QueryRequest request(Query q, Map<String, AttributeValue> start, int limit) {
    Map<String, AttributeValue> values = new HashMap<>(q.values);
    values.put(":pk", AttributeValue.fromS(q.alias != null ? "IDX#ALIAS#" + q.alias : q.pk));
    QueryRequest.Builder b = QueryRequest.builder().tableName(table)
        .keyConditionExpression("pk = :pk" + (q.condition == null ? "" : " AND " + q.condition))
        .expressionAttributeValues(values)
        .scanIndexForward(!q.descending);
    if (!q.names.isEmpty()) {
      b.expressionAttributeNames(q.names);
    }
    if (q.filterExpression != null) {
      b.filterExpression(q.filterExpression);
    }
    if (start != null) {
      b.exclusiveStartKey(start);
    }
    if (limit > 0) {
      b.limit(limit);
    }
    return b.build();
  }

  private Page<ModelVersion> sortAndPage(List<Map<String, AttributeValue>> hits, Query q, String pageToken,
      int limit) {
    hits.sort(q.order);
    int offset = pageToken == null ? 0 : decodeOffset(pageToken);
    int end = Math.min(hits.size(), offset + limit);
    List<Map<String, AttributeValue>> page = offset >= hits.size() ? List.of() : hits.subList(offset, end);
    String next = end < hits.size() ? encode("o:" + end) : null;
    return new Page<>(fetch.apply(page), next);
  }

  private static final class Query {
    String pk = VERSIONS;
    String alias;
    String condition;
    boolean descending;
    boolean streams;
    String filterExpression;
    final Map<String, AttributeValue> values = new HashMap<>();
    final Map<String, String> names = new HashMap<>();
    Comparator<Map<String, AttributeValue>> order;
  }

  private static Query plan(SearchFilter filter, List<String> orderBy) {
    Query q = new Query();
    List<Clause> cs = filter.clauses();
    for (Clause c : cs) {
      attributeName(c); // 400 for attributes search does not know
    }
    Clause alias = first(cs, c -> c.entity() == Entity.ATTRIBUTE && attributeName(c).equals("alias")
        && c.op().equals("="));
    Clause name = first(cs, c -> c.entity() == Entity.ATTRIBUTE && attributeName(c).equals("name")
        && c.op().equals("="));
    Clause tag = first(cs, c -> c.entity() == Entity.TAG && c.op().equals("=") && c.value() instanceof String);
    Clause framework = first(cs, c -> c.entity() == Entity.ATTRIBUTE && attributeName(c).equals("framework")
        && c.op().equals("="));
    Clause status = first(cs, c -> c.entity() == Entity.ATTRIBUTE && attributeName(c).equals("status")
        && c.op().equals("="));
    Clause prefix = first(cs, c -> c.entity() == Entity.ATTRIBUTE && attributeName(c).equals("name")
        && c.op().equals("LIKE") && c.likePrefix() != null);
    Term only = orderBy.size() == 1 ? term(orderBy.get(0)) : null;
    String sortAttribute = only != null && only.entity == Entity.ATTRIBUTE ? only.key : null;
    String sortMetric = orderBy.size() == 1 && orderBy.get(0).trim().toLowerCase(Locale.ROOT).startsWith("metrics.")
        ? term(orderBy.get(0)).key : null;
    Clause metric = first(cs, c -> c.entity() == Entity.METRIC && !c.op().equals("!=")
        && (sortMetric == null || c.key().equals(sortMetric)));
    if (alias != null) {
      q.alias = (String) alias.value();
    } else if (name != null) {
      q.condition = "begins_with(sk, :prefix)";
      q.values.put(":prefix", AttributeValue.fromS(name.value() + "#"));
    } else if (prefix != null && sortMetric == null) {
      q.condition = "begins_with(sk, :prefix)";
      q.values.put(":prefix", AttributeValue.fromS(prefix.likePrefix()));
    } else if (metric != null && (tag == null || metric.key().equals(sortMetric))) {
      q.pk = "IDX#METRIC#" + metric.key();
      String enc = sortable((Double) metric.value());
      switch (metric.op()) {
        case ">" -> {
          q.condition = "sk > :bound";
          q.values.put(":bound", AttributeValue.fromS(enc + "$"));
        }
        case ">=" -> {
          q.condition = "sk >= :bound";
          q.values.put(":bound", AttributeValue.fromS(enc));
        }
        case "<" -> {
          q.condition = "sk < :bound";
          q.values.put(":bound", AttributeValue.fromS(enc));
        }
        case "<=" -> {
          q.condition = "sk < :bound";
          q.values.put(":bound", AttributeValue.fromS(enc + "$"));
        }
        default -> {
          q.condition = "begins_with(sk, :bound)";
          q.values.put(":bound", AttributeValue.fromS(enc + "#"));
        }
      }
    } else if (tag != null) {
      q.pk = "IDX#TAG#" + tag.key() + "=" + tag.value();
    } else if (sortMetric != null) {
      q.pk = "IDX#METRIC#" + sortMetric;
    } else if (framework != null) {
      q.pk = "IDX#FRAMEWORK#" + framework.value();
    } else if (status != null) {
      q.pk = "IDX#STATUS#" + status.value();
    } else if (prefix != null) {
      q.condition = "begins_with(sk, :prefix)";
      q.values.put(":prefix", AttributeValue.fromS(prefix.likePrefix()));
    } else if ("created".equals(sortAttribute)) {
      q.pk = CREATED;
    }
    // Server-side filters for tag equalities and metric comparisons: less to transfer, same answer.
    List<String> filters = new ArrayList<>();
    int n = 0;
    for (Clause c : cs) {
      if (c.entity() == Entity.TAG && c.op().equals("=") && c.value() instanceof String s) {
        q.names.put("#f" + n, c.key());
        q.values.put(":f" + n, AttributeValue.fromS(s));
        filters.add("#tags.#f" + n + " = :f" + n);
        q.names.put("#tags", "tags");
        n++;
      } else if (c.entity() == Entity.METRIC && !c.op().equals("!=") && c.value() instanceof Double d) {
        q.names.put("#f" + n, c.key());
        q.values.put(":f" + n, AttributeValue.fromN(Double.toString(d)));
        filters.add("#metrics.#f" + n + " " + c.op() + " :f" + n);
        q.names.put("#metrics", "metrics");
        n++;
      }
    }
    if (!filters.isEmpty() && q.alias == null) {
      q.filterExpression = String.join(" AND ", filters);
    }
    q.order = comparator(orderBy);
    if (orderBy.isEmpty()) {
      q.streams = q.alias == null;
    } else if (sortMetric != null && q.pk.equals("IDX#METRIC#" + sortMetric)) {
      q.streams = true;
      q.descending = only.descending;
    } else if (q.alias == null && (q.pk.equals(CREATED) // the partitions already in the order asked:
        || q.pk.equals(VERSIONS) && "name".equals(sortAttribute) // by model name, then version
        || q.pk.equals(VERSIONS) && name != null && ("version".equals(sortAttribute) // one model's versions by
            || "created".equals(sortAttribute)))) { // number, which is their order of creation
      q.streams = true;
      q.descending = only.descending;
    }
    return q;
  }

  private static Clause first(List<Clause> cs, java.util.function.Predicate<Clause> p) {
    return cs.stream().filter(p).findFirst().orElse(null);
  }

  /** The canonical attribute name a clause or sort term uses; 400 for one search does not know. */
  private static String attributeName(Clause c) {
    return switch (c.entity()) {
      case METRIC, PARAM, TAG -> c.key();
      case ATTRIBUTE -> attribute(c.key());
    };
  }

  private static String attribute(String key) {
    return switch (key.toLowerCase(Locale.ROOT)) {
      case "name", "model" -> "name";
      case "version", "version_number" -> "version";
      case "framework" -> "framework";
      case "status", "review_status" -> "status";
      case "stage", "current_stage" -> "stage";
      case "alias" -> "alias";
      case "run_id" -> "run_id";
      case "source", "source_path" -> "source";
      case "creation_timestamp", "created_at", "creation_time" -> "created";
      default -> throw PierException.badRequest("cannot search by '" + key + "': use name, version_number, framework,"
          + " status, current_stage, alias, run_id, source, creation_timestamp, tags.<k>, metrics.<k>, params.<k>");
    };
  }

  private static boolean matches(Map<String, AttributeValue> item, SearchFilter filter) {
    for (Clause c : filter.clauses()) {
      if (c.entity() == Entity.ATTRIBUTE && attribute(c.key()).equals("alias")) {
        continue; // only the alias path takes alias clauses, and it reads exactly the alias's versions
      }
      if (!c.matches(value(item, c.entity(), c.key()))) {
        return false;
      }
    }
    return true;
  }

  private static Object value(Map<String, AttributeValue> item, Entity entity, String key) {
    return switch (entity) {
      case METRIC -> mapValue(item, "metrics", key, true);
      case TAG -> mapValue(item, "tags", key, false);
      case PARAM -> mapValue(item, "params", key, false);
      case ATTRIBUTE -> switch (attribute(key)) {
        case "name" -> str(item, "model");
        case "version" -> item.containsKey("version") ? Double.valueOf(item.get("version").n()) : null;
        case "framework" -> str(item, "framework");
        case "status" -> str(item, "reviewStatus");
        case "stage" -> str(item, "stage");
        case "run_id" -> str(item, "runId");
        case "source" -> str(item, "source");
        case "created" -> item.containsKey("createdAt")
            ? (double) Instant.parse(item.get("createdAt").s()).toEpochMilli() : null;
        default -> null;
      };
    };
  }

  private static Object mapValue(Map<String, AttributeValue> item, String map, String key, boolean number) {
    AttributeValue m = item.get(map);
    if (m == null || !m.hasM() || !m.m().containsKey(key)) {
      return null;
    }
    return number ? Double.valueOf(m.m().get(key).n()) : m.m().get(key).s();
  }

  private static String str(Map<String, AttributeValue> item, String attr) {
    return item.containsKey(attr) ? item.get(attr).s() : null;
  }

  private record Term(Entity entity, String key, boolean descending) {}

  private static Term term(String orderBy) {
    String[] parts = orderBy.trim().split("\\s+");
    boolean desc = parts.length > 1 && parts[1].equalsIgnoreCase("DESC");
    if (parts.length > 2 || (parts.length == 2 && !desc && !parts[1].equalsIgnoreCase("ASC"))) {
      throw PierException.badRequest("invalid order_by '" + orderBy + "': use '<field> [ASC|DESC]'");
    }
    String f = parts[0];
    int dot = f.indexOf('.');
    if (dot > 0) {
      String entity = f.substring(0, dot).toLowerCase(Locale.ROOT);
      String key = f.substring(dot + 1).replace("`", "");
      return switch (entity) {
        case "metric", "metrics" -> new Term(Entity.METRIC, key, desc);
        case "tag", "tags" -> new Term(Entity.TAG, key, desc);
        case "param", "params" -> new Term(Entity.PARAM, key, desc);
        case "attribute", "attributes" -> new Term(Entity.ATTRIBUTE, attribute(key), desc);
        default -> throw PierException.badRequest("invalid order_by '" + orderBy + "'");
      };
    }
    return new Term(Entity.ATTRIBUTE, attribute(f), desc);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Comparator<Map<String, AttributeValue>> comparator(List<String> orderBy) {
    Comparator<Map<String, AttributeValue>> c = (a, b) -> 0;
    for (String o : orderBy) {
      Term t = term(o);
      Comparator<Map<String, AttributeValue>> one = (a, b) -> {
        Comparable x = (Comparable) value(a, t.entity, t.key);
        Comparable y = (Comparable) value(b, t.entity, t.key);
        if (x == null || y == null) {
          return x == null ? (y == null ? 0 : 1) : -1; // missing values last, whichever the direction
        }
        return t.descending ? y.compareTo(x) : x.compareTo(y);
      };
      c = c.thenComparing(one);
    }
    return c.thenComparing((Map<String, AttributeValue> a) -> str(a, "model"))
        .thenComparing(a -> Integer.parseInt(a.get("version").n()));
  }

  private static String encodeKey(Map<String, AttributeValue> item) {
    return encode("k:" + item.get(PK).s() + "\u0000" + item.get(SK).s());
  }

  private static Map<String, AttributeValue> decodeKey(String token) {
    String t = decode(token);
    if (!t.startsWith("k:") || t.indexOf('\u0000') < 0) {
      throw PierException.badRequest("invalid page_token");
    }
    return key(t.substring(2));
  }

  private static int decodeOffset(String token) {
    String t = decode(token);
    try {
      if (t.startsWith("o:")) {
        return Integer.parseInt(t.substring(2));
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw PierException.badRequest("invalid page_token");
  }

  private static String encode(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String token) {
    try {
      return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw PierException.badRequest("invalid page_token");
    }
  }
}
