package dev.pier.registry;

import dev.pier.security.ArtifactSignature;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The model registry's control plane, straight from DynamoDB (strongly consistent reads); the serving path reads
 * through {@link ModelResolver} instead, which caches. A thin front over its parts, each usable alone:
 *
 * <ul>
 *   <li>{@link #models()}: registered models, their policy, listing, search, rename, delete;
 *   <li>{@link #versions()}: registration (gap-free numbers, idempotent under a key), reads, edits, deletion;
 *   <li>{@link #aliases()}: moves, canaries, history, rollback;
 *   <li>{@link #reviews()}: review requests, approvals, rejections, stage transitions;
 *   <li>{@link #cards()}: model cards;
 *   <li>{@link #audit()}: the audit history;
 *   <li>{@link #searchIndex()}: version search.
 * </ul>
 *
 * How values become items is {@code RegistryItems}' alone. Every write is conditional. Thread-safe.
 */
public final class ModelRegistry {
  private final ArtifactStore artifacts;
  private final RegistryStore store;
  private final AuditHistory audit;
  private final Models models;
  private final Versions versions;
  private final Aliases aliases;
  private final Reviews reviews;
  private final ModelCards cards;
  private final SearchIndex search;

  public ModelRegistry(DynamoDbClient dynamo, String table, ArtifactStore artifacts) {
    this.artifacts = artifacts;
    this.store = new RegistryStore(dynamo, table);
    this.audit = new AuditHistory(store);
    ListingBackfill backfill = new ListingBackfill(store);
    this.models = new Models(store, audit, backfill);
    this.versions = new Versions(store, artifacts, models, audit);
    this.aliases = new Aliases(store, models, versions, audit);
    this.reviews = new Reviews(versions, models, aliases);
    this.cards = new ModelCards(store, versions);
    this.search = new SearchIndex(dynamo, table, store::fetchVersions, backfill::ensure,
        backfill::ensureFeatureServices);
  }

  // --- the parts ---

  public Models models() {
    return models;
  }

  public Versions versions() {
    return versions;
  }

  public Aliases aliases() {
    return aliases;
  }

  public Reviews reviews() {
    return reviews;
  }

  public ModelCards cards() {
    return cards;
  }

  public AuditHistory audit() {
    return audit;
  }

  public SearchIndex searchIndex() {
    return search;
  }

  public ArtifactStore artifacts() {
    return artifacts;
  }

  // --- settings and listeners ---

  /** The policy of models that have none of their own (the platform default: off). */
  public void setDefaultApprovalPolicy(ApprovalPolicy policy) {
    models.setDefaultApprovalPolicy(policy);
  }

  public ApprovalPolicy defaultApprovalPolicy() {
    return models.defaultApprovalPolicy();
  }

  /** See {@link Versions#verifySignaturesWith}. */
  public void verifySignaturesWith(ArtifactSignature signatures) {
    versions.verifySignaturesWith(signatures);
  }

  /** See {@link Versions#recordLineageWith}. */
  public void recordLineageWith(java.util.function.UnaryOperator<ModelVersion.Metadata> lineage) {
    versions.recordLineageWith(lineage);
  }

  /** See {@link Versions#nameEndpointsWith}. */
  public void nameEndpointsWith(String prefix) {
    versions.nameEndpointsWith(prefix);
  }

  public boolean requiresSignatures() {
    return versions.requiresSignatures();
  }

  /** Tells {@code listener} of every change this registry makes, after it is durable. */
  public void addListener(RegistryListener listener) {
    store.addListener(listener);
  }

  /**
   * Tells the listeners (webhooks, EventBridge) of a platform change that is not a registry write, e.g. a feature
   * flag an experiment rolled out ({@code flag.rolled_out}, model null).
   */
  public void announce(RegistryEvent event) {
    store.publish(event);
  }

  // --- the calls most callers make ---

  /** See {@link Versions#register}; no actor. */
  public ModelVersion register(String model, NewVersion request, Path artifact, String idempotencyKey) {
    return versions.register(model, request, artifact, idempotencyKey, null);
  }

  /** See {@link Versions#register}. */
  public ModelVersion register(String model, NewVersion request, Path artifact, String idempotencyKey, String actor) {
    return versions.register(model, request, artifact, idempotencyKey, actor);
  }

  /** See {@link Versions#registerReference}. */
  public ModelVersion registerReference(String model, NewVersion request, String statusMessage, String actor) {
    return versions.registerReference(model, request, statusMessage, actor);
  }

  /** See {@link Versions#registerReference(String, NewVersion, String, String, boolean)}. */
  public ModelVersion registerReference(String model, NewVersion request, String statusMessage, String actor,
      boolean existingModel) {
    return versions.registerReference(model, request, statusMessage, actor, existingModel);
  }

  public RegisteredModel model(String model) {
    return models.model(model);
  }

  public ModelVersion version(String model, int version) {
    return versions.version(model, version);
  }

  public Alias alias(String model, String alias) {
    return aliases.get(model, alias);
  }

  /**
   * Resolves a version reference as the inference API takes it: a version number, an alias name, or null for
   * the alias {@code production}.
   */
  public ModelVersion resolve(String model, String reference) {
    String ref = reference == null ? "production" : reference;
    int number = Names.versionNumberOf(ref);
    return number >= 0 ? versions.version(model, number) : versions.version(model, aliases.get(model, ref).version());
  }

  /** Points {@code alias} at an existing version; moving it to where it already points changes nothing. */
  public Alias setAlias(String model, String alias, int version) {
    return aliases.set(model, alias, new Alias.Target(version, null), null);
  }

  /** See {@link Aliases#set}; no actor. */
  public Alias setAlias(String model, String alias, Alias.Target target) {
    return aliases.set(model, alias, target, null);
  }

  /** See {@link Aliases#set}. */
  public Alias setAlias(String model, String alias, Alias.Target target, String actor) {
    return aliases.set(model, alias, target, actor);
  }

  public Page<RegisteredModel> models(String pageToken, int limit) {
    return models.page(pageToken, limit);
  }

  public Page<ModelVersion> versions(String model, String pageToken, int limit) {
    return versions.page(model, pageToken, limit);
  }

  public List<ModelVersion> allVersions(String model) {
    return versions.all(model);
  }

  /** See {@link SearchIndex#latestInStages}. */
  public List<ModelVersion> latestVersions(String model, List<String> stages) {
    return search.latestInStages(model, stages);
  }

  public List<Alias> aliases(String model) {
    return aliases.all(model);
  }

  /** See {@link AuditHistory#page}. */
  public Page<AuditEntry> audit(String model, String pageToken, int limit) {
    return audit.page(model, pageToken, limit);
  }

  /** See {@link Versions#artifactKeys}. */
  public Set<String> artifactKeys() {
    return versions.artifactKeys();
  }

  /** Versions matching an MLflow-syntax filter; see {@link SearchIndex}. */
  public Page<ModelVersion> search(SearchFilter filter, List<String> orderBy, String pageToken, int limit) {
    return search.search(filter, orderBy, pageToken, limit);
  }

  /** Versions matching an MLflow-syntax filter, of the models {@code visible} accepts only. */
  public Page<ModelVersion> search(SearchFilter filter, List<String> orderBy, String pageToken, int limit,
      Predicate<String> visible) {
    return search.search(filter, orderBy, pageToken, limit, visible);
  }
}
