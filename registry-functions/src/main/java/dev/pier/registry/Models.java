package dev.pier.registry;

import static dev.pier.registry.RegistryTable.GSI1;
import static dev.pier.registry.RegistryTable.GSI1_PK;
import static dev.pier.registry.RegistryTable.GSI1_SK;
import static dev.pier.registry.RegistryTable.PK;
import static dev.pier.registry.RegistryTable.SK;
import static dev.pier.registry.RegistryItems.n;
import static dev.pier.registry.RegistryItems.s;

import dev.pier.kernel.PierException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * Registered models: their own fields (description, tags, approval policy), listing and search by name and tags,
 * rename and delete. A model's versions and aliases live in its partition; this part moves or removes them with it.
 */
public final class Models {
  private final RegistryStore store;
  private final AuditHistory audit;
  private final ListingBackfill backfill;
  private volatile ApprovalPolicy defaultPolicy = ApprovalPolicy.OFF;

  Models(RegistryStore store, AuditHistory audit, ListingBackfill backfill) {
    this.store = store;
    this.audit = audit;
    this.backfill = backfill;
  }

  /** The policy of models that have none of their own (the platform default: off). */
  public void setDefaultApprovalPolicy(ApprovalPolicy policy) {
    this.defaultPolicy = Objects.requireNonNull(policy);
  }

  public ApprovalPolicy defaultApprovalPolicy() {
    return defaultPolicy;
  }

  /** The policy that applies to {@code model}: its own, or the platform default. */
  public ApprovalPolicy policy(String model) {
    RegisteredModel m = model(model);
    return m.approval() != null ? m.approval() : defaultPolicy;
  }

  /** The policy of a model read as a raw item (null for a model not yet created). */
  ApprovalPolicy policyOf(Map<String, AttributeValue> modelItem) {
    return modelItem != null && modelItem.containsKey("approval")
        ? RegistryItems.toPolicy(modelItem.get("approval").m()) : defaultPolicy;
  }

  /** 404 when the model does not exist. */
  public RegisteredModel model(String model) {
    return read(store, model);
  }

  static RegisteredModel read(RegistryStore store, String model) {
    Names.checkModel(model);
    Map<String, AttributeValue> item = store.get(RegistryItems.modelKey(model));
    if (item == null) {
      throw PierException.notFound("model '" + model + "' not found");
    }
    return RegistryItems.toModel(item);
  }

  /** Models by name, paged. */
  public Page<RegisteredModel> page(String pageToken, int limit) {
    QueryResponse r = store.dynamo.query(b -> {
      b.tableName(store.table).indexName(GSI1).limit(limit)
          .keyConditionExpression("gsi1pk = :p")
          .expressionAttributeValues(Map.of(":p", s("MODEL")));
      if (pageToken != null) {
        String name = RegistryStore.decodeToken(pageToken);
        Map<String, AttributeValue> start = new HashMap<>(RegistryItems.modelKey(name));
        start.put(GSI1_PK, s("MODEL"));
        start.put(GSI1_SK, s(name));
        b.exclusiveStartKey(start);
      }
    });
    List<RegisteredModel> items = r.items().stream().map(RegistryItems::toModel).toList();
    String next = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() && !items.isEmpty()
        ? RegistryStore.encodeToken(items.get(items.size() - 1).name()) : null;
    return new Page<>(items, next);
  }

  /** Creates a model with no versions yet (MLflow's create-registered-model); 409 when it exists. */
  public RegisteredModel create(String model, String description, Map<String, String> tags, String actor) {
    Names.checkModel(model);
    Instant now = Instant.now();
    Map<String, AttributeValue> item = RegistryItems.modelItem(model, 0, now, description, tags);
    try {
      store.transact(List.of(store.putNew(item), store.put(RegistryItems.modelUpdatedItem(model, now)),
          audit.entry(new AuditEntry(model, now, actor, "model.created", 0, null, null, model, null))));
    } catch (TransactionCanceledException e) {
      throw PierException.conflict("model '" + model + "' already exists");
    }
    store.publish(new RegistryEvent("model.created", model, 0, null, actor, now, Map.of()));
    return RegistryItems.toModel(item);
  }

  /**
   * Changes a model's own fields (description, tags, approval policy), conditional on {@code expectedRevision}
   * when given: 412 when the model changed since. Without one, concurrent changes are applied one after another.
   */
  public RegisteredModel update(String model, Long expectedRevision, UnaryOperator<RegisteredModel> change,
      String actor) {
    for (int attempt = 1; ; attempt++) {
      RegisteredModel before = model(model);
      if (expectedRevision != null && before.revision() != expectedRevision) {
        throw RegistryStore.preconditionFailed("model '" + model + "' is at revision " + before.revision()
            + ", not " + expectedRevision + "; read it again and retry");
      }
      RegisteredModel after = change.apply(before);
      Instant now = Instant.now();
      Map<String, AttributeValue> values = new HashMap<>();
      values.put(":r", n(before.revision()));
      values.put(":next", n(before.revision() + 1));
      values.put(":now", s(now.toString()));
      values.put(":tags", RegistryItems.stringMap(after.tags()));
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
        values.put(":a", RegistryItems.policyItem(after.approval()));
      } else {
        remove.add("approval");
      }
      String update = set + (remove.isEmpty() ? "" : " REMOVE " + String.join(", ", remove));
      List<TransactWriteItem> writes = new ArrayList<>();
      writes.add(TransactWriteItem.builder().update(u -> u.tableName(store.table).key(RegistryItems.modelKey(model))
          .updateExpression(update)
          .conditionExpression(before.revision() == 1
              ? "attribute_exists(pk) AND (revision = :r OR attribute_not_exists(revision))"
              : "revision = :r")
          .expressionAttributeValues(values)).build());
      writes.add(store.put(RegistryItems.modelUpdatedItem(model, now)));
      if (!Objects.equals(before.approval(), after.approval())) {
        writes.add(audit.entry(new AuditEntry(model, now, actor, "policy.changed", 0, null,
            String.valueOf(before.approval()), String.valueOf(after.approval()), null)));
      }
      try {
        store.transact(writes);
        RegisteredModel updated = new RegisteredModel(model, before.latestVersion(), before.createdAt(), now,
            after.description(), after.tags(), after.approval(), before.revision() + 1);
        store.publish(new RegistryEvent("model.updated", model, 0, null, actor, now, Map.of()));
        return updated;
      } catch (TransactionCanceledException e) {
        if (expectedRevision != null) {
          throw RegistryStore.preconditionFailed("model '" + model
              + "' changed while it was being updated; read it again");
        }
        if (attempt >= RegistryStore.MAX_ATTEMPTS) {
          throw PierException.unavailable("too many concurrent changes of model '" + model + "'; retry", e);
        }
        RegistryStore.backoff(attempt);
      }
    }
  }

  /**
   * Deletes a model with its versions, aliases and history (MLflow's delete-registered-model). Artifacts stay in the
   * content-addressed store: other versions may share them. The audit history of the name is kept.
   */
  public void delete(String model, String actor) {
    model(model);
    List<Map<String, AttributeValue>> doomed = new ArrayList<>();
    for (Map<String, AttributeValue> item : store.queryPartition(model, "")) {
      String sk = item.get(SK).s();
      if (sk.startsWith("AUDIT#")) {
        continue;
      }
      if (sk.startsWith("VERSION#")) {
        SearchIndex.items(RegistryItems.toVersion(item)).keySet().forEach(k -> doomed.add(SearchIndex.key(k)));
      } else if (sk.startsWith("ALIAS#")) {
        doomed.add(SearchIndex.aliasKey(model, item.get("alias").s()));
      }
      doomed.add(RegistryItems.keyOf(item));
    }
    store.deleteAll(doomed);
    Instant now = Instant.now();
    audit.record(new AuditEntry(model, now, actor, "model.deleted", 0, null, model, null, null));
    store.publish(new RegistryEvent("model.deleted", model, 0, null, actor, now, Map.of()));
  }

  /**
   * Renames a model (MLflow's rename-registered-model): copies every item to the new name, then deletes the old
   * ones. 409 when the new name is taken. Not atomic for large models: a failure half-way leaves both names, and
   * retrying the rename finishes it.
   */
  public RegisteredModel rename(String model, String newName, String actor) {
    Names.checkModel(newName);
    model(model);
    if (store.get(RegistryItems.modelKey(newName)) != null) {
      throw PierException.conflict("model '" + newName + "' already exists");
    }
    List<Map<String, AttributeValue>> items = store.queryPartition(model, "");
    List<Map<String, AttributeValue>> copies = new ArrayList<>();
    List<Map<String, AttributeValue>> doomed = new ArrayList<>();
    for (Map<String, AttributeValue> item : items) {
      Map<String, AttributeValue> copy = new HashMap<>(item);
      copy.put(PK, s(RegistryItems.partition(newName)));
      String sk = item.get(SK).s();
      if (sk.equals("MODEL")) {
        copy.put("name", s(newName));
        copy.put(GSI1_SK, s(newName));
      } else if (sk.equals("UPDATED")) {
        copy.put("name", s(newName));
        copy.put(GSI1_SK, s(item.get(GSI1_SK).s().substring(0, item.get(GSI1_SK).s().indexOf('#') + 1) + newName));
      } else if (item.containsKey("model")) {
        copy.put("model", s(newName));
      }
      if (sk.startsWith("VERSION#")) {
        SearchIndex.items(RegistryItems.toVersion(item)).keySet().forEach(k -> doomed.add(SearchIndex.key(k)));
        copies.addAll(SearchIndex.items(RegistryItems.toVersion(copy)).values());
      } else if (sk.startsWith("ALIAS#")) {
        doomed.add(SearchIndex.aliasKey(model, item.get("alias").s()));
        copies.add(SearchIndex.aliasItem(newName, item.get("alias").s(), Integer.parseInt(item.get("version").n())));
      }
      if (!sk.equals("MODEL")) {
        copies.add(copy);
      }
      if (!sk.startsWith("AUDIT#")) {
        doomed.add(RegistryItems.keyOf(item));
      }
    }
    Map<String, AttributeValue> modelCopy = items.stream().filter(i -> i.get(SK).s().equals("MODEL")).findFirst()
        .map(HashMap::new).orElseThrow();
    modelCopy.put(PK, s(RegistryItems.partition(newName)));
    modelCopy.put("name", s(newName));
    modelCopy.put(GSI1_SK, s(newName));
    try {
      store.dynamo.putItem(b -> b.tableName(store.table).item(modelCopy)
          .conditionExpression("attribute_not_exists(pk)"));
    } catch (ConditionalCheckFailedException e) {
      throw PierException.conflict("model '" + newName + "' already exists");
    }
    store.putAll(copies);
    store.deleteAll(doomed);
    Instant now = Instant.now();
    audit.record(new AuditEntry(newName, now, actor, "model.renamed", 0, null, model, newName, null));
    store.publish(new RegistryEvent("model.renamed", newName, 0, null, actor, now, Map.of("from", model)));
    return model(newName);
  }

  /**
   * Models matching a filter on {@code name} (=, LIKE, ILIKE) and {@code tags.<k>}, ordered by {@code name} (default)
   * or {@code last_updated_timestamp}, ASC or DESC, paged. Both orders are gsi1 partitions ({@code MODEL} by name,
   * {@code MODEL-UPDATED} by last change), read in that order only as far as a page needs: no listing is read whole
   * and nothing is sorted in memory. The first {@code order_by} term decides; ties (same millisecond) go by name.
   * The by-name listing is narrowed to the name's literal prefix.
   */
  public Page<RegisteredModel> search(SearchFilter filter, List<String> orderBy, String pageToken, int limit) {
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
    boolean byUpdate = false;
    boolean descending = false;
    for (int i = 0; orderBy != null && i < orderBy.size(); i++) {
      String[] parts = orderBy.get(i).trim().split("\\s+");
      boolean desc = parts.length > 1 && parts[1].equalsIgnoreCase("DESC");
      if (parts.length > 2 || (parts.length == 2 && !desc && !parts[1].equalsIgnoreCase("ASC"))) {
        throw PierException.badRequest("invalid order_by '" + orderBy.get(i) + "': use '<field> [ASC|DESC]'");
      }
      boolean updated = switch (parts[0].toLowerCase(Locale.ROOT)) {
        case "name" -> false;
        case "last_updated_timestamp", "timestamp" -> true;
        default -> throw PierException.badRequest("cannot order registered models by '" + parts[0] + "'");
      };
      if (i == 0) {
        byUpdate = updated;
        descending = desc;
      }
    }
    if (byUpdate) {
      backfill.ensure();
    }
    String partition = byUpdate ? RegistryItems.MODELS_BY_UPDATE : "MODEL";
    String p = byUpdate ? null : prefix;
    boolean desc = descending;
    Map<String, AttributeValue> start = pageToken == null || pageToken.isEmpty() ? null : decodeKey(pageToken);
    List<RegisteredModel> hits = new ArrayList<>();
    Map<String, AttributeValue> lastHitKey = null;
    boolean more = false;
    while (hits.size() < limit) {
      Map<String, AttributeValue> from = start;
      QueryResponse r = store.dynamo.query(b -> b.tableName(store.table).indexName(GSI1).exclusiveStartKey(from)
          .scanIndexForward(!desc).limit(Math.max(50, Math.min(1000, limit * 2)))
          .keyConditionExpression(p == null ? "gsi1pk = :p" : "gsi1pk = :p AND begins_with(gsi1sk, :prefix)")
          .expressionAttributeValues(p == null ? Map.of(":p", s(partition))
              : Map.of(":p", s(partition), ":prefix", s(p))));
      List<Map<String, AttributeValue>> items = r.items();
      List<RegisteredModel> models = byUpdate ? fetch(items) : items.stream().map(RegistryItems::toModel).toList();
      for (int j = 0; j < items.size() && hits.size() < limit; j++) {
        RegisteredModel m = models.get(j);
        if (m != null && filter.clauses().stream().allMatch(c -> c.matches(c.entity() == SearchFilter.Entity.TAG
            ? m.tags().get(c.key()) : m.name()))) {
          hits.add(m);
          lastHitKey = items.get(j);
          more = j < items.size() - 1;
        }
      }
      start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
      if (start == null) {
        break;
      }
    }
    String next = hits.size() == limit && (more || start != null) ? encodeKey(lastHitKey) : null;
    return new Page<>(hits, next);
  }

  /** The models the {@code MODEL-UPDATED} items name, in their order (null where a model was deleted meanwhile). */
  private List<RegisteredModel> fetch(List<Map<String, AttributeValue>> refs) {
    Map<String, RegisteredModel> found = new HashMap<>();
    List<Map<String, AttributeValue>> keys = refs.stream().map(i -> RegistryItems.modelKey(i.get("name").s()))
        .distinct().toList();
    for (int i = 0; i < keys.size(); i += 100) {
      Map<String, KeysAndAttributes> pending = Map.of(store.table, KeysAndAttributes.builder()
          .keys(keys.subList(i, Math.min(keys.size(), i + 100))).build());
      for (int attempt = 1; !pending.isEmpty(); attempt++) {
        Map<String, KeysAndAttributes> request = pending;
        var r = store.dynamo.batchGetItem(b -> b.requestItems(request));
        r.responses().getOrDefault(store.table, List.of()).forEach(item -> {
          RegisteredModel m = RegistryItems.toModel(item);
          found.put(m.name(), m);
        });
        pending = r.hasUnprocessedKeys() ? r.unprocessedKeys() : Map.of();
        if (!pending.isEmpty()) {
          RegistryStore.backoff(attempt);
        }
      }
    }
    List<RegisteredModel> out = new ArrayList<>(refs.size());
    refs.forEach(i -> out.add(found.get(i.get("name").s())));
    return out;
  }

  /** A page token: the gsi1 key of the last model on the page. */
  private static String encodeKey(Map<String, AttributeValue> item) {
    return RegistryStore.encodeToken(String.join("\u0000", "g", item.get(GSI1_PK).s(), item.get(GSI1_SK).s(),
        item.get(PK).s(), item.get(SK).s()));
  }

  private static Map<String, AttributeValue> decodeKey(String token) {
    String[] parts;
    try {
      parts = RegistryStore.decodeToken(token).split("\u0000", -1);
    } catch (RuntimeException e) {
      throw PierException.badRequest("invalid page_token");
    }
    if (parts.length != 5 || !parts[0].equals("g")) {
      throw PierException.badRequest("invalid page_token");
    }
    return Map.of(GSI1_PK, s(parts[1]), GSI1_SK, s(parts[2]), PK, s(parts[3]), SK, s(parts[4]));
  }
}
