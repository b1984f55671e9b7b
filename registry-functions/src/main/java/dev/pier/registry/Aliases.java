package dev.pier.registry;

import static dev.pier.registry.RegistryItems.n;
import static dev.pier.registry.RegistryItems.s;

import dev.pier.kernel.PierException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * Aliases: movable names pointing at a version, optionally with a canary share of traffic, with a history of every
 * move (one entry per revision) and rollback to the previous target.
 *
 * <p>A move writes the alias, its history entry, its audit entry and its search item in one transaction, conditional
 * on the revision read (so concurrent moves are serialized and none is lost) and on the target versions existing —
 * and, for a protected alias under an approval policy, being approved, so a version cannot lose its approval in
 * between.
 */
public final class Aliases {
  private final RegistryStore store;
  private final Models models;
  private final Versions versions;
  private final AuditHistory audit;

  Aliases(RegistryStore store, Models models, Versions versions, AuditHistory audit) {
    this.store = store;
    this.models = models;
    this.versions = versions;
    this.audit = audit;
  }

  /** 404 naming the model or the alias when either is missing. */
  public Alias get(String model, String alias) {
    Names.checkModel(model);
    Names.checkAlias(alias);
    Map<String, AttributeValue> item = store.get(RegistryItems.aliasKey(model, alias));
    if (item == null) {
      models.model(model);
      throw PierException.notFound("model '" + model + "' has no alias '" + alias + "'");
    }
    return RegistryItems.toAlias(model, item);
  }

  public List<Alias> all(String model) {
    List<Alias> aliases = new ArrayList<>();
    for (Map<String, AttributeValue> item : store.queryPartition(model, "ALIAS#")) {
      aliases.add(RegistryItems.toAlias(model, item));
    }
    return aliases;
  }

  /** The alias's changes, newest first. */
  public List<AliasChange> history(String model, String alias, int limit) {
    Names.checkModel(model);
    Names.checkAlias(alias);
    QueryResponse r = store.page(model, "ALIASLOG#" + alias + "#", null, limit, true);
    if (r.items().isEmpty()) {
      get(model, alias); // 404 naming the model or the alias
    }
    return r.items().stream().map(i -> RegistryItems.toAliasChange(model, alias, i)).toList();
  }

  /**
   * Points {@code alias} at a target (a version, optionally with a canary), by {@code actor}; both versions must exist
   * (404). Setting the target it already has changes nothing. Where the model's approval policy is on and the alias
   * is protected, only approved versions (canary included) may take it: 409 otherwise.
   */
  public Alias set(String model, String alias, Alias.Target target, String actor) {
    Names.checkModel(model);
    Names.checkAlias(alias);
    if (target.version() < 1) {
      throw PierException.badRequest("version must be a positive integer, got " + target.version());
    }
    if (target.canary() != null && target.canary().version() == target.version()) {
      throw PierException.badRequest("canary.version must differ from version " + target.version());
    }
    for (int attempt = 1; ; attempt++) {
      Map<String, AttributeValue> current = store.get(RegistryItems.aliasKey(model, alias));
      Alias before = current == null ? null : RegistryItems.toAlias(model, current);
      if (before != null && before.target().equals(target)) {
        return before;
      }
      boolean guarded = guarded(model, alias);
      try {
        return write(model, alias, before, target, "set", actor, guarded);
      } catch (TransactionCanceledException e) {
        explainRefusal(e, model, alias, target, guarded);
        if (attempt >= RegistryStore.MAX_ATTEMPTS) {
          throw PierException.unavailable("too many concurrent changes of alias '" + alias + "'; retry", e);
        }
        RegistryStore.backoff(attempt);
      }
    }
  }

  /**
   * Returns the alias to the target it had before its last change (a rollback is itself a change, so rolling back
   * twice restores the rolled-back target), by {@code actor}; a protected alias still takes approved versions only.
   * 409 when the alias has never changed.
   */
  public Alias rollback(String model, String alias, String actor) {
    for (int attempt = 1; ; attempt++) {
      Alias before = get(model, alias);
      AliasChange last = history(model, alias, 1).get(0);
      if (last.from() == null) {
        throw PierException.conflict("alias '" + alias + "' of model '" + model
            + "' has no previous target to roll back to");
      }
      boolean guarded = guarded(model, alias);
      try {
        return write(model, alias, before, last.from(), "rollback", actor, guarded);
      } catch (TransactionCanceledException e) {
        explainRefusal(e, model, alias, last.from(), guarded);
        if (attempt >= RegistryStore.MAX_ATTEMPTS) {
          throw PierException.unavailable("too many concurrent changes of alias '" + alias + "'; retry", e);
        }
        RegistryStore.backoff(attempt);
      }
    }
  }

  /** Removes an alias and its history (the audit history keeps the record). 404 when it does not exist. */
  public void delete(String model, String alias, String actor) {
    Alias before = get(model, alias);
    List<Map<String, AttributeValue>> doomed = new ArrayList<>();
    for (Map<String, AttributeValue> item : store.queryPartition(model, "ALIASLOG#" + alias + "#")) {
      doomed.add(RegistryItems.keyOf(item));
    }
    Instant now = Instant.now();
    store.transact(List.of(
        TransactWriteItem.builder().delete(d -> d.tableName(store.table).key(RegistryItems.aliasKey(model, alias))
            .conditionExpression("revision = :r").expressionAttributeValues(Map.of(":r", n(before.revision()))))
            .build(),
        store.delete(SearchIndex.aliasKey(model, alias)),
        audit.entry(new AuditEntry(model, now, actor, "alias.deleted", before.version(), alias,
            describe(before.target()), null, null))));
    store.deleteAll(doomed);
    store.publish(new RegistryEvent("alias.deleted", model, before.version(), alias, actor, now,
        Map.of("from", describe(before.target()))));
  }

  private boolean guarded(String model, String alias) {
    ApprovalPolicy p = models.policy(model);
    return p.required() && p.protectedAliases().contains(alias);
  }

  /** Turns a failed version condition of a move into 404 (missing version) or 409 (not approved); else returns. */
  private void explainRefusal(TransactionCanceledException e, String model, String alias, Alias.Target target,
      boolean guarded) {
    if (RegistryStore.failedCondition(e, 0)) {
      checkTakes(model, alias, target.version(), guarded, "");
    }
    if (target.canary() != null && RegistryStore.failedCondition(e, 1)) {
      checkTakes(model, alias, target.canary().version(), guarded, " (canary)");
    }
  }

  /** Explains a failed alias condition: 404 for a missing version, 409 for one not approved. */
  private void checkTakes(String model, String alias, int version, boolean guarded, String what) {
    ModelVersion v;
    try {
      v = versions.version(model, version);
    } catch (PierException e) {
      if (e.status() == 404 && !what.isEmpty()) {
        throw PierException.notFound("model '" + model + "' has no version " + version + what);
      }
      throw e;
    }
    if (guarded && v.governance().status() != ApprovalStatus.APPROVED) {
      throw PierException.conflict("alias '" + alias + "' of model '" + model + "' is protected: version " + version
          + what + " is " + v.governance().status()
          + ", and only APPROVED versions may take it (request a review, then approve)");
    }
  }

  private Alias write(String model, String alias, Alias before, Alias.Target target, String reason, String actor,
      boolean guarded) {
    Instant now = Instant.now();
    long revision = before == null ? 1 : before.revision() + 1;
    Map<String, AttributeValue> item = RegistryItems.aliasItem(model, alias, target, revision, now);
    Map<String, AttributeValue> change = RegistryItems.aliasChangeItem(model, new AliasChange(model, alias, revision,
        before == null ? null : before.target(), target, reason, now), actor);

    List<TransactWriteItem> writes = new ArrayList<>(6);
    writes.add(versionCheck(model, target.version(), guarded));
    if (target.canary() != null) {
      writes.add(versionCheck(model, target.canary().version(), guarded));
    }
    writes.add(TransactWriteItem.builder().put(p -> {
      p.tableName(store.table).item(item);
      if (before == null) {
        p.conditionExpression("attribute_not_exists(pk)");
      } else {
        p.conditionExpression("revision = :r").expressionAttributeValues(Map.of(":r", n(before.revision())));
      }
    }).build());
    writes.add(store.putNew(change));
    String from = before == null ? null : describe(before.target());
    writes.add(audit.entry(new AuditEntry(model, now, actor, "alias." + reason, target.version(), alias, from,
        describe(target), null)));
    writes.add(store.put(SearchIndex.aliasItem(model, alias, target.version())));
    store.transact(writes);
    Alias moved = new Alias(model, alias, target.version(), target.canary(), revision, now);
    store.notifyListeners(l -> l.aliasMoved(moved));
    Map<String, String> detail = new HashMap<>();
    detail.put("to", describe(target));
    if (from != null) {
      detail.put("from", from);
    }
    store.publish(new RegistryEvent("alias." + reason, model, target.version(), alias, actor, now, detail));
    return moved;
  }

  private TransactWriteItem versionCheck(String model, int version, boolean approvedOnly) {
    return TransactWriteItem.builder().conditionCheck(c -> {
      c.tableName(store.table).key(RegistryItems.versionKey(model, version));
      if (approvedOnly) {
        c.conditionExpression("attribute_exists(pk) AND reviewStatus = :approved")
            .expressionAttributeValues(Map.of(":approved", s(ApprovalStatus.APPROVED.name())));
      } else {
        c.conditionExpression("attribute_exists(pk)");
      }
    }).build();
  }

  /** How audit entries and events name a target: {@code v3}, or {@code v3 + canary v4 @ 0.1}. */
  static String describe(Alias.Target t) {
    return t.canary() == null ? "v" + t.version()
        : "v" + t.version() + " + canary v" + t.canary().version() + " @ " + t.canary().weight();
  }
}
