package dev.pier.registry;

import dev.pier.kernel.engine.Framework;

import static dev.pier.registry.RegistryItems.n;
import static dev.pier.registry.RegistryItems.s;
import static dev.pier.registry.RegistryTable.TTL;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.security.ArtifactSignature;
import dev.pier.kernel.tensor.SignatureJson;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * A model's versions: registration (numbered without gaps, idempotent under an Idempotency-Key), reads, edits of the
 * mutable parts, deletion.
 *
 * <p>Version numbers are allocated by a transaction that advances the model's counter only from the value it read, so
 * concurrent registrations get distinct, gap-free numbers; a retried registration with the same Idempotency-Key
 * returns the version the first one created (for a day), and 422 when the key was used for a different request.
 */
public final class Versions {
  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,128}");
  private static final Duration IDEMPOTENCY_TTL = Duration.ofHours(24);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String APPROVERS = "pier.approvers";

  private final RegistryStore store;
  private final ArtifactStore artifacts;
  private final Models models;
  private final AuditHistory audit;
  private volatile ArtifactSignature signatures = new ArtifactSignature(null, false);
  private volatile String endpointPrefix = Placement.DEFAULT_ENDPOINT_PREFIX;

  Versions(RegistryStore store, ArtifactStore artifacts, Models models, AuditHistory audit) {
    this.store = store;
    this.artifacts = artifacts;
    this.models = models;
    this.audit = audit;
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
   * 400 unless {@code artifact} carries a signature that verifies, when one is required or given: the check
   * registration makes, for callers that must make it before anything else opens the bytes (an engine checking an
   * upload before registration).
   */
  public void checkSignature(Path artifact, Map<String, String> properties) {
    if (!signatures.required() && !properties.containsKey(ArtifactSignature.PROPERTY)) {
      return;
    }
    try {
      signatures.checkRegistration(ArtifactStore.sha256(artifact), properties);
    } catch (IOException e) {
      throw new PierException(500, "could not read the uploaded artifact: " + e.getMessage(), e);
    }
  }

  /** Whether registrations must carry a valid artifact signature. */
  public boolean requiresSignatures() {
    return signatures.required();
  }

  /**
   * The prefix of the endpoint names given to endpoint-placed versions that name none ({@code
   * pier.registry.endpoint-prefix}): in AWS the stage's, {@code pier-<stage>}, the only endpoints its roles may
   * invoke. The name is fixed at registration, so changing the prefix never moves a stored version.
   */
  /**
   * Lineage recorded with each new version: {@code lineage} may add properties to the metadata a version is created
   * with (the api app records the feature view versions of its feature service). Identity by default.
   */
  public void recordLineageWith(java.util.function.UnaryOperator<ModelVersion.Metadata> lineage) {
    this.lineage = Objects.requireNonNull(lineage);
  }

  private volatile java.util.function.UnaryOperator<ModelVersion.Metadata> lineage = m -> m;

  public void nameEndpointsWith(String prefix) {
    if (!prefix.matches("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,30}")) {
      throw new IllegalArgumentException("endpoint prefix '" + prefix + "': 1-31 letters, digits and hyphens");
    }
    this.endpointPrefix = prefix;
  }

  // --- registration ---

  /**
   * Registers a new version of {@code model} (creating the model on its first version) from a local artifact file,
   * by {@code actor}. Every call creates a new version, identical bytes included, except a retry carrying the same
   * {@code idempotencyKey}, which returns the version the first call created. The artifact is stored before the
   * version is written, so a version never points at a missing artifact. With the model's approval policy on, the
   * version starts {@code PENDING_REVIEW}.
   *
   * @param idempotencyKey null for none
   * @throws PierException 400 for an invalid name or key, 422 when the key was used for a different request
   */
  public ModelVersion register(String model, NewVersion request, Path artifact, String idempotencyKey,
      String actor) {
    Names.checkModel(model);
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
    signatures.checkRegistration(artifactSha, request.metadata().properties()); // 400 before anything is stored
    String requestHash = idempotencyKey == null ? null : requestHash(artifactSha, request);
    if (idempotencyKey != null) {
      ModelVersion earlier = replay(model, idempotencyKey, requestHash);
      if (earlier != null) {
        return earlier;
      }
    }
    try (ArtifactStore.Held held = artifacts.putHeld(artifact, artifactSha)) { // no sweep until the version is written
      return create(model, request, held.stored(), null, idempotencyKey, requestHash, actor, false);
    }
  }

  /**
   * Registers a version by reference: its artifact stays where {@code request.provenance().source()} says and Pier
   * cannot serve it ({@code servable = false}, {@code statusMessage} says why). MLflow versions whose source is not in
   * S3 are made so.
   */
  public ModelVersion registerReference(String model, NewVersion request, String statusMessage, String actor) {
    return registerReference(model, request, statusMessage, actor, false);
  }

  /**
   * As {@link #registerReference(String, NewVersion, String, String)}; with {@code existingModel} a model that does
   * not exist is a 404 rather than created (MLflow's create, whose registered model must exist), told by the same
   * read the version number comes from (no read of its own).
   */
  public ModelVersion registerReference(String model, NewVersion request, String statusMessage, String actor,
      boolean existingModel) {
    Names.checkModel(model);
    return create(model, request, null, statusMessage, null, null, actor, existingModel);
  }

  /** The requested placement, with its endpoint named ({@link #nameEndpointsWith}) when it is on one and names none. */
  private Placement placement(Placement requested, String model, int version) {
    return requested == null || !requested.onEndpoint() || requested.endpointName() != null ? requested
        : requested.withEndpointName(Placement.defaultEndpoint(endpointPrefix, model, version));
  }

  private ModelVersion create(String model, NewVersion request, ArtifactStore.StoredArtifact stored,
      String statusMessage, String idempotencyKey, String requestHash, String actor, boolean existingModel) {
    for (int attempt = 1; ; attempt++) {
      Map<String, AttributeValue> current = store.get(RegistryItems.modelKey(model));
      if (current == null && existingModel) {
        throw PierException.notFound("model '" + model + "' not found");
      }
      int previous = current == null ? 0 : Integer.parseInt(current.get("latestVersion").n());
      int next = previous + 1;
      Instant now = Instant.now();
      ApprovalStatus status = models.policyOf(current).required() ? ApprovalStatus.PENDING_REVIEW
          : ApprovalStatus.NONE;
      ModelVersion.Artifact artifact = new ModelVersion.Artifact(request.framework(), request.signature(),
          stored == null ? null : stored.sha256(), stored == null ? 0 : stored.sizeBytes(),
          stored == null ? null : stored.key(), stored != null, statusMessage);
      ModelVersion version = new ModelVersion(model, next, artifact, lineage.apply(request.metadata()),
          request.serving().withPlacement(placement(request.serving().placement(), model, next)),
          request.provenance(), new ModelVersion.Governance(status, "None", actor), 1, now, now);

      EndpointClaim claim = EndpointClaim.of(version, endpointPrefix); // 409 for another model's endpoint name
      List<TransactWriteItem> writes = new ArrayList<>(6);
      if (current == null) {
        writes.add(store.putNew(RegistryItems.modelItem(model, next, now, null, null)));
      } else {
        writes.add(TransactWriteItem.builder().update(u -> u.tableName(store.table)
            .key(RegistryItems.modelKey(model))
            .updateExpression("SET latestVersion = :next, updatedAt = :now")
            .conditionExpression("latestVersion = :previous")
            .expressionAttributeValues(Map.of(":next", n(next), ":previous", n(previous),
                ":now", s(now.toString())))).build());
      }
      writes.add(store.put(RegistryItems.modelUpdatedItem(model, now)));
      writes.add(store.putNew(RegistryItems.versionItem(version)));
      writes.add(audit.entry(new AuditEntry(model, now, actor, "version.created", next, null, null,
          status.name(), null)));
      SearchIndex.items(version).values().forEach(i -> writes.add(store.put(i)));
      int claimAt = writes.size();
      if (claim != null) {
        writes.add(claim.write(store.table));
      }
      if (idempotencyKey != null) {
        Map<String, AttributeValue> item = new HashMap<>(RegistryItems.idempotencyKey(model, idempotencyKey));
        item.put("version", n(next));
        item.put("requestHash", s(requestHash));
        item.put(TTL, n(now.plus(IDEMPOTENCY_TTL).getEpochSecond()));
        writes.add(store.putNew(item));
      }
      try {
        store.transact(writes);
        store.notifyListeners(l -> l.versionCreated(version));
        store.publish(new RegistryEvent("version.created", model, next, null, actor, now,
            Map.of("status", status.name(), "servable", Boolean.toString(artifact.servable()))));
        return version;
      } catch (TransactionCanceledException e) {
        if (claim != null && RegistryStore.failedCondition(e, claimAt)) {
          throw claim.refused(); // the endpoint is claimed by another model
        }
        if (idempotencyKey != null && RegistryStore.failedCondition(e, writes.size() - 1)) {
          ModelVersion earlier = replay(model, idempotencyKey, requestHash);
          if (earlier != null) {
            return earlier;
          }
        }
        if (attempt >= RegistryStore.MAX_ATTEMPTS) {
          throw PierException.unavailable("too many concurrent registrations of model '" + model
              + "'; retry", e);
        }
        RegistryStore.backoff(attempt); // another registration took the number we read: read again and retry
      }
    }
  }

  private ModelVersion replay(String model, String idempotencyKey, String requestHash) {
    Map<String, AttributeValue> item = store.get(RegistryItems.idempotencyKey(model, idempotencyKey));
    if (item == null) {
      return null;
    }
    if (!item.get("requestHash").s().equals(requestHash)) {
      throw PierException.unprocessable("Idempotency-Key '" + idempotencyKey
          + "' was already used for a different registration of model '" + model + "'");
    }
    return version(model, Integer.parseInt(item.get("version").n()));
  }

  /**
   * The digest an Idempotency-Key is bound to: the artifact and every field of the request, in a fixed order and
   * spelling. Stored with the key, so it must not change for the same request (keys outlive deployments by a day).
   */
  static String requestHash(String artifactSha, NewVersion r) {
    ModelVersion.Metadata m = r.metadata();
    ModelVersion.Serving sv = r.serving();
    ModelVersion.Provenance p = r.provenance();
    Map<String, Object> canonical = new LinkedHashMap<>();
    canonical.put("artifact", artifactSha);
    canonical.put("framework", r.framework().id());
    canonical.put("signature", r.signature() == null ? null : SignatureJson.write(r.signature()).toString());
    canonical.put("description", m.description());
    canonical.put("tags", new TreeMap<>(m.tags()));
    canonical.put("metrics", new TreeMap<>(m.metrics()));
    canonical.put("batching", sv.batching() == null ? null : sv.batching().toString());
    canonical.put("placement", sv.placement() == null ? null : sv.placement().toString());
    canonical.put("responseCache", sv.responseCache() == null ? null : sv.responseCache().toString());
    canonical.put("explain", sv.explain() == null ? null : Arrays.deepToString(sv.explain().background()));
    canonical.put("source", p.source());
    canonical.put("runId", p.runId());
    canonical.put("params", new TreeMap<>(m.params()));
    canonical.put("properties", new TreeMap<>(m.properties()));
    canonical.put("lineage", p.lineage());
    canonical.put("pipeline", sv.pipeline());
    try {
      byte[] bytes = JSON.writeValueAsBytes(canonical);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // --- reads ---

  /** 404 naming the model or the version when either is missing. */
  public ModelVersion version(String model, int version) {
    Names.checkModel(model);
    Map<String, AttributeValue> item = version < 1 ? null : store.get(RegistryItems.versionKey(model, version));
    if (item == null) {
      models.model(model);
      throw PierException.notFound("model '" + model + "' has no version " + version);
    }
    return RegistryItems.toVersion(item);
  }

  /** A model's versions, oldest first, paged. */
  public Page<ModelVersion> page(String model, String pageToken, int limit) {
    models.model(model);
    QueryResponse r = store.page(model, "VERSION#", pageToken == null ? null
        : RegistryItems.versionKey(model, RegistryStore.decodeNumberToken(pageToken)), limit, false);
    List<ModelVersion> items = r.items().stream().map(RegistryItems::toVersion).toList();
    String next = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() && !items.isEmpty()
        ? RegistryStore.encodeToken(Integer.toString(items.get(items.size() - 1).version())) : null;
    return new Page<>(items, next);
  }

  /** Every version of a model, oldest first. */
  public List<ModelVersion> all(String model) {
    return store.queryPartition(model, "VERSION#").stream().map(RegistryItems::toVersion).toList();
  }

  /** The artifact keys that some version of some model stores (what {@link ArtifactStore#sweep} must keep). */
  public Set<String> artifactKeys() {
    Set<String> keys = new HashSet<>();
    String token = null;
    do {
      Page<RegisteredModel> page = models.page(token, 100);
      for (RegisteredModel m : page.items()) {
        for (ModelVersion v : all(m.name())) {
          if (v.artifact().key() != null) {
            keys.add(v.artifact().key());
          }
        }
      }
      token = page.nextPageToken();
    } while (token != null);
    return keys;
  }

  // --- changes ---

  /**
   * Changes a version's metadata and governance through {@code change}, conditional on {@code expectedRevision} when
   * given (412 when the version changed since; the ETag is the revision). Review-status and stage changes are
   * audited. Artifact, serving and provenance never change: what {@code change} returns for them is ignored.
   *
   * <p>Atomic: the version (conditional on the revision read), its audit entries and the search-index items the
   * change touches are one DynamoDB transaction, so search never sees half an update and a failed update leaves
   * nothing behind. The index's layout bounds it to 92 writes whatever the change ({@link SearchIndex#change}).
   */
  public ModelVersion update(String model, int version, Long expectedRevision, UnaryOperator<ModelVersion> change,
      String actor, String comment) {
    for (int attempt = 1; ; attempt++) {
      ModelVersion before = version(model, version);
      if (expectedRevision != null && before.revision() != expectedRevision) {
        throw RegistryStore.preconditionFailed("version " + version + " of model '" + model + "' is at revision "
            + before.revision() + ", not " + expectedRevision + "; read it again and retry");
      }
      ModelVersion changed = change.apply(before);
      if (changed == before) {
        return before;
      }
      ModelVersion after = new ModelVersion(model, version, before.artifact(), changed.metadata(),
          before.serving(), before.provenance(), changed.governance(), before.revision() + 1, before.createdAt(),
          changed.updatedAt().equals(before.updatedAt()) ? Instant.now() : changed.updatedAt());
      checkLimits(after.metadata());
      Instant now = after.updatedAt();
      ApprovalStatus from = before.governance().status();
      ApprovalStatus to = after.governance().status();
      List<TransactWriteItem> writes = new ArrayList<>();
      writes.add(TransactWriteItem.builder().put(p -> p.tableName(store.table)
          .item(RegistryItems.versionItem(after))
          .conditionExpression("revision = :r OR (attribute_not_exists(revision) AND :r = :one)")
          .expressionAttributeValues(Map.of(":r", n(before.revision()), ":one", n(1)))).build());
      List<RegistryEvent> events = new ArrayList<>();
      if (from != to) {
        String action = switch (to) {
          case PENDING_REVIEW -> "review.requested";
          case APPROVED -> "review.approved";
          case REJECTED -> "review.rejected";
          case NONE -> "review.withdrawn";
        };
        writes.add(audit.entry(new AuditEntry(model, now, actor, action, version, null, from.name(), to.name(),
            comment)));
        events.add(new RegistryEvent(action, model, version, null, actor, now,
            comment == null ? Map.of("from", from.name(), "to", to.name())
                : Map.of("from", from.name(), "to", to.name(), "comment", comment)));
      } else if (after.metadata().properties().containsKey(APPROVERS) && !Objects.equals(
          before.metadata().properties().get(APPROVERS), after.metadata().properties().get(APPROVERS))) {
        writes.add(audit.entry(new AuditEntry(model, now, actor, "review.approval-recorded", version, null,
            from.name(), to.name(), comment)));
      }
      String fromStage = before.governance().stage();
      String toStage = after.governance().stage();
      if (!fromStage.equals(toStage)) {
        writes.add(audit.entry(new AuditEntry(model, now, actor, "stage.changed", version, null, fromStage,
            toStage, comment)));
        events.add(new RegistryEvent("stage.changed", model, version, null, actor, now,
            Map.of("from", fromStage, "to", toStage)));
      }
      SearchIndex.IndexChange index = SearchIndex.change(before, after);
      index.puts().forEach(i -> writes.add(store.put(i)));
      index.deletes().forEach(k -> writes.add(store.delete(k)));
      try {
        store.transact(writes);
      } catch (TransactionCanceledException e) {
        if (expectedRevision != null) {
          throw RegistryStore.preconditionFailed("version " + version + " of model '" + model
              + "' changed while it was being updated; read it again");
        }
        if (attempt >= RegistryStore.MAX_ATTEMPTS) {
          throw PierException.unavailable("too many concurrent changes of version " + version + "; retry", e);
        }
        RegistryStore.backoff(attempt);
        continue;
      }
      events.add(new RegistryEvent("version.updated", model, version, null, actor, now,
          Map.of("revision", Long.toString(after.revision()))));
      events.forEach(store::publish);
      return after;
    }
  }

  private static void checkLimits(ModelVersion.Metadata m) {
    if (m.tags().size() > 100 || m.metrics().size() > 100 || m.params().size() > 200
        || m.properties().size() > 100) {
      throw PierException.badRequest("a version holds at most 100 tags, 100 metrics, 200 params and 100 properties");
    }
  }

  /**
   * Deletes a version; 409 while an alias (or its canary) points at it. Its artifact stays in the store until a sweep
   * finds no version referencing it (see {@link ArtifactStore#sweep}); its model card goes with it.
   */
  public void delete(String model, int version, String actor) {
    ModelVersion v = version(model, version);
    for (Map<String, AttributeValue> item : store.queryPartition(model, "ALIAS#")) {
      Alias a = RegistryItems.toAlias(model, item);
      if (a.version() == version || (a.canary() != null && a.canary().version() == version)) {
        throw PierException.conflict("version " + version + " of model '" + model + "' is behind alias '"
            + a.name() + "': move the alias first");
      }
    }
    Instant now = Instant.now();
    List<TransactWriteItem> writes = new ArrayList<>();
    writes.add(TransactWriteItem.builder().delete(d -> d.tableName(store.table)
        .key(RegistryItems.versionKey(model, version)).conditionExpression("attribute_exists(pk)")).build());
    SearchIndex.items(v).keySet().forEach(k -> writes.add(store.delete(SearchIndex.key(k))));
    writes.add(audit.entry(new AuditEntry(model, now, actor, "version.deleted", version, null,
        v.governance().status().name(), null, null)));
    writes.add(store.delete(RegistryItems.cardKey(model, version)));
    try {
      store.transact(writes);
    } catch (TransactionCanceledException e) {
      throw PierException.notFound("model '" + model + "' has no version " + version);
    }
    store.publish(new RegistryEvent("version.deleted", model, version, null, actor, now, Map.of()));
  }
}
