package dev.pier.registry;

import static dev.pier.registry.RegistryTable.GSI1;
import static dev.pier.registry.RegistryTable.GSI1_PK;
import static dev.pier.registry.RegistryTable.GSI1_SK;
import static dev.pier.registry.RegistryTable.PK;
import static dev.pier.registry.RegistryTable.SK;
import static dev.pier.registry.RegistryTable.TTL;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.SignatureJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * The model registry's control plane: registers versions, moves aliases and answers lookups, straight from
 * DynamoDB (strongly consistent reads). The serving path reads through {@link ModelResolver} instead, which caches.
 *
 * <p>Every write is conditional: version numbers are allocated by a transaction that advances the model's
 * counter only from the value it read, so concurrent registrations get distinct, gap-free numbers; a retried
 * registration with the same Idempotency-Key returns the version the first one created.
 *
 * <p>Thread-safe.
 */
public final class ModelRegistry {
  private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern ALIAS_NAME = Pattern.compile("[a-z][a-z0-9_-]{0,62}");
  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,128}");
  private static final Duration IDEMPOTENCY_TTL = Duration.ofHours(24);
  private static final int MAX_ATTEMPTS = 50;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final DynamoDbClient dynamo;
  private final String table;
  private final ArtifactStore artifacts;
  private final List<RegistryListener> listeners = new CopyOnWriteArrayList<>();

  public ModelRegistry(DynamoDbClient dynamo, String table, ArtifactStore artifacts) {
    this.dynamo = dynamo;
    this.table = table;
    this.artifacts = artifacts;
  }

  public ArtifactStore artifacts() {
    return artifacts;
  }

  public void addListener(RegistryListener listener) {
    listeners.add(listener);
  }

  /**
   * Registers a new version of {@code model} (creating the model on its first version) from a local artifact file.
   * Every call creates a new version, identical bytes included, except a retry carrying the same
   * {@code idempotencyKey}, which returns the version the first call created. The artifact is stored before
   * the version is written, so a version never points at a missing artifact.
   *
   * @param idempotencyKey null for none
   * @throws PierException 400 for an invalid name or key, 422 when the key was used for a different request
   */
  public ModelVersion register(String model, NewVersion request, Path artifact, String idempotencyKey) {
    checkModelName(model);
    if (request.framework() == null) {
      throw PierException.badRequest("metadata.framework is required: one of " + Framework.ids());
    }
    if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
      throw PierException.badRequest("Idempotency-Key must be 1-128 visible ASCII characters");
    }
    String artifactSha;
    try {
      artifactSha = ArtifactStore.sha256(artifact);
    } catch (IOException e) {
      throw new PierException(500, "could not read the uploaded artifact: " + e.getMessage(), e);
    }
    String requestHash = idempotencyKey == null ? null : requestHash(artifactSha, request);
    if (idempotencyKey != null) {
      ModelVersion earlier = replay(model, idempotencyKey, requestHash);
      if (earlier != null) {
        return earlier;
      }
    }
    ArtifactStore.StoredArtifact stored = artifacts.put(artifact);

    for (int attempt = 1; ; attempt++) {
      Map<String, AttributeValue> current = get(modelKey(model));
      int previous = current == null ? 0 : Integer.parseInt(current.get("latestVersion").n());
      int next = previous + 1;
      Instant now = Instant.now();
      ModelVersion version = new ModelVersion(model, next, request.framework(), stored.sha256(),
          stored.sizeBytes(), stored.key(), request.signature(), request.description(), request.tags(),
          request.metrics(), request.batching(), request.placement(), request.responseCache(), request.explain(),
          now);

      List<TransactWriteItem> writes = new ArrayList<>(3);
      if (current == null) {
        Map<String, AttributeValue> item = new HashMap<>(modelKey(model));
        item.put("name", s(model));
        item.put("latestVersion", n(next));
        item.put("createdAt", s(now.toString()));
        item.put("updatedAt", s(now.toString()));
        item.put(GSI1_PK, s("MODEL"));
        item.put(GSI1_SK, s(model));
        writes.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(item)
            .conditionExpression("attribute_not_exists(pk)")).build());
      } else {
        writes.add(TransactWriteItem.builder().update(u -> u.tableName(table).key(modelKey(model))
            .updateExpression("SET latestVersion = :next, updatedAt = :now")
            .conditionExpression("latestVersion = :previous")
            .expressionAttributeValues(Map.of(":next", n(next), ":previous", n(previous),
                ":now", s(now.toString())))).build());
      }
      writes.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(versionItem(version))
          .conditionExpression("attribute_not_exists(pk)")).build());
      if (idempotencyKey != null) {
        Map<String, AttributeValue> item = new HashMap<>(idempotencyKey(model, idempotencyKey));
        item.put("version", n(next));
        item.put("requestHash", s(requestHash));
        item.put(TTL, n(now.plus(IDEMPOTENCY_TTL).getEpochSecond()));
        writes.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(item)
            .conditionExpression("attribute_not_exists(pk)")).build());
      }
      try {
        dynamo.transactWriteItems(b -> b.transactItems(writes));
        listeners.forEach(l -> l.versionCreated(version));
        return version;
      } catch (TransactionCanceledException e) {
        if (idempotencyKey != null && failedCondition(e, writes.size() - 1)) {
          ModelVersion earlier = replay(model, idempotencyKey, requestHash);
          if (earlier != null) {
            return earlier;
          }
        }
        if (attempt >= MAX_ATTEMPTS) {
          throw PierException.unavailable("too many concurrent registrations of model '" + model
              + "'; retry", e);
        }
        backoff(attempt); // another registration took the number we read: read again and retry
      }
    }
  }

  private ModelVersion replay(String model, String idempotencyKey, String requestHash) {
    Map<String, AttributeValue> item = get(idempotencyKey(model, idempotencyKey));
    if (item == null) {
      return null;
    }
    if (!item.get("requestHash").s().equals(requestHash)) {
      throw PierException.unprocessable("Idempotency-Key '" + idempotencyKey
          + "' was already used for a different registration of model '" + model + "'");
    }
    return version(model, Integer.parseInt(item.get("version").n()));
  }

  private static boolean failedCondition(TransactionCanceledException e, int index) {
    List<CancellationReason> reasons = e.cancellationReasons();
    return reasons != null && reasons.size() > index
        && "ConditionalCheckFailed".equals(reasons.get(index).code());
  }

  private static void backoff(int attempt) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(1, 1 + Math.min(50, 2L * attempt)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw PierException.unavailable("interrupted while registering", e);
    }
  }

  /** Points {@code alias} at an existing version; moving it to where it already points changes nothing. */
  public Alias setAlias(String model, String alias, int version) {
    return setAlias(model, alias, new Alias.Target(version, null));
  }

  /**
   * Points {@code alias} at a target (a version, optionally with a canary); both versions must exist. The change
   * and its history entry are written in one transaction, conditional on the revision read, so concurrent moves
   * are serialized and none is lost. Setting the target it already has changes nothing.
   */
  public Alias setAlias(String model, String alias, Alias.Target target) {
    checkModelName(model);
    checkAliasName(alias);
    if (target.version() < 1) {
      throw PierException.badRequest("version must be a positive integer, got " + target.version());
    }
    if (target.canary() != null && target.canary().version() == target.version()) {
      throw PierException.badRequest("canary.version must differ from version " + target.version());
    }
    for (int attempt = 1; ; attempt++) {
      Map<String, AttributeValue> current = get(aliasKey(model, alias));
      Alias before = current == null ? null : toAlias(model, current);
      if (before != null && before.target().equals(target)) {
        return before;
      }
      try {
        return writeAlias(model, alias, before, target, "set");
      } catch (TransactionCanceledException e) {
        if (failedCondition(e, 0)) {
          model(model); // 404 for the model itself when it does not exist
          throw PierException.notFound("model '" + model + "' has no version " + target.version());
        }
        if (target.canary() != null && failedCondition(e, 1)) {
          throw PierException.notFound("model '" + model + "' has no version " + target.canary().version()
              + " (canary)");
        }
        if (attempt >= MAX_ATTEMPTS) {
          throw PierException.unavailable("too many concurrent changes of alias '" + alias + "'; retry", e);
        }
        backoff(attempt);
      }
    }
  }

  /**
   * Returns the alias to the target it had before its last change (a rollback is itself a change, so rolling back
   * twice restores the rolled-back target). 409 when the alias has never changed.
   */
  public Alias rollbackAlias(String model, String alias) {
    for (int attempt = 1; ; attempt++) {
      Alias before = alias(model, alias);
      AliasChange last = history(model, alias, 1).get(0);
      if (last.from() == null) {
        throw PierException.conflict("alias '" + alias + "' of model '" + model
            + "' has no previous target to roll back to");
      }
      try {
        return writeAlias(model, alias, before, last.from(), "rollback");
      } catch (TransactionCanceledException e) {
        if (attempt >= MAX_ATTEMPTS) {
          throw PierException.unavailable("too many concurrent changes of alias '" + alias + "'; retry", e);
        }
        backoff(attempt);
      }
    }
  }

  private Alias writeAlias(String model, String alias, Alias before, Alias.Target target, String reason) {
    Instant now = Instant.now();
    long revision = before == null ? 1 : before.revision() + 1;
    Map<String, AttributeValue> item = new HashMap<>(aliasKey(model, alias));
    item.put("alias", s(alias));
    putTarget(item, "", target);
    item.put("revision", n(revision));
    item.put("updatedAt", s(now.toString()));
    Map<String, AttributeValue> change = new HashMap<>(Map.of(PK, s("MODEL#" + model),
        SK, s(String.format("ALIASLOG#%s#%010d", alias, revision))));
    change.put("alias", s(alias));
    change.put("revision", n(revision));
    if (before != null) {
      putTarget(change, "from", before.target());
    }
    putTarget(change, "to", target);
    change.put("reason", s(reason));
    change.put("at", s(now.toString()));

    List<TransactWriteItem> writes = new ArrayList<>(4);
    writes.add(TransactWriteItem.builder().conditionCheck(c -> c.tableName(table)
        .key(versionKey(model, target.version())).conditionExpression("attribute_exists(pk)")).build());
    if (target.canary() != null) {
      writes.add(TransactWriteItem.builder().conditionCheck(c -> c.tableName(table)
          .key(versionKey(model, target.canary().version())).conditionExpression("attribute_exists(pk)")).build());
    }
    writes.add(TransactWriteItem.builder().put(p -> {
      p.tableName(table).item(item);
      if (before == null) {
        p.conditionExpression("attribute_not_exists(pk)");
      } else {
        p.conditionExpression("revision = :r").expressionAttributeValues(Map.of(":r", n(before.revision())));
      }
    }).build());
    writes.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(change)
        .conditionExpression("attribute_not_exists(pk)")).build());
    dynamo.transactWriteItems(b -> b.transactItems(writes));
    Alias moved = new Alias(model, alias, target.version(), target.canary(), revision, now);
    listeners.forEach(l -> l.aliasMoved(moved));
    return moved;
  }

  /** The alias's changes, newest first. */
  public List<AliasChange> history(String model, String alias, int limit) {
    checkModelName(model);
    checkAliasName(alias);
    QueryResponse r = dynamo.query(b -> b.tableName(table).consistentRead(true).scanIndexForward(false).limit(limit)
        .keyConditionExpression("pk = :pk AND begins_with(sk, :prefix)")
        .expressionAttributeValues(Map.of(":pk", s("MODEL#" + model), ":prefix", s("ALIASLOG#" + alias + "#"))));
    if (r.items().isEmpty()) {
      alias(model, alias); // 404 naming the model or the alias
    }
    return r.items().stream().map(i -> new AliasChange(model, alias, Long.parseLong(i.get("revision").n()),
        i.containsKey("fromVersion") ? target(i, "from") : null, target(i, "to"), i.get("reason").s(),
        Instant.parse(i.get("at").s()))).toList();
  }

  /** Attribute names of a target: version, canaryVersion, canaryWeight, or fromVersion, fromCanaryVersion, ... */
  private static String attr(String prefix, String name) {
    return prefix.isEmpty() ? name : prefix + Character.toUpperCase(name.charAt(0)) + name.substring(1);
  }

  private static void putTarget(Map<String, AttributeValue> item, String prefix, Alias.Target t) {
    item.put(attr(prefix, "version"), n(t.version()));
    if (t.canary() != null) {
      item.put(attr(prefix, "canaryVersion"), n(t.canary().version()));
      item.put(attr(prefix, "canaryWeight"), AttributeValue.fromN(Double.toString(t.canary().weight())));
    }
  }

  private static Alias.Target target(Map<String, AttributeValue> item, String prefix) {
    Canary canary = item.containsKey(attr(prefix, "canaryVersion"))
        ? new Canary(Integer.parseInt(item.get(attr(prefix, "canaryVersion")).n()),
            Double.parseDouble(item.get(attr(prefix, "canaryWeight")).n()))
        : null;
    return new Alias.Target(Integer.parseInt(item.get(attr(prefix, "version")).n()), canary);
  }

  public Alias alias(String model, String alias) {
    checkModelName(model);
    checkAliasName(alias);
    Map<String, AttributeValue> item = get(aliasKey(model, alias));
    if (item == null) {
      model(model);
      throw PierException.notFound("model '" + model + "' has no alias '" + alias + "'");
    }
    return toAlias(model, item);
  }

  public List<Alias> aliases(String model) {
    List<Alias> aliases = new ArrayList<>();
    for (Map<String, AttributeValue> item : queryPartition(model, "ALIAS#")) {
      aliases.add(toAlias(model, item));
    }
    return aliases;
  }

  public RegisteredModel model(String model) {
    checkModelName(model);
    Map<String, AttributeValue> item = get(modelKey(model));
    if (item == null) {
      throw PierException.notFound("model '" + model + "' not found");
    }
    return toModel(item);
  }

  public ModelVersion version(String model, int version) {
    checkModelName(model);
    Map<String, AttributeValue> item = version < 1 ? null : get(versionKey(model, version));
    if (item == null) {
      model(model);
      throw PierException.notFound("model '" + model + "' has no version " + version);
    }
    return toVersion(item);
  }

  /**
   * Resolves a version reference as the inference API takes it: a version number, an alias name, or null for
   * the alias {@code production}.
   */
  public ModelVersion resolve(String model, String reference) {
    String ref = reference == null ? "production" : reference;
    Integer number = versionNumber(ref);
    return number != null ? version(model, number) : version(model, alias(model, ref).version());
  }

  /**
   * A reference made only of digits is a version number; anything else names an alias. Numbers too large for an
   * int map to {@link Integer#MAX_VALUE}, which no model reaches, so they read as "no such version".
   */
  public static Integer versionNumber(String reference) {
    if (reference.isEmpty() || !reference.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return null;
    }
    try {
      return Integer.valueOf(reference);
    } catch (NumberFormatException e) {
      return Integer.MAX_VALUE;
    }
  }

  public Page<ModelVersion> versions(String model, String pageToken, int limit) {
    model(model);
    QueryResponse r = dynamo.query(b -> {
      b.tableName(table).consistentRead(true).limit(limit)
          .keyConditionExpression("pk = :pk AND begins_with(sk, :prefix)")
          .expressionAttributeValues(Map.of(":pk", s("MODEL#" + model), ":prefix", s("VERSION#")));
      if (pageToken != null) {
        b.exclusiveStartKey(versionKey(model, decodeVersionToken(pageToken)));
      }
    });
    List<ModelVersion> items = r.items().stream().map(this::toVersion).toList();
    String next = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() && !items.isEmpty()
        ? encodeToken(Integer.toString(items.get(items.size() - 1).version())) : null;
    return new Page<>(items, next);
  }

  public Page<RegisteredModel> models(String pageToken, int limit) {
    QueryResponse r = dynamo.query(b -> {
      b.tableName(table).indexName(GSI1).limit(limit)
          .keyConditionExpression("gsi1pk = :p")
          .expressionAttributeValues(Map.of(":p", s("MODEL")));
      if (pageToken != null) {
        String name = decodeToken(pageToken);
        Map<String, AttributeValue> start = new HashMap<>(modelKey(name));
        start.put(GSI1_PK, s("MODEL"));
        start.put(GSI1_SK, s(name));
        b.exclusiveStartKey(start);
      }
    });
    List<RegisteredModel> items = r.items().stream().map(ModelRegistry::toModel).toList();
    String next = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() && !items.isEmpty()
        ? encodeToken(items.get(items.size() - 1).name()) : null;
    return new Page<>(items, next);
  }

  private List<Map<String, AttributeValue>> queryPartition(String model, String prefix) {
    List<Map<String, AttributeValue>> all = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse r = dynamo.query(b -> b.tableName(table).consistentRead(true)
          .keyConditionExpression("pk = :pk AND begins_with(sk, :prefix)")
          .expressionAttributeValues(Map.of(":pk", s("MODEL#" + model), ":prefix", s(prefix)))
          .exclusiveStartKey(from));
      all.addAll(r.items());
      start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
    } while (start != null);
    return all;
  }

  // --- names and keys ---

  public static void checkModelName(String model) {
    if (model == null || !MODEL_NAME.matcher(model).matches()) {
      throw PierException.badRequest("invalid model name '" + model
          + "': use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
  }

  public static void checkAliasName(String alias) {
    if (alias == null || !ALIAS_NAME.matcher(alias).matches()) {
      throw PierException.badRequest("invalid alias '" + alias
          + "': use 1-63 lower-case letters, digits, '_' or '-', starting with a letter");
    }
  }

  private static Map<String, AttributeValue> modelKey(String model) {
    return Map.of(PK, s("MODEL#" + model), SK, s("MODEL"));
  }

  private static Map<String, AttributeValue> versionKey(String model, int version) {
    return Map.of(PK, s("MODEL#" + model), SK, s(String.format("VERSION#%010d", version)));
  }

  private static Map<String, AttributeValue> aliasKey(String model, String alias) {
    return Map.of(PK, s("MODEL#" + model), SK, s("ALIAS#" + alias));
  }

  private static Map<String, AttributeValue> idempotencyKey(String model, String key) {
    return Map.of(PK, s("MODEL#" + model), SK, s("IDEMPOTENCY#" + key));
  }

  private Map<String, AttributeValue> get(Map<String, AttributeValue> key) {
    var r = dynamo.getItem(b -> b.tableName(table).key(key).consistentRead(true));
    return r.hasItem() && !r.item().isEmpty() ? r.item() : null;
  }

  // --- item mapping ---

  private static Map<String, AttributeValue> versionItem(ModelVersion v) {
    Map<String, AttributeValue> item = new HashMap<>(versionKey(v.model(), v.version()));
    item.put("model", s(v.model()));
    item.put("version", n(v.version()));
    item.put("framework", s(v.framework().id()));
    item.put("sha256", s(v.sha256()));
    item.put("sizeBytes", n(v.sizeBytes()));
    item.put("artifactKey", s(v.artifactKey()));
    if (v.signature() != null) {
      item.put("signature", s(SignatureJson.write(v.signature()).toString()));
    }
    if (v.description() != null) {
      item.put("description", s(v.description()));
    }
    if (!v.tags().isEmpty()) {
      Map<String, AttributeValue> tags = new HashMap<>();
      v.tags().forEach((k, val) -> tags.put(k, s(val)));
      item.put("tags", AttributeValue.fromM(tags));
    }
    if (!v.metrics().isEmpty()) {
      Map<String, AttributeValue> metrics = new HashMap<>();
      v.metrics().forEach((k, val) -> metrics.put(k, AttributeValue.fromN(Double.toString(val))));
      item.put("metrics", AttributeValue.fromM(metrics));
    }
    if (v.batching() != null) {
      item.put("batching", AttributeValue.fromM(Map.of("maxBatchSize", n(v.batching().maxBatchSize()),
          "maxDelayMicros", n(v.batching().maxDelayMicros()))));
    }
    if (v.placement() != null) {
      Map<String, AttributeValue> p = new HashMap<>();
      p.put("kind", s(v.placement().kind().name()));
      if (v.placement().endpointName() != null) {
        p.put("endpointName", s(v.placement().endpointName()));
      }
      if (v.placement().instanceType() != null) {
        p.put("instanceType", s(v.placement().instanceType()));
      }
      if (v.placement().instanceCount() != null) {
        p.put("instanceCount", n(v.placement().instanceCount()));
      }
      if (v.placement().memoryMb() != null) {
        p.put("memoryMb", n(v.placement().memoryMb()));
      }
      item.put("placement", AttributeValue.fromM(p));
    }
    if (v.responseCache() != null) {
      item.put("responseCache", AttributeValue.fromM(Map.of("ttlSeconds", n(v.responseCache().ttlSeconds()),
          "maxEntries", n(v.responseCache().maxEntries()))));
    }
    if (v.explain() != null) {
      List<AttributeValue> rows = new ArrayList<>();
      for (float[] row : v.explain().background()) {
        List<AttributeValue> values = new ArrayList<>(row.length);
        for (float x : row) {
          values.add(AttributeValue.fromN(Float.toString(x)));
        }
        rows.add(AttributeValue.fromL(values));
      }
      item.put("explainBackground", AttributeValue.fromL(rows));
    }
    item.put("createdAt", s(v.createdAt().toString()));
    return item;
  }

  private ModelVersion toVersion(Map<String, AttributeValue> item) {
    Signature signature = null;
    if (item.containsKey("signature")) {
      try {
        signature = SignatureJson.parse(JSON.readTree(item.get("signature").s()), "signature");
      } catch (IOException e) {
        throw new PierException(500, "stored signature is not JSON: " + e.getMessage(), e);
      }
    }
    Map<String, String> tags = new TreeMap<>();
    if (item.containsKey("tags")) {
      item.get("tags").m().forEach((k, v) -> tags.put(k, v.s()));
    }
    Map<String, Double> metrics = new TreeMap<>();
    if (item.containsKey("metrics")) {
      item.get("metrics").m().forEach((k, v) -> metrics.put(k, Double.valueOf(v.n())));
    }
    return new ModelVersion(
        item.get("model").s(),
        Integer.parseInt(item.get("version").n()),
        Framework.parse(item.get("framework").s()),
        item.get("sha256").s(),
        Long.parseLong(item.get("sizeBytes").n()),
        item.get("artifactKey").s(),
        signature,
        item.containsKey("description") ? item.get("description").s() : null,
        tags,
        metrics,
        item.containsKey("batching") ? new Batching(
            Integer.parseInt(item.get("batching").m().get("maxBatchSize").n()),
            Long.parseLong(item.get("batching").m().get("maxDelayMicros").n())) : null,
        item.containsKey("placement") ? toPlacement(item.get("placement").m()) : null,
        item.containsKey("responseCache") ? new ResponseCaching(
            Long.parseLong(item.get("responseCache").m().get("ttlSeconds").n()),
            Long.parseLong(item.get("responseCache").m().get("maxEntries").n())) : null,
        item.containsKey("explainBackground") ? new ExplainSettings(item.get("explainBackground").l().stream()
            .map(row -> {
              float[] r = new float[row.l().size()];
              for (int i = 0; i < r.length; i++) {
                r[i] = Float.parseFloat(row.l().get(i).n());
              }
              return r;
            }).toArray(float[][]::new)) : null,
        Instant.parse(item.get("createdAt").s()));
  }

  private static Placement toPlacement(Map<String, AttributeValue> p) {
    return new Placement(Placement.Kind.valueOf(p.get("kind").s()),
        p.containsKey("endpointName") ? p.get("endpointName").s() : null,
        p.containsKey("instanceType") ? p.get("instanceType").s() : null,
        p.containsKey("instanceCount") ? Integer.valueOf(p.get("instanceCount").n()) : null,
        p.containsKey("memoryMb") ? Integer.valueOf(p.get("memoryMb").n()) : null);
  }

  private static RegisteredModel toModel(Map<String, AttributeValue> item) {
    return new RegisteredModel(item.get("name").s(), Integer.parseInt(item.get("latestVersion").n()),
        Instant.parse(item.get("createdAt").s()), Instant.parse(item.get("updatedAt").s()));
  }

  private static Alias toAlias(String model, Map<String, AttributeValue> item) {
    Alias.Target t = target(item, "");
    return new Alias(model, item.get("alias").s(), t.version(), t.canary(),
        item.containsKey("revision") ? Long.parseLong(item.get("revision").n()) : 1,
        Instant.parse(item.get("updatedAt").s()));
  }

  private static String requestHash(String artifactSha, NewVersion r) {
    Map<String, Object> canonical = new LinkedHashMap<>();
    canonical.put("artifact", artifactSha);
    canonical.put("framework", r.framework().id());
    canonical.put("signature", r.signature() == null ? null : SignatureJson.write(r.signature()).toString());
    canonical.put("description", r.description());
    canonical.put("tags", new TreeMap<>(r.tags()));
    canonical.put("metrics", new TreeMap<>(r.metrics()));
    canonical.put("batching", r.batching() == null ? null : r.batching().toString());
    canonical.put("placement", r.placement() == null ? null : r.placement().toString());
    canonical.put("responseCache", r.responseCache() == null ? null : r.responseCache().toString());
    canonical.put("explain", r.explain() == null ? null : java.util.Arrays.deepToString(r.explain().background()));
    try {
      byte[] bytes = JSON.writeValueAsBytes(canonical);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String encodeToken(String value) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  private static String decodeToken(String token) {
    try {
      return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw PierException.badRequest("invalid page_token");
    }
  }

  private static int decodeVersionToken(String token) {
    try {
      return Integer.parseInt(decodeToken(token));
    } catch (NumberFormatException e) {
      throw PierException.badRequest("invalid page_token");
    }
  }

  static AttributeValue s(String v) {
    return AttributeValue.fromS(v);
  }

  static AttributeValue n(long v) {
    return AttributeValue.fromN(Long.toString(v));
  }
}
