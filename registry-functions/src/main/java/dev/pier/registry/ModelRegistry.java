package dev.pier.registry;

import dev.pier.kernel.engine.Framework;
import static dev.pier.registry.RegistryTable.GSI1;
import static dev.pier.registry.RegistryTable.GSI1_PK;
import static dev.pier.registry.RegistryTable.GSI1_SK;
import static dev.pier.registry.RegistryTable.PK;
import static dev.pier.registry.RegistryTable.SK;
import static dev.pier.registry.RegistryTable.TTL;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.security.ArtifactSignature;
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
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

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
  private final SearchIndex search;
  private volatile ApprovalPolicy defaultPolicy = ApprovalPolicy.OFF;
  private volatile ArtifactSignature signatures = new ArtifactSignature(null, false);
  private volatile String endpointPrefix = Placement.DEFAULT_ENDPOINT_PREFIX;

  public ModelRegistry(DynamoDbClient dynamo, String table, ArtifactStore artifacts) {
    this.dynamo = dynamo;
    this.table = table;
    this.artifacts = artifacts;
    this.search = new SearchIndex(dynamo, table, this::fetchVersions);
  }

  /** The policy of models that have none of their own (the platform default: off). */
  public void setDefaultApprovalPolicy(ApprovalPolicy policy) {
    this.defaultPolicy = policy;
  }

  public ApprovalPolicy defaultApprovalPolicy() {
    return defaultPolicy;
  }

  /** The policy that applies to {@code model}: its own, or the platform default. */
  public ApprovalPolicy policy(String model) {
    RegisteredModel m = model(model);
    return m.approval() != null ? m.approval() : defaultPolicy;
  }

  /**
   * The artifact signature rule every registration with an artifact obeys ({@code pier.artifacts.require-signature}):
   * checked here, where versions are created, so no way of registering (multipart, presigned upload, MLflow source)
   * can store an unsigned or badly signed artifact.
   */
  public void verifySignaturesWith(ArtifactSignature signatures) {
    this.signatures = Objects.requireNonNull(signatures);
  }

  /**
   * The prefix of the endpoint names given to endpoint-placed versions that name none ({@code
   * pier.registry.endpoint-prefix}): in AWS the stage's, {@code pier-<stage>}, the only endpoints its roles may
   * invoke. The name is fixed at registration, so changing the prefix never moves a stored version.
   */
  public void nameEndpointsWith(String prefix) {
    if (!prefix.matches("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,30}")) {
      throw new IllegalArgumentException("endpoint prefix '" + prefix + "': 1-31 letters, digits and hyphens");
    }
    this.endpointPrefix = prefix;
  }

  /** Whether registrations must carry a valid artifact signature. */
  public boolean requiresSignatures() {
    return signatures.required();
  }

  public SearchIndex searchIndex() {
    return search;
  }

  public ArtifactStore artifacts() {
    return artifacts;
  }

  public void addListener(RegistryListener listener) {
    listeners.add(listener);
  }

  /**
   * Tells every listener of a change that is already durable. A listener's failure is logged and does not turn the
   * committed change into an error for the caller (who would then retry a write that happened).
   */
  private void notifyListeners(java.util.function.Consumer<RegistryListener> event) {
    for (RegistryListener l : listeners) {
      try {
        event.accept(l);
      } catch (RuntimeException e) {
        System.getLogger(ModelRegistry.class.getName()).log(System.Logger.Level.ERROR,
            "registry listener " + l.getClass().getName() + " failed", e);
      }
    }
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
    return register(model, request, artifact, idempotencyKey, null);
  }

  /**
   * As {@link #register(String, NewVersion, Path, String)}, recording {@code actor} (the principal) as the version's
   * creator. With the model's approval policy on, the version starts {@code PENDING_REVIEW}.
   */
  public ModelVersion register(String model, NewVersion request, Path artifact, String idempotencyKey, String actor) {
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
    signatures.checkRegistration(artifactSha, request.properties()); // 400 before anything is stored
    String requestHash = idempotencyKey == null ? null : requestHash(artifactSha, request);
    if (idempotencyKey != null) {
      ModelVersion earlier = replay(model, idempotencyKey, requestHash);
      if (earlier != null) {
        return earlier;
      }
    }
    ArtifactStore.StoredArtifact stored = artifacts.put(artifact);
    return create(model, request, stored, null, idempotencyKey, requestHash, actor);
  }

  /**
   * Registers a version by reference: its artifact stays where {@code request.source()} says and Pier cannot serve
   * it ({@code servable = false}, {@code statusMessage} says why). MLflow versions whose source is not in S3 are made so.
   */
  public ModelVersion registerReference(String model, NewVersion request, String statusMessage, String actor) {
    checkModelName(model);
    return create(model, request, null, statusMessage, null, null, actor);
  }

  /** The requested placement, with its endpoint named ({@link #nameEndpointsWith}) when it is on one and names none. */
  private Placement placement(Placement requested, String model, int version) {
    return requested == null || !requested.onEndpoint() || requested.endpointName() != null ? requested
        : requested.withEndpointName(Placement.defaultEndpoint(endpointPrefix, model, version));
  }

  private ModelVersion create(String model, NewVersion request, ArtifactStore.StoredArtifact stored,
      String statusMessage, String idempotencyKey, String requestHash, String actor) {
    for (int attempt = 1; ; attempt++) {
      Map<String, AttributeValue> current = get(modelKey(model));
      int previous = current == null ? 0 : Integer.parseInt(current.get("latestVersion").n());
      int next = previous + 1;
      Instant now = Instant.now();
      ApprovalPolicy policy = current != null && current.containsKey("approval")
          ? toPolicy(current.get("approval").m()) : defaultPolicy;
      ApprovalStatus status = policy.required() ? ApprovalStatus.PENDING_REVIEW : ApprovalStatus.NONE;
      ModelVersion version = new ModelVersion(model, next, request.framework(),
          stored == null ? null : stored.sha256(), stored == null ? 0 : stored.sizeBytes(),
          stored == null ? null : stored.key(), request.signature(), request.description(), request.tags(),
          request.metrics(), request.batching(), placement(request.placement(), model, next), request.responseCache(),
          request.explain(),
          now, request.source(), request.runId(),
          stored != null, statusMessage, status, "None", request.params(), request.properties(), request.lineage(),
          actor, 1, now, request.pipeline());

      EndpointClaim claim = EndpointClaim.of(version, endpointPrefix); // 409 for another model's endpoint name
      List<TransactWriteItem> writes = new ArrayList<>(3);
      if (current == null) {
        Map<String, AttributeValue> item = new HashMap<>(modelKey(model));
        item.put("name", s(model));
        item.put("latestVersion", n(next));
        item.put("createdAt", s(now.toString()));
        item.put("updatedAt", s(now.toString()));
        item.put(GSI1_PK, s("MODEL"));
        item.put(GSI1_SK, s(model));
        item.put("revision", n(1));
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
      writes.add(put(auditItem(new AuditEntry(model, now, actor, "version.created", next, null, null,
          status.name(), null))));
      SearchIndex.items(version).values().forEach(i -> writes.add(put(i)));
      int claimAt = writes.size();
      if (claim != null) {
        writes.add(claim.write(table));
      }
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
        notifyListeners(l -> l.versionCreated(version));
        publish(new RegistryEvent("version.created", model, next, null, actor, now,
            Map.of("status", status.name(), "servable", Boolean.toString(version.servable()))));
        return version;
      } catch (TransactionCanceledException e) {
        if (claim != null && failedCondition(e, claimAt)) {
          throw claim.refused(); // the endpoint is claimed by another model
        }
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
    return setAlias(model, alias, target, null);
  }

  /**
   * As {@link #setAlias(String, String, Alias.Target)}, by {@code actor}. Where the model's approval policy is on and
   * the alias is protected, only approved versions (canary included) may take it: 409 otherwise. The approval is
   * checked inside the write's transaction, so a version cannot lose it in between.
   */
  public Alias setAlias(String model, String alias, Alias.Target target, String actor) {
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
      boolean guarded = guarded(model, alias);
      try {
        return writeAlias(model, alias, before, target, "set", actor, guarded);
      } catch (TransactionCanceledException e) {
        if (failedCondition(e, 0)) {
          checkTakes(model, alias, target.version(), guarded, "");
        }
        if (target.canary() != null && failedCondition(e, 1)) {
          checkTakes(model, alias, target.canary().version(), guarded, " (canary)");
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
    return rollbackAlias(model, alias, null);
  }

  /** As {@link #rollbackAlias(String, String)}, by {@code actor}; a protected alias still takes approved versions only. */
  public Alias rollbackAlias(String model, String alias, String actor) {
    for (int attempt = 1; ; attempt++) {
      Alias before = alias(model, alias);
      AliasChange last = history(model, alias, 1).get(0);
      if (last.from() == null) {
        throw PierException.conflict("alias '" + alias + "' of model '" + model
            + "' has no previous target to roll back to");
      }
      boolean guarded = guarded(model, alias);
      try {
        return writeAlias(model, alias, before, last.from(), "rollback", actor, guarded);
      } catch (TransactionCanceledException e) {
        if (failedCondition(e, 0)) {
          checkTakes(model, alias, last.from().version(), guarded, "");
        }
        if (last.from().canary() != null && failedCondition(e, 1)) {
          checkTakes(model, alias, last.from().canary().version(), guarded, " (canary)");
        }
        if (attempt >= MAX_ATTEMPTS) {
          throw PierException.unavailable("too many concurrent changes of alias '" + alias + "'; retry", e);
        }
        backoff(attempt);
      }
    }
  }

  private boolean guarded(String model, String alias) {
    ApprovalPolicy p = policy(model);
    return p.required() && p.protectedAliases().contains(alias);
  }

  /** Explains a failed alias condition: 404 for a missing version, 409 for one not approved. */
  private void checkTakes(String model, String alias, int version, boolean guarded, String what) {
    ModelVersion v;
    try {
      v = version(model, version);
    } catch (PierException e) {
      if (e.status() == 404 && !what.isEmpty()) {
        throw PierException.notFound("model '" + model + "' has no version " + version + what);
      }
      throw e;
    }
    if (guarded && v.status() != ApprovalStatus.APPROVED) {
      throw PierException.conflict("alias '" + alias + "' of model '" + model + "' is protected: version " + version
          + what + " is " + v.status() + ", and only APPROVED versions may take it (request a review, then approve)");
    }
  }

  private Alias writeAlias(String model, String alias, Alias before, Alias.Target target, String reason,
      String actor, boolean guarded) {
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
    if (actor != null) {
      change.put("by", s(actor));
    }

    List<TransactWriteItem> writes = new ArrayList<>(6);
    writes.add(versionCheck(model, target.version(), guarded));
    if (target.canary() != null) {
      writes.add(versionCheck(model, target.canary().version(), guarded));
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
    String from = before == null ? null : describe(before.target());
    writes.add(put(auditItem(new AuditEntry(model, now, actor, "alias." + reason, target.version(), alias, from,
        describe(target), null))));
    writes.add(put(SearchIndex.aliasItem(model, alias, target.version())));
    dynamo.transactWriteItems(b -> b.transactItems(writes));
    Alias moved = new Alias(model, alias, target.version(), target.canary(), revision, now);
    notifyListeners(l -> l.aliasMoved(moved));
    Map<String, String> detail = new HashMap<>();
    detail.put("to", describe(target));
    if (from != null) {
      detail.put("from", from);
    }
    publish(new RegistryEvent("alias." + reason, model, target.version(), alias, actor, now, detail));
    return moved;
  }

  private TransactWriteItem versionCheck(String model, int version, boolean approvedOnly) {
    return TransactWriteItem.builder().conditionCheck(c -> {
      c.tableName(table).key(versionKey(model, version));
      if (approvedOnly) {
        c.conditionExpression("attribute_exists(pk) AND reviewStatus = :approved")
            .expressionAttributeValues(Map.of(":approved", s(ApprovalStatus.APPROVED.name())));
      } else {
        c.conditionExpression("attribute_exists(pk)");
      }
    }).build();
  }

  private static String describe(Alias.Target t) {
    return t.canary() == null ? "v" + t.version()
        : "v" + t.version() + " + canary v" + t.canary().version() + " @ " + t.canary().weight();
  }

  // --- models ---

  /** Creates a model with no versions yet (MLflow's create-registered-model); 409 when it exists. */
  public RegisteredModel createModel(String model, String description, Map<String, String> tags, String actor) {
    checkModelName(model);
    Instant now = Instant.now();
    Map<String, AttributeValue> item = new HashMap<>(modelKey(model));
    item.put("name", s(model));
    item.put("latestVersion", n(0));
    item.put("createdAt", s(now.toString()));
    item.put("updatedAt", s(now.toString()));
    item.put(GSI1_PK, s("MODEL"));
    item.put(GSI1_SK, s(model));
    item.put("revision", n(1));
    if (description != null) {
      item.put("description", s(description));
    }
    if (tags != null && !tags.isEmpty()) {
      item.put("tags", stringMap(tags));
    }
    try {
      dynamo.transactWriteItems(b -> b.transactItems(
          TransactWriteItem.builder().put(p -> p.tableName(table).item(item)
              .conditionExpression("attribute_not_exists(pk)")).build(),
          put(auditItem(new AuditEntry(model, now, actor, "model.created", 0, null, null, model, null)))));
    } catch (TransactionCanceledException e) {
      throw PierException.conflict("model '" + model + "' already exists");
    }
    publish(new RegistryEvent("model.created", model, 0, null, actor, now, Map.of()));
    return toModel(item);
  }

  /**
   * Changes a model's own fields (description, tags, approval policy), conditional on {@code expectedRevision}
   * when given: 412 when the model changed since. Without one, concurrent changes are applied one after another.
   */
  public RegisteredModel updateModel(String model, Long expectedRevision, UnaryOperator<RegisteredModel> change,
      String actor) {
    for (int attempt = 1; ; attempt++) {
      RegisteredModel before = model(model);
      if (expectedRevision != null && before.revision() != expectedRevision) {
        throw preconditionFailed("model '" + model + "' is at revision " + before.revision() + ", not "
            + expectedRevision + "; read it again and retry");
      }
      RegisteredModel after = change.apply(before);
      Instant now = Instant.now();
      Map<String, AttributeValue> values = new HashMap<>();
      values.put(":r", n(before.revision()));
      values.put(":next", n(before.revision() + 1));
      values.put(":now", s(now.toString()));
      values.put(":tags", stringMap(after.tags()));
      StringBuilder set = new StringBuilder("SET revision = :next, updatedAt = :now, tags = :tags");
      List<String> remove = new ArrayList<>();
      if (after.description() != null) {
        set.append(", description = :d");
        values.put(":d", s(after.description()));
      } else {
        remove.add("description");
      }
      if (after.approval() != null) {
        set.append(", approval = :a");
        values.put(":a", policyItem(after.approval()));
      } else {
        remove.add("approval");
      }
      String update = set + (remove.isEmpty() ? "" : " REMOVE " + String.join(", ", remove));
      List<TransactWriteItem> writes = new ArrayList<>();
      writes.add(TransactWriteItem.builder().update(u -> u.tableName(table).key(modelKey(model))
          .updateExpression(update)
          .conditionExpression(before.revision() == 1
              ? "attribute_exists(pk) AND (revision = :r OR attribute_not_exists(revision))"
              : "revision = :r")
          .expressionAttributeValues(values)).build());
      if (!java.util.Objects.equals(before.approval(), after.approval())) {
        writes.add(put(auditItem(new AuditEntry(model, now, actor, "policy.changed", 0, null,
            String.valueOf(before.approval()), String.valueOf(after.approval()), null))));
      }
      try {
        dynamo.transactWriteItems(b -> b.transactItems(writes));
        RegisteredModel updated = new RegisteredModel(model, before.latestVersion(), before.createdAt(), now,
            after.description(), after.tags(), after.approval(), before.revision() + 1);
        publish(new RegistryEvent("model.updated", model, 0, null, actor, now, Map.of()));
        return updated;
      } catch (TransactionCanceledException e) {
        if (expectedRevision != null) {
          throw preconditionFailed("model '" + model + "' changed while it was being updated; read it again");
        }
        if (attempt >= MAX_ATTEMPTS) {
          throw PierException.unavailable("too many concurrent changes of model '" + model + "'; retry", e);
        }
        backoff(attempt);
      }
    }
  }

  /**
   * Deletes a model with its versions, aliases and history (MLflow's delete-registered-model). Artifacts stay in the
   * content-addressed store: other versions may share them. The audit history of the name is kept.
   */
  public void deleteModel(String model, String actor) {
    model(model);
    List<Map<String, AttributeValue>> doomed = new ArrayList<>();
    for (Map<String, AttributeValue> item : queryPartition(model, "")) {
      String sk = item.get(SK).s();
      if (sk.startsWith("AUDIT#")) {
        continue;
      }
      if (sk.startsWith("VERSION#")) {
        SearchIndex.items(toVersion(item)).keySet().forEach(k -> doomed.add(SearchIndex.key(k)));
      } else if (sk.startsWith("ALIAS#")) {
        doomed.add(SearchIndex.aliasKey(model, item.get("alias").s()));
      }
      doomed.add(Map.of(PK, item.get(PK), SK, item.get(SK)));
    }
    deleteAll(doomed);
    Instant now = Instant.now();
    dynamo.putItem(b -> b.tableName(table).item(auditItem(new AuditEntry(model, now, actor, "model.deleted", 0, null,
        model, null, null))));
    publish(new RegistryEvent("model.deleted", model, 0, null, actor, now, Map.of()));
  }

  /**
   * Renames a model (MLflow's rename-registered-model): copies every item to the new name, then deletes the old
   * ones. 409 when the new name is taken. Not atomic for large models: a failure half-way leaves both names, and
   * retrying the rename finishes it.
   */
  public RegisteredModel renameModel(String model, String newName, String actor) {
    checkModelName(newName);
    model(model);
    if (get(modelKey(newName)) != null) {
      throw PierException.conflict("model '" + newName + "' already exists");
    }
    List<Map<String, AttributeValue>> items = queryPartition(model, "");
    List<Map<String, AttributeValue>> copies = new ArrayList<>();
    List<Map<String, AttributeValue>> doomed = new ArrayList<>();
    for (Map<String, AttributeValue> item : items) {
      Map<String, AttributeValue> copy = new HashMap<>(item);
      copy.put(PK, s("MODEL#" + newName));
      String sk = item.get(SK).s();
      if (sk.equals("MODEL")) {
        copy.put("name", s(newName));
        copy.put(GSI1_SK, s(newName));
      } else if (item.containsKey("model")) {
        copy.put("model", s(newName));
      }
      if (sk.startsWith("VERSION#")) {
        ModelVersion old = toVersion(item);
        SearchIndex.items(old).keySet().forEach(k -> doomed.add(SearchIndex.key(k)));
        copies.addAll(SearchIndex.items(toVersion(copy)).values());
      } else if (sk.startsWith("ALIAS#")) {
        doomed.add(SearchIndex.aliasKey(model, item.get("alias").s()));
        copies.add(SearchIndex.aliasItem(newName, item.get("alias").s(), Integer.parseInt(item.get("version").n())));
      }
      if (!sk.equals("MODEL")) {
        copies.add(copy);
      }
      if (!sk.startsWith("AUDIT#")) {
        doomed.add(Map.of(PK, item.get(PK), SK, item.get(SK)));
      }
    }
    Map<String, AttributeValue> modelCopy = items.stream().filter(i -> i.get(SK).s().equals("MODEL")).findFirst()
        .map(HashMap::new).orElseThrow();
    modelCopy.put(PK, s("MODEL#" + newName));
    modelCopy.put("name", s(newName));
    modelCopy.put(GSI1_SK, s(newName));
    try {
      dynamo.putItem(b -> b.tableName(table).item(modelCopy).conditionExpression("attribute_not_exists(pk)"));
    } catch (software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException e) {
      throw PierException.conflict("model '" + newName + "' already exists");
    }
    putAll(copies);
    deleteAll(doomed);
    Instant now = Instant.now();
    dynamo.putItem(b -> b.tableName(table).item(auditItem(new AuditEntry(newName, now, actor, "model.renamed", 0,
        null, model, newName, null))));
    publish(new RegistryEvent("model.renamed", newName, 0, null, actor, now, Map.of("from", model)));
    return model(newName);
  }

  private void putAll(List<Map<String, AttributeValue>> items) {
    for (int i = 0; i < items.size(); i += 25) {
      List<WriteRequest> batch = items.subList(i, Math.min(items.size(), i + 25)).stream()
          .map(item -> WriteRequest.builder().putRequest(r -> r.item(item)).build()).toList();
      writeBatch(batch);
    }
  }

  private void deleteAll(List<Map<String, AttributeValue>> keys) {
    List<Map<String, AttributeValue>> unique = new ArrayList<>(new LinkedHashMap<>(keys.stream().collect(
        java.util.stream.Collectors.toMap(k -> k.get(PK).s() + "\u0000" + k.get(SK).s(), k -> k, (a, b) -> a,
            LinkedHashMap::new))).values());
    for (int i = 0; i < unique.size(); i += 25) {
      List<WriteRequest> batch = unique.subList(i, Math.min(unique.size(), i + 25)).stream()
          .map(key -> WriteRequest.builder().deleteRequest(r -> r.key(key)).build()).toList();
      writeBatch(batch);
    }
  }

  private void writeBatch(List<WriteRequest> batch) {
    Map<String, List<WriteRequest>> pending = Map.of(table, batch);
    for (int attempt = 1; !pending.isEmpty() && !pending.getOrDefault(table, List.of()).isEmpty(); attempt++) {
      Map<String, List<WriteRequest>> request = pending;
      var r = dynamo.batchWriteItem(b -> b.requestItems(request));
      pending = r.hasUnprocessedItems() ? r.unprocessedItems() : Map.of();
      if (!pending.isEmpty()) {
        backoff(attempt);
      }
    }
  }

  // --- versions: changes ---

  /**
   * Changes a version's mutable fields through {@code change}, conditional on {@code expectedRevision} when given
   * (412 when the version changed since; the ETag is the revision). Review-status and stage changes are audited.
   * Artifact, framework and signature never change.
   */
  public ModelVersion updateVersion(String model, int version, Long expectedRevision,
      UnaryOperator<ModelVersion> change, String actor, String comment) {
    for (int attempt = 1; ; attempt++) {
      ModelVersion before = version(model, version);
      if (expectedRevision != null && before.revision() != expectedRevision) {
        throw preconditionFailed("version " + version + " of model '" + model + "' is at revision "
            + before.revision() + ", not " + expectedRevision + "; read it again and retry");
      }
      ModelVersion after = change.apply(before);
      if (after == before) {
        return before;
      }
      checkLimits(after);
      Instant now = after.updatedAt();
      List<TransactWriteItem> writes = new ArrayList<>();
      writes.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(versionItem(after))
          .conditionExpression("revision = :r OR (attribute_not_exists(revision) AND :r = :one)")
          .expressionAttributeValues(Map.of(":r", n(before.revision()), ":one", n(1)))).build());
      List<RegistryEvent> events = new ArrayList<>();
      if (before.status() != after.status()) {
        String action = switch (after.status()) {
          case PENDING_REVIEW -> "review.requested";
          case APPROVED -> "review.approved";
          case REJECTED -> "review.rejected";
          case NONE -> "review.withdrawn";
        };
        writes.add(put(auditItem(new AuditEntry(model, now, actor, action, version, null, before.status().name(),
            after.status().name(), comment))));
        events.add(new RegistryEvent(action, model, version, null, actor, now,
            comment == null ? Map.of("from", before.status().name(), "to", after.status().name())
                : Map.of("from", before.status().name(), "to", after.status().name(), "comment", comment)));
      } else if (after.properties().containsKey(APPROVERS) && !Objects.equals(
          before.properties().get(APPROVERS), after.properties().get(APPROVERS))) {
        writes.add(put(auditItem(new AuditEntry(model, now, actor, "review.approval-recorded", version, null,
            before.status().name(), after.status().name(), comment))));
      }
      if (!before.stage().equals(after.stage())) {
        writes.add(put(auditItem(new AuditEntry(model, now, actor, "stage.changed", version, null, before.stage(),
            after.stage(), comment))));
        events.add(new RegistryEvent("stage.changed", model, version, null, actor, now,
            Map.of("from", before.stage(), "to", after.stage())));
      }
      Map<String, Map<String, AttributeValue>> oldIndex = SearchIndex.items(before);
      Map<String, Map<String, AttributeValue>> newIndex = SearchIndex.items(after);
      newIndex.values().forEach(i -> writes.add(put(i)));
      oldIndex.keySet().stream().filter(k -> !newIndex.containsKey(k))
          .forEach(k -> writes.add(TransactWriteItem.builder().delete(d -> d.tableName(table).key(SearchIndex.key(k)))
              .build()));
      try {
        dynamo.transactWriteItems(b -> b.transactItems(writes));
      } catch (TransactionCanceledException e) {
        if (expectedRevision != null) {
          throw preconditionFailed("version " + version + " of model '" + model
              + "' changed while it was being updated; read it again");
        }
        if (attempt >= MAX_ATTEMPTS) {
          throw PierException.unavailable("too many concurrent changes of version " + version + "; retry", e);
        }
        backoff(attempt);
        continue;
      }
      events.add(new RegistryEvent("version.updated", model, version, null, actor, now,
          Map.of("revision", Long.toString(after.revision()))));
      events.forEach(this::publish);
      return after;
    }
  }

  private static final String APPROVERS = "pier.approvers";

  private static void checkLimits(ModelVersion v) {
    if (v.tags().size() > 100 || v.metrics().size() > 100 || v.params().size() > 200
        || v.properties().size() > 100) {
      throw PierException.badRequest("a version holds at most 100 tags, 100 metrics, 200 params and 100 properties");
    }
  }

  /** Asks for review: NONE or REJECTED → PENDING_REVIEW. 409 from any other status. */
  public ModelVersion requestReview(String model, int version, String actor, String comment) {
    return updateVersion(model, version, null, v -> {
      if (v.status() == ApprovalStatus.PENDING_REVIEW || v.status() == ApprovalStatus.APPROVED) {
        throw PierException.conflict("version " + version + " of model '" + model + "' is already " + v.status());
      }
      Map<String, String> props = new HashMap<>(v.properties());
      props.remove(APPROVERS);
      props.put("pier.review-requested-by", actor == null ? "" : actor);
      return v.edited(v.description(), v.tags(), v.metrics(), v.params(), props, ApprovalStatus.PENDING_REVIEW,
          v.stage(), Instant.now());
    }, actor, comment);
  }

  /**
   * Approves a version pending review. The version's creator and the one who asked for review may not approve it
   * (403); the same approver counts once; the version becomes APPROVED when the policy's number of approvals is
   * reached. 409 unless the version is PENDING_REVIEW.
   */
  public ModelVersion approve(String model, int version, String actor, String comment) {
    ApprovalPolicy policy = policy(model);
    return updateVersion(model, version, null, v -> {
      if (v.status() != ApprovalStatus.PENDING_REVIEW) {
        throw PierException.conflict("version " + version + " of model '" + model + "' is " + v.status()
            + ", not PENDING_REVIEW: request a review first");
      }
      if (actor == null || actor.equals(v.createdBy())
          || actor.equals(v.properties().get("pier.review-requested-by"))) {
        throw new PierException(403, "'" + actor + "' may not approve version " + version + " of model '" + model
            + "': it registered the version or asked for its review, and self-approval is not allowed");
      }
      Set<String> approvers = new java.util.TreeSet<>();
      String earlier = v.properties().get(APPROVERS);
      if (earlier != null && !earlier.isEmpty()) {
        approvers.addAll(List.of(earlier.split(",")));
      }
      if (!approvers.add(actor)) {
        throw PierException.conflict("'" + actor + "' has already approved version " + version + " of model '"
            + model + "'");
      }
      Map<String, String> props = new HashMap<>(v.properties());
      props.put(APPROVERS, String.join(",", approvers));
      ApprovalStatus next = approvers.size() >= policy.approvals() ? ApprovalStatus.APPROVED
          : ApprovalStatus.PENDING_REVIEW;
      return v.edited(v.description(), v.tags(), v.metrics(), v.params(), props, next, v.stage(), Instant.now());
    }, actor, comment);
  }

  /** Rejects a version pending review (or approved); the creator may not reject their own version either (403). */
  public ModelVersion reject(String model, int version, String actor, String comment) {
    return updateVersion(model, version, null, v -> {
      if (v.status() != ApprovalStatus.PENDING_REVIEW && v.status() != ApprovalStatus.APPROVED) {
        throw PierException.conflict("version " + version + " of model '" + model + "' is " + v.status()
            + ": only versions pending review or approved can be rejected");
      }
      if (actor == null || actor.equals(v.createdBy())) {
        throw new PierException(403, "'" + actor + "' may not review version " + version + " of model '" + model
            + "' that they registered");
      }
      Map<String, String> props = new HashMap<>(v.properties());
      props.remove(APPROVERS);
      return v.edited(v.description(), v.tags(), v.metrics(), v.params(), props, ApprovalStatus.REJECTED,
          v.stage(), Instant.now());
    }, actor, comment);
  }

  /**
   * Moves a version to an MLflow stage (None, Staging, Production, Archived); with {@code archiveExisting}, other
   * versions in that stage move to Archived. With the approval policy on, only approved versions enter Production.
   */
  public ModelVersion transitionStage(String model, int version, String stage, boolean archiveExisting,
      String actor) {
    String canonical = switch (stage == null ? "" : stage.toLowerCase(Locale.ROOT)) {
      case "none" -> "None";
      case "staging" -> "Staging";
      case "production" -> "Production";
      case "archived" -> "Archived";
      default -> throw PierException.badRequest("invalid stage '" + stage
          + "': use None, Staging, Production or Archived");
    };
    ApprovalPolicy policy = policy(model);
    ModelVersion moved = updateVersion(model, version, null, v -> {
      if (v.stage().equals(canonical)) {
        return v;
      }
      if (canonical.equals("Production") && policy.required() && v.status() != ApprovalStatus.APPROVED) {
        throw PierException.conflict("version " + version + " of model '" + model + "' is " + v.status()
            + ": only APPROVED versions may enter Production");
      }
      return v.edited(v.description(), v.tags(), v.metrics(), v.params(), v.properties(), v.status(), canonical,
          Instant.now());
    }, actor, null);
    if (archiveExisting && !canonical.equals("None") && !canonical.equals("Archived")) {
      for (ModelVersion other : allVersions(model)) {
        if (other.version() != version && other.stage().equals(canonical)) {
          transitionStage(model, other.version(), "Archived", false, actor);
        }
      }
    }
    return moved;
  }

  /** Every version of a model, oldest first. */
  public List<ModelVersion> allVersions(String model) {
    return queryPartition(model, "VERSION#").stream().map(ModelRegistry::toVersion).toList();
  }

  /** The artifact keys that some version of some model stores (what {@link ArtifactStore#sweep} must keep). */
  public java.util.Set<String> artifactKeys() {
    java.util.Set<String> keys = new java.util.HashSet<>();
    String token = null;
    do {
      Page<RegisteredModel> page = models(token, 100);
      for (RegisteredModel m : page.items()) {
        for (ModelVersion v : allVersions(m.name())) {
          if (v.artifactKey() != null) {
            keys.add(v.artifactKey());
          }
        }
      }
      token = page.nextPageToken();
    } while (token != null);
    return keys;
  }

  /**
   * Deletes a version; 409 while an alias (or its canary) points at it. Its artifact stays in the store until a sweep
   * finds no version referencing it (see {@link ArtifactStore#sweep}).
   */
  public void deleteVersion(String model, int version, String actor) {
    ModelVersion v = version(model, version);
    for (Alias a : aliases(model)) {
      if (a.version() == version || (a.canary() != null && a.canary().version() == version)) {
        throw PierException.conflict("version " + version + " of model '" + model + "' is behind alias '"
            + a.name() + "': move the alias first");
      }
    }
    Instant now = Instant.now();
    List<TransactWriteItem> writes = new ArrayList<>();
    writes.add(TransactWriteItem.builder().delete(d -> d.tableName(table).key(versionKey(model, version))
        .conditionExpression("attribute_exists(pk)")).build());
    SearchIndex.items(v).keySet().forEach(k -> writes.add(TransactWriteItem.builder()
        .delete(d -> d.tableName(table).key(SearchIndex.key(k))).build()));
    writes.add(put(auditItem(new AuditEntry(model, now, actor, "version.deleted", version, null, v.status().name(),
        null, null))));
    writes.add(TransactWriteItem.builder().delete(d -> d.tableName(table).key(Map.of(PK, s("MODEL#" + model),
        SK, s(String.format("CARD#%010d", version))))).build());
    try {
      dynamo.transactWriteItems(b -> b.transactItems(writes));
    } catch (TransactionCanceledException e) {
      throw PierException.notFound("model '" + model + "' has no version " + version);
    }
    publish(new RegistryEvent("version.deleted", model, version, null, actor, now, Map.of()));
  }

  /** Removes an alias and its history (the audit history keeps the record). 404 when it does not exist. */
  public void deleteAlias(String model, String alias, String actor) {
    Alias before = alias(model, alias);
    List<Map<String, AttributeValue>> doomed = new ArrayList<>();
    for (Map<String, AttributeValue> item : queryPartition(model, "ALIASLOG#" + alias + "#")) {
      doomed.add(Map.of(PK, item.get(PK), SK, item.get(SK)));
    }
    Instant now = Instant.now();
    dynamo.transactWriteItems(b -> b.transactItems(
        TransactWriteItem.builder().delete(d -> d.tableName(table).key(aliasKey(model, alias))
            .conditionExpression("revision = :r").expressionAttributeValues(Map.of(":r", n(before.revision()))))
            .build(),
        TransactWriteItem.builder().delete(d -> d.tableName(table).key(SearchIndex.aliasKey(model, alias))).build(),
        put(auditItem(new AuditEntry(model, now, actor, "alias.deleted", before.version(), alias,
            describe(before.target()), null, null)))));
    deleteAll(doomed);
    publish(new RegistryEvent("alias.deleted", model, before.version(), alias, actor, now,
        Map.of("from", describe(before.target()))));
  }

  /** The model's audit history (status, stage, alias and policy changes), newest first. */
  public Page<AuditEntry> audit(String model, String pageToken, int limit) {
    checkModelName(model);
    QueryResponse r = dynamo.query(b -> {
      b.tableName(table).consistentRead(true).scanIndexForward(false).limit(limit)
          .keyConditionExpression("pk = :pk AND begins_with(sk, :prefix)")
          .expressionAttributeValues(Map.of(":pk", s("MODEL#" + model), ":prefix", s("AUDIT#")));
      if (pageToken != null) {
        b.exclusiveStartKey(Map.of(PK, s("MODEL#" + model), SK, s("AUDIT#" + decodeToken(pageToken))));
      }
    });
    if (r.items().isEmpty() && pageToken == null) {
      model(model);
    }
    List<AuditEntry> entries = r.items().stream().map(i -> new AuditEntry(model, Instant.parse(i.get("at").s()),
        str(i, "actor"), i.get("action").s(), i.containsKey("version") ? Integer.parseInt(i.get("version").n()) : 0,
        str(i, "alias"), str(i, "from"), str(i, "to"), str(i, "comment"))).toList();
    String next = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty()
        ? encodeToken(r.lastEvaluatedKey().get(SK).s().substring("AUDIT#".length())) : null;
    return new Page<>(entries, next);
  }

  /**
   * Models matching a filter on {@code name} (=, LIKE, ILIKE) and {@code tags.<k>}, ordered by {@code name} (default)
   * or {@code last_updated_timestamp}, paged. Reads the model listing (gsi1), narrowed to the name's literal prefix.
   */
  public Page<RegisteredModel> searchModels(SearchFilter filter, List<String> orderBy, String pageToken, int limit) {
    String prefix = null;
    for (SearchFilter.Clause c : filter.clauses()) {
      if (c.entity() == SearchFilter.Entity.ATTRIBUTE && c.key().equalsIgnoreCase("name")) {
        if (c.op().equals("=")) {
          prefix = (String) c.value();
        } else if (c.op().equals("LIKE") && prefix == null) {
          prefix = c.likePrefix();
        }
      } else if (c.entity() != SearchFilter.Entity.TAG) {
        throw PierException.badRequest("registered models are searched by name and tags.<key> only");
      }
    }
    String p = prefix;
    List<RegisteredModel> all = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse r = dynamo.query(b -> b.tableName(table).indexName(GSI1).exclusiveStartKey(from)
          .keyConditionExpression(p == null ? "gsi1pk = :p" : "gsi1pk = :p AND begins_with(gsi1sk, :prefix)")
          .expressionAttributeValues(p == null ? Map.of(":p", s("MODEL")) : Map.of(":p", s("MODEL"), ":prefix", s(p))));
      for (Map<String, AttributeValue> item : r.items()) {
        RegisteredModel m = toModel(item);
        if (filter.clauses().stream().allMatch(c -> c.matches(c.entity() == SearchFilter.Entity.TAG
            ? m.tags().get(c.key()) : m.name()))) {
          all.add(m);
        }
      }
      start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
    } while (start != null);
    java.util.Comparator<RegisteredModel> order = java.util.Comparator.comparing(RegisteredModel::name);
    for (String o : orderBy == null ? List.<String>of() : orderBy) {
      String[] parts = o.trim().split("\\s+");
      boolean desc = parts.length > 1 && parts[1].equalsIgnoreCase("DESC");
      java.util.Comparator<RegisteredModel> one = switch (parts[0].toLowerCase(Locale.ROOT)) {
        case "name" -> java.util.Comparator.comparing(RegisteredModel::name);
        case "last_updated_timestamp", "timestamp" -> java.util.Comparator.comparing(RegisteredModel::updatedAt);
        default -> throw PierException.badRequest("cannot order registered models by '" + parts[0] + "'");
      };
      order = desc ? one.reversed().thenComparing(order) : one.thenComparing(order);
    }
    all.sort(order);
    int offset = pageToken == null || pageToken.isEmpty() ? 0 : decodeVersionToken(pageToken);
    int end = Math.min(all.size(), offset + limit);
    return new Page<>(offset >= all.size() ? List.of() : all.subList(offset, end),
        end < all.size() ? encodeToken(Integer.toString(end)) : null);
  }

  /** DynamoDB caps an item at 400 KB; a card stays well under it. */
  private static final int MAX_CARD_CHARS = 100_000;

  /**
   * Writes a version's model card (an item of its own, {@code CARD#<version>}, so version reads stay small),
   * conditional on {@code expectedRevision} when given (412 when the card changed since).
   */
  public ModelCard putCard(String model, int version, ModelCard card, Long expectedRevision, String actor) {
    version(model, version);
    int size = length(card.markdown()) + length(card.intendedUse()) + length(card.limitations())
        + length(card.evaluationData()) + length(card.fairnessNotes());
    if (size > MAX_CARD_CHARS) {
      throw PierException.badRequest("a model card holds at most " + MAX_CARD_CHARS + " characters, got " + size);
    }
    ModelCard current = cardOrNull(model, version);
    long revision = current == null ? 0 : current.revision();
    if (expectedRevision != null && expectedRevision != revision) {
      throw preconditionFailed("the card of version " + version + " of model '" + model + "' is at revision "
          + revision + ", not " + expectedRevision);
    }
    Instant now = Instant.now();
    ModelCard stored = new ModelCard(card.markdown(), card.intendedUse(), card.limitations(), card.evaluationData(),
        card.evaluationResults(), card.fairnessNotes(), actor, now, revision + 1);
    Map<String, AttributeValue> item = new HashMap<>(Map.of(PK, s("MODEL#" + model),
        SK, s(String.format("CARD#%010d", version))));
    putIfSet(item, "markdown", stored.markdown());
    putIfSet(item, "intendedUse", stored.intendedUse());
    putIfSet(item, "limitations", stored.limitations());
    putIfSet(item, "evaluationData", stored.evaluationData());
    putIfSet(item, "fairnessNotes", stored.fairnessNotes());
    putIfSet(item, "updatedBy", actor);
    Map<String, AttributeValue> results = new HashMap<>();
    stored.evaluationResults().forEach((k, v) -> results.put(k, AttributeValue.fromN(Double.toString(v))));
    item.put("evaluationResults", AttributeValue.fromM(results));
    item.put("updatedAt", s(now.toString()));
    item.put("revision", n(stored.revision()));
    try {
      dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression(current == null
          ? "attribute_not_exists(pk)" : "revision = :r").expressionAttributeValues(current == null ? null
          : Map.of(":r", n(revision))));
    } catch (software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException e) {
      throw preconditionFailed("the card of version " + version + " of model '" + model
          + "' changed while it was being written; read it again");
    }
    publish(new RegistryEvent("card.updated", model, version, null, actor, now,
        Map.of("revision", Long.toString(stored.revision()))));
    return stored;
  }

  /** A version's model card; 404 when it has none. */
  public ModelCard card(String model, int version) {
    version(model, version);
    ModelCard card = cardOrNull(model, version);
    if (card == null) {
      throw PierException.notFound("version " + version + " of model '" + model + "' has no model card");
    }
    return card;
  }

  private ModelCard cardOrNull(String model, int version) {
    Map<String, AttributeValue> i = get(Map.of(PK, s("MODEL#" + model), SK, s(String.format("CARD#%010d", version))));
    if (i == null) {
      return null;
    }
    Map<String, Double> results = new TreeMap<>();
    if (i.containsKey("evaluationResults")) {
      i.get("evaluationResults").m().forEach((k, v) -> results.put(k, Double.valueOf(v.n())));
    }
    return new ModelCard(str(i, "markdown"), str(i, "intendedUse"), str(i, "limitations"), str(i, "evaluationData"),
        results, str(i, "fairnessNotes"), str(i, "updatedBy"), Instant.parse(i.get("updatedAt").s()),
        Long.parseLong(i.get("revision").n()));
  }

  private static int length(String s) {
    return s == null ? 0 : s.length();
  }

  /** Versions matching an MLflow-syntax filter; see {@link SearchIndex}. */
  public Page<ModelVersion> search(SearchFilter filter, List<String> orderBy, String pageToken, int limit) {
    return search.search(filter, orderBy, pageToken, limit);
  }

  /** Versions matching an MLflow-syntax filter, of the models {@code visible} accepts only. */
  public Page<ModelVersion> search(SearchFilter filter, List<String> orderBy, String pageToken, int limit,
      java.util.function.Predicate<String> visible) {
    return search.search(filter, orderBy, pageToken, limit, visible);
  }

  private static String str(Map<String, AttributeValue> item, String attr) {
    return item.containsKey(attr) ? item.get(attr).s() : null;
  }

  private Map<String, AttributeValue> auditItem(AuditEntry e) {
    Map<String, AttributeValue> item = new HashMap<>();
    item.put(PK, s("MODEL#" + e.model()));
    item.put(SK, s("AUDIT#" + e.at() + "#" + UUID.randomUUID().toString().substring(0, 8)));
    item.put("at", s(e.at().toString()));
    item.put("action", s(e.action()));
    item.put("actor", s(e.actor() == null ? "anonymous" : e.actor()));
    if (e.version() > 0) {
      item.put("version", n(e.version()));
    }
    if (e.alias() != null) {
      item.put("alias", s(e.alias()));
    }
    if (e.from() != null) {
      item.put("from", s(e.from()));
    }
    if (e.to() != null) {
      item.put("to", s(e.to()));
    }
    if (e.comment() != null) {
      item.put("comment", s(e.comment()));
    }
    return item;
  }

  private TransactWriteItem put(Map<String, AttributeValue> item) {
    return TransactWriteItem.builder().put(p -> p.tableName(table).item(item)).build();
  }

  private void publish(RegistryEvent event) {
    for (RegistryListener l : listeners) {
      try {
        l.changed(event);
      } catch (RuntimeException e) {
        // a listener's failure must not undo or fail a change that is already durable
        System.getLogger(ModelRegistry.class.getName()).log(System.Logger.Level.WARNING,
            "registry listener failed on " + event.type(), e);
      }
    }
  }

  private static PierException preconditionFailed(String message) {
    return new PierException(412, message);
  }

  /** The versions an index page names, in its order (BatchGetItem, 100 keys at a time). */
  private List<ModelVersion> fetchVersions(List<Map<String, AttributeValue>> refs) {
    Map<String, ModelVersion> found = new HashMap<>();
    List<Map<String, AttributeValue>> keys = refs.stream().map(r -> versionKey(r.get("model").s(),
        Integer.parseInt(r.get("version").n()))).distinct().toList();
    for (int i = 0; i < keys.size(); i += 100) {
      Map<String, KeysAndAttributes> pending = Map.of(table, KeysAndAttributes.builder()
          .keys(keys.subList(i, Math.min(keys.size(), i + 100))).consistentRead(true).build());
      for (int attempt = 1; !pending.isEmpty(); attempt++) {
        Map<String, KeysAndAttributes> request = pending;
        var r = dynamo.batchGetItem(b -> b.requestItems(request));
        r.responses().getOrDefault(table, List.of()).forEach(item -> {
          ModelVersion v = toVersion(item);
          found.put(v.model() + "#" + v.version(), v);
        });
        pending = r.hasUnprocessedKeys() ? r.unprocessedKeys() : Map.of();
        if (!pending.isEmpty()) {
          backoff(attempt);
        }
      }
    }
    List<ModelVersion> out = new ArrayList<>();
    for (Map<String, AttributeValue> ref : refs) {
      ModelVersion v = found.get(ref.get("model").s() + "#" + ref.get("version").n());
      if (v != null) {
        out.add(v);
      }
    }
    return out;
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
    List<ModelVersion> items = r.items().stream().map(ModelRegistry::toVersion).toList();
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
          .keyConditionExpression(prefix.isEmpty() ? "pk = :pk" : "pk = :pk AND begins_with(sk, :prefix)")
          .expressionAttributeValues(prefix.isEmpty() ? Map.of(":pk", s("MODEL#" + model))
              : Map.of(":pk", s("MODEL#" + model), ":prefix", s(prefix)))
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

  static Map<String, AttributeValue> versionItem(ModelVersion v) {
    Map<String, AttributeValue> item = new HashMap<>(versionKey(v.model(), v.version()));
    item.put("model", s(v.model()));
    item.put("version", n(v.version()));
    if (v.framework() != null) {
      item.put("framework", s(v.framework().id()));
    }
    if (v.sha256() != null) {
      item.put("sha256", s(v.sha256()));
      item.put("artifactKey", s(v.artifactKey()));
    }
    item.put("sizeBytes", n(v.sizeBytes()));
    item.put("servable", AttributeValue.fromBool(v.servable()));
    item.put("reviewStatus", s(v.status().name()));
    item.put("stage", s(v.stage()));
    item.put("revision", n(v.revision()));
    item.put("updatedAt", s(v.updatedAt().toString()));
    putIfSet(item, "source", v.source());
    putIfSet(item, "runId", v.runId());
    putIfSet(item, "statusMessage", v.statusMessage());
    putIfSet(item, "lineage", v.lineage());
    putIfSet(item, "pipeline", v.pipeline());
    putIfSet(item, "createdBy", v.createdBy());
    if (!v.params().isEmpty()) {
      item.put("params", stringMap(v.params()));
    }
    if (!v.properties().isEmpty()) {
      item.put("properties", stringMap(v.properties()));
    }
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

  private static void putIfSet(Map<String, AttributeValue> item, String name, String value) {
    if (value != null) {
      item.put(name, s(value));
    }
  }

  private static AttributeValue stringMap(Map<String, String> m) {
    Map<String, AttributeValue> out = new HashMap<>();
    m.forEach((k, v) -> out.put(k, s(v)));
    return AttributeValue.fromM(out);
  }

  private static Map<String, String> stringMap(Map<String, AttributeValue> item, String name) {
    Map<String, String> out = new TreeMap<>();
    if (item.containsKey(name)) {
      item.get(name).m().forEach((k, v) -> out.put(k, v.s()));
    }
    return out;
  }

  private static AttributeValue policyItem(ApprovalPolicy p) {
    return AttributeValue.fromM(Map.of("required", AttributeValue.fromBool(p.required()),
        "approvals", n(p.approvals()), "protectedAliases", AttributeValue.fromL(
            p.protectedAliases().stream().sorted().map(ModelRegistry::s).toList())));
  }

  private static ApprovalPolicy toPolicy(Map<String, AttributeValue> m) {
    return new ApprovalPolicy(m.get("required").bool(), Integer.parseInt(m.get("approvals").n()),
        new HashSet<>(m.get("protectedAliases").l().stream().map(AttributeValue::s).toList()));
  }

  static ModelVersion toVersion(Map<String, AttributeValue> item) {
    Signature signature = null;
    if (item.containsKey("signature")) {
      try {
        signature = SignatureJson.parse(JSON.readTree(item.get("signature").s()), "signature");
      } catch (IOException e) {
        throw new PierException(500, "stored signature is not JSON: " + e.getMessage(), e);
      }
    }
    Map<String, String> tags = stringMap(item, "tags");
    Map<String, Double> metrics = new TreeMap<>();
    if (item.containsKey("metrics")) {
      item.get("metrics").m().forEach((k, v) -> metrics.put(k, Double.valueOf(v.n())));
    }
    return new ModelVersion(
        item.get("model").s(),
        Integer.parseInt(item.get("version").n()),
        item.containsKey("framework") ? Framework.parse(item.get("framework").s()) : null,
        str(item, "sha256"),
        Long.parseLong(item.get("sizeBytes").n()),
        str(item, "artifactKey"),
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
        Instant.parse(item.get("createdAt").s()),
        str(item, "source"),
        str(item, "runId"),
        !item.containsKey("servable") || item.get("servable").bool(),
        str(item, "statusMessage"),
        item.containsKey("reviewStatus") ? ApprovalStatus.valueOf(item.get("reviewStatus").s()) : ApprovalStatus.NONE,
        str(item, "stage"),
        stringMap(item, "params"),
        stringMap(item, "properties"),
        str(item, "lineage"),
        str(item, "createdBy"),
        item.containsKey("revision") ? Long.parseLong(item.get("revision").n()) : 1,
        item.containsKey("updatedAt") ? Instant.parse(item.get("updatedAt").s()) : null,
        str(item, "pipeline"));
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
        Instant.parse(item.get("createdAt").s()), Instant.parse(item.get("updatedAt").s()),
        str(item, "description"), stringMap(item, "tags"),
        item.containsKey("approval") ? toPolicy(item.get("approval").m()) : null,
        item.containsKey("revision") ? Long.parseLong(item.get("revision").n()) : 1);
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
    canonical.put("source", r.source());
    canonical.put("runId", r.runId());
    canonical.put("params", new TreeMap<>(r.params()));
    canonical.put("properties", new TreeMap<>(r.properties()));
    canonical.put("lineage", r.lineage());
    canonical.put("pipeline", r.pipeline());
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
