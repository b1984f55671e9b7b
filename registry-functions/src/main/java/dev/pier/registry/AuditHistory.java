package dev.pier.registry;

import static dev.pier.registry.RegistryTable.PK;
import static dev.pier.registry.RegistryTable.SK;

import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/**
 * A model's audit history: who changed a status, stage, alias or policy, when, from what to what. Entries are written
 * in the same transaction as the change they record ({@link #entry}), so a change is never unrecorded; they outlive the
 * model's deletion and are never edited.
 */
public final class AuditHistory {
  private final RegistryStore store;

  AuditHistory(RegistryStore store) {
    this.store = store;
  }

  /** The write that records {@code entry}, for the transaction of the change it describes. */
  TransactWriteItem entry(AuditEntry entry) {
    return store.put(RegistryItems.auditItem(entry));
  }

  /** Records {@code entry} on its own: for changes made of several writes (deletes, renames). */
  void record(AuditEntry entry) {
    store.dynamo.putItem(b -> b.tableName(store.table).item(RegistryItems.auditItem(entry)));
  }

  /** The model's audit history, newest first. */
  public Page<AuditEntry> page(String model, String pageToken, int limit) {
    Names.checkModel(model);
    QueryResponse r = store.page(model, "AUDIT#", pageToken == null ? null : Map.of(
        PK, RegistryItems.s(RegistryItems.partition(model)),
        SK, RegistryItems.s("AUDIT#" + RegistryStore.decodeToken(pageToken))), limit, true);
    if (r.items().isEmpty() && pageToken == null) {
      Models.read(store, model); // 404 for a model that never existed
    }
    List<AuditEntry> entries = r.items().stream().map(i -> RegistryItems.toAuditEntry(model, i)).toList();
    String next = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty()
        ? RegistryStore.encodeToken(r.lastEvaluatedKey().get(SK).s().substring("AUDIT#".length())) : null;
    return new Page<>(entries, next);
  }
}
