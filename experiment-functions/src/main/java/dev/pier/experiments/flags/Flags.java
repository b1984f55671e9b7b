package dev.pier.experiments.flags;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.pier.kernel.PierException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The flags service behind {@code /api/v1/flags}, stored in the experiments table
 * ({@code pk = FLAG#<key>, sk = FLAG}, listed through {@code gsi1pk = FLAGS}; exposures as batches under
 * {@code pk = FLAG#<key>#LOG}; its audit history under {@code pk = FLAG#<key>, sk = AUDIT#<revision>}, written in the
 * same transaction as each change). Creating is conditional on the key being free, updating on the revision read.
 */
public final class Flags implements FlagControl {

  private static final ObjectMapper JSON = new ObjectMapper();
  public static final int MAX_ITEMS = 1_000;

  private final DynamoDbClient dynamo;
  private final String table;
  private final Clock clock;

  private final dev.pier.experiments.assignment.ExperimentAssigner experiments;

  /** Flags without experiments on them (evaluations serve the flag's own answer and log nothing). */
  public Flags(DynamoDbClient dynamo, String table, Clock clock) {
    this(dynamo, table, clock, null);
  }

  /**
   * @param experiments the running experiments' snapshot: an evaluation of a flag with a running experiment on it
   *     serves the unit's arm's variant and logs the unit's exposure through it (may be null: none)
   */
  public Flags(DynamoDbClient dynamo, String table, Clock clock,
      dev.pier.experiments.assignment.ExperimentAssigner experiments) {
    this.dynamo = dynamo;
    this.table = table;
    this.clock = clock;
    this.experiments = experiments;
  }

  public Flag create(JsonNode body) {
    Flag flag = FlagParser.parse(body, UUID.randomUUID().toString().replace("-", ""), 1);
    try {
      dynamo.putItem(b -> b.tableName(table).item(item(flag)).conditionExpression("attribute_not_exists(pk)"));
    } catch (ConditionalCheckFailedException e) {
      throw PierException.conflict("flag '" + flag.key() + "' already exists; PUT /api/v1/flags/" + flag.key()
          + " changes it");
    }
    return flag;
  }

  /**
   * Replaces a flag's definition, keeping its seed (units keep their rollout variants). With {@code revision} in the
   * body the change applies only to that revision (409 otherwise); without, to the revision just read.
   */
  public Flag update(String key, JsonNode body) {
    return update(key, body, null);
  }

  /** As {@link #update(String, JsonNode)}, recording {@code actor} (a caller's principal, may be null) as who did it. */
  public Flag update(String key, JsonNode body, String actor) {
    Flag current = get(key);
    if (body != null && body.isObject() && !body.path("key").asText(key).equals(key)) {
      throw PierException.badRequest("key: '" + body.path("key").asText() + "' differs from the path's '" + key + "'");
    }
    long expected = body != null && body.has("revision") ? body.get("revision").asLong() : current.revision();
    if (body != null && body.isObject()) ((com.fasterxml.jackson.databind.node.ObjectNode) body).put("key", key);
    Flag next = FlagParser.parse(body, current.seed(), expected + 1);
    write(next, expected, new FlagChange(key, next.revision(), clock.instant().toString(), actor, "flag.updated",
        describe(current.fallthrough()), describe(next.fallthrough()), null));
    return next;
  }

  @Override
  public Flag serveByDefault(String key, String variant, String actor, String reason) {
    Flag current = get(key);
    if (!current.variants().containsKey(variant)) {
      throw PierException.badRequest("variant: flag '" + key + "' has no variant '" + variant + "' (it has "
          + current.variants().keySet() + ")");
    }
    Serve serve = new Serve(variant, null);
    if (serve.equals(current.fallthrough())) return current;
    Flag next = new Flag(current.key(), current.description(), current.type(), current.enabled(), current.variants(),
        current.rules(), serve, current.offVariant(), current.seed(), current.revision() + 1);
    write(next, current.revision(), new FlagChange(key, next.revision(), clock.instant().toString(), actor,
        "default.set", describe(current.fallthrough()), describe(serve), reason));
    return next;
  }

  /** The flag's audit history, newest first (a 404 for an unknown flag). */
  public List<FlagChange> history(String key) {
    get(key);
    List<FlagChange> out = new ArrayList<>();
    for (QueryResponse page : dynamo.queryPaginator(b -> b.tableName(table).scanIndexForward(false)
        .keyConditionExpression("pk = :pk and begins_with(sk, :a)").expressionAttributeValues(Map.of(
            ":pk", AttributeValue.fromS("FLAG#" + key), ":a", AttributeValue.fromS("AUDIT#"))))) {
      for (var item : page.items()) {
        out.add(new FlagChange(key, Long.parseLong(item.get("revision").n()), item.get("at").s(), text(item, "actor"),
            item.get("action").s(), text(item, "from"), text(item, "to"), text(item, "reason")));
      }
    }
    return out;
  }

  /** The flag at its next revision, on condition it is still at {@code expected}, and its audit entry, in one write. */
  private void write(Flag next, long expected, FlagChange change) {
    Map<String, AttributeValue> audit = new HashMap<>();
    audit.put("pk", AttributeValue.fromS("FLAG#" + next.key()));
    audit.put("sk", AttributeValue.fromS(String.format("AUDIT#%019d", next.revision())));
    audit.put("revision", AttributeValue.fromN(Long.toString(next.revision())));
    audit.put("at", AttributeValue.fromS(change.at()));
    audit.put("action", AttributeValue.fromS(change.action()));
    if (change.actor() != null) audit.put("actor", AttributeValue.fromS(change.actor()));
    if (change.from() != null) audit.put("from", AttributeValue.fromS(change.from()));
    if (change.to() != null) audit.put("to", AttributeValue.fromS(change.to()));
    if (change.reason() != null) audit.put("reason", AttributeValue.fromS(change.reason()));
    try {
      dynamo.transactWriteItems(b -> b.transactItems(
          t -> t.put(p -> p.tableName(table).item(item(next)).conditionExpression("revision = :rev")
              .expressionAttributeValues(Map.of(":rev", AttributeValue.fromN(Long.toString(expected))))),
          t -> t.put(p -> p.tableName(table).item(audit))));
    } catch (software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException e) {
      throw PierException.conflict("flag '" + next.key() + "' is not at revision " + expected
          + "; read it again and retry");
    }
  }

  /** A default as the audit history shows it: {@code variant:<name>} or {@code rollout}. */
  private static String describe(Serve serve) {
    if (serve == null) return null;
    return serve.variant() != null ? "variant:" + serve.variant() : "rollout";
  }

  private static String text(Map<String, AttributeValue> item, String name) {
    AttributeValue v = item.get(name);
    return v == null ? null : v.s();
  }

  public Flag get(String key) {
    var item = dynamo.getItem(b -> b.tableName(table).key(key(key)).consistentRead(true)).item();
    if (item == null || item.isEmpty()) throw PierException.notFound("flag '" + key + "' not found");
    return flag(item);
  }

  /** Every flag, by key. */
  public List<Flag> list() {
    List<Flag> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse page = dynamo.query(b -> b.tableName(table).indexName("gsi1")
          .keyConditionExpression("gsi1pk = :f").expressionAttributeValues(Map.of(":f", AttributeValue.fromS("FLAGS")))
          .exclusiveStartKey(from));
      for (var item : page.items()) out.add(flag(item));
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return out;
  }

  /**
   * Every flag, the experiments running on flags, and a tag of both (changes when any flag is created or changed, or
   * a flag experiment starts or stops): the providers' feed.
   */
  public record Listing(List<Flag> flags, dev.pier.experiments.assignment.FlagExperiments experiments, String etag) {}

  public Listing listing() {
    List<Flag> all = list();
    var running = experiments == null ? dev.pier.experiments.assignment.FlagExperiments.NONE
        : experiments.flagExperiments();
    StringBuilder version = new StringBuilder();
    for (Flag f : all) version.append(f.key()).append('@').append(f.revision()).append(',');
    if (!running.isEmpty()) version.append(running.toJson());
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
          .digest(version.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return new Listing(all, running, java.util.HexFormat.of().formatHex(digest, 0, 12));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /**
   * {@code {"targeting_key": "u1", "attributes": {"country": "NL"}}} → the flag's answer. When an experiment runs on the
   * flag and takes the unit, the answer is the unit's arm's variant ({@code SPLIT}, {@code experiment} names it) and
   * the unit's first exposure is logged to the experiment, as a routed prediction's is.
   */
  public Evaluation evaluate(String key, JsonNode body) {
    Flag flag = get(key);
    String targetingKey = body == null ? null : body.path("targeting_key").asText(null);
    Map<String, JsonNode> attributes = new HashMap<>();
    JsonNode attrs = body == null ? null : body.get("attributes");
    if (attrs != null && !attrs.isNull()) {
      if (!attrs.isObject()) throw PierException.badRequest("attributes: must be an object");
      for (Iterator<Map.Entry<String, JsonNode>> it = attrs.fields(); it.hasNext(); ) {
        var e = it.next();
        attributes.put(e.getKey(), e.getValue());
      }
    }
    Evaluation answer = FlagEvaluator.evaluate(flag, targetingKey, attributes);
    if (experiments == null) return answer;
    return dev.pier.experiments.assignment.FlagExperiments.served(flag,
        experiments.assignFlag(flag, targetingKey, attributes, clock.millis()), answer);
  }

  /** {@code {"items": [{"flag", "variant", "unit", "timestamp"}]}}: stored per flag; unknown flags or variants are 400. */
  /** What an exposures request stored: how many items, for which flags. */
  @com.fasterxml.jackson.databind.annotation.JsonNaming(
      com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Reported(int accepted, List<String> flags) {}

  public Reported exposures(JsonNode body) {
    if (body == null || !body.path("items").isArray() || body.get("items").isEmpty()) {
      throw PierException.badRequest("items: required, a non-empty list");
    }
    JsonNode items = body.get("items");
    if (items.size() > MAX_ITEMS) throw PierException.badRequest("items: at most " + MAX_ITEMS + " per request");
    Map<String, Flag> flags = new HashMap<>();
    for (Flag f : list()) flags.put(f.key(), f);
    List<String> problems = new ArrayList<>();
    Map<String, ArrayNode> perFlag = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i++) {
      JsonNode it = items.get(i);
      String key = it.path("flag").asText(null), variant = it.path("variant").asText(null);
      String unit = it.path("unit").asText(null);
      Flag flag = key == null ? null : flags.get(key);
      if (flag == null) problems.add("items[" + i + "].flag: unknown flag '" + key + "'");
      else if (variant == null || !flag.variants().containsKey(variant)) {
        problems.add("items[" + i + "].variant: flag '" + key + "' has no variant '" + variant + "'");
      }
      if (unit == null) problems.add("items[" + i + "].unit: required");
      Long at = null;
      JsonNode ts = it.get("timestamp");
      try {
        at = ts == null ? null : ts.isIntegralNumber() ? ts.asLong() : Instant.parse(ts.asText()).toEpochMilli();
      } catch (DateTimeParseException e) {
        // reported below
      }
      if (at == null) problems.add("items[" + i + "].timestamp: required, an ISO-8601 instant or epoch milliseconds");
      if (problems.isEmpty()) {
        perFlag.computeIfAbsent(key, k -> JsonNodeFactory.instance.arrayNode())
            .add(JsonNodeFactory.instance.arrayNode().add(unit).add(variant).add(at));
      }
    }
    if (!problems.isEmpty()) {
      throw PierException.badRequest("invalid flag exposures: "
          + String.join("; ", problems.subList(0, Math.min(10, problems.size())))
          + (problems.size() > 10 ? "; and " + (problems.size() - 10) + " more" : ""));
    }
    Instant now = clock.instant();
    perFlag.forEach((key, rows) -> {
      String sk = String.format("%013d#%s", now.toEpochMilli(), UUID.randomUUID());
      dynamo.putItem(b -> b.tableName(table).item(Map.of("pk", AttributeValue.fromS("FLAG#" + key + "#LOG"),
          "sk", AttributeValue.fromS(sk), "items", AttributeValue.fromS(rows.toString()))));
    });
    return new Reported(items.size(), List.copyOf(perFlag.keySet()));
  }

  private Map<String, AttributeValue> item(Flag flag) {
    Map<String, AttributeValue> item = new HashMap<>(key(flag.key()));
    item.put("gsi1pk", AttributeValue.fromS("FLAGS"));
    item.put("gsi1sk", AttributeValue.fromS(flag.key()));
    item.put("revision", AttributeValue.fromN(Long.toString(flag.revision())));
    item.put("flag", AttributeValue.fromS(FlagJson.write(flag).toString()));
    return item;
  }

  private static Flag flag(Map<String, AttributeValue> item) {
    try {
      return FlagJson.read(JSON.readTree(item.get("flag").s()));
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable flag " + item.get("pk").s(), e);
    }
  }

  private static Map<String, AttributeValue> key(String key) {
    return Map.of("pk", AttributeValue.fromS("FLAG#" + key), "sk", AttributeValue.fromS("FLAG"));
  }
}
