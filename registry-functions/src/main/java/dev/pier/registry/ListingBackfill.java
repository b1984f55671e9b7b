package dev.pier.registry;

import static dev.pier.registry.RegistryTable.GSI1;
import static dev.pier.registry.RegistryTable.PK;
import static dev.pier.registry.RegistryTable.SK;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The listing indexes added after data was first stored — models by last change ({@code MODEL-UPDATED} on gsi1),
 * versions by creation ({@code IDX#CREATED}) and by stage ({@code IDX#STAGE#<stage>}) — filled in for items written before they existed, once per table,
 * the first time a listing needs one. A marker item ({@code IDX#META / LISTING-ORDERS-1}) records that it is done;
 * a table created by this code gets the marker at creation ({@link #markNew}), so only old tables ever pay for it.
 * Idempotent: an interrupted fill is redone by the next listing.
 */
final class ListingBackfill {
  static final Map<String, AttributeValue> MARKER = Map.of(PK, AttributeValue.fromS("IDX#META"),
      SK, AttributeValue.fromS("LISTING-ORDERS-1"));

  /** Marks the feature-service index ({@code IDX#FEATURE-SERVICE#<name>}) filled. */
  static final Map<String, AttributeValue> FEATURE_SERVICES = Map.of(PK, AttributeValue.fromS("IDX#META"),
      SK, AttributeValue.fromS("FEATURE-SERVICES-1"));

  private final RegistryStore store;
  private volatile boolean done;
  private volatile boolean featureServicesDone;

  ListingBackfill(RegistryStore store) {
    this.store = store;
  }

  /** Marks a table just created as needing no fill. */
  static void markNew(DynamoDbClient dynamo, String table) {
    dynamo.putItem(b -> b.tableName(table).item(MARKER));
    dynamo.putItem(b -> b.tableName(table).item(FEATURE_SERVICES));
  }

  /**
   * Fills the feature-service index for versions written before it existed: reads each version once (in batches of
   * 100) and writes the index item of those that name a feature service. Once per old table, like {@link #ensure}.
   */
  void ensureFeatureServices() {
    if (featureServicesDone) {
      return;
    }
    synchronized (this) {
      if (!featureServicesDone && store.get(FEATURE_SERVICES) == null) {
        List<Map<String, AttributeValue>> refs = readAll(QueryRequest.builder().tableName(store.table)
            .keyConditionExpression("pk = :p").expressionAttributeValues(Map.of(":p",
                AttributeValue.fromS(SearchIndex.VERSIONS))).build());
        for (int i = 0; i < refs.size(); i += 100) {
          List<Map<String, AttributeValue>> items = new ArrayList<>();
          for (ModelVersion v : store.fetchVersions(refs.subList(i, Math.min(refs.size(), i + 100)))) {
            SearchIndex.items(v).forEach((k, item) -> {
              if (k.startsWith(SearchIndex.FEATURE_SERVICE)) {
                items.add(item);
              }
            });
          }
          store.putAll(items);
        }
        store.dynamo.putItem(b -> b.tableName(store.table).item(FEATURE_SERVICES));
      }
      featureServicesDone = true;
    }
  }

  void ensure() {
    if (done) {
      return;
    }
    synchronized (this) {
      if (!done && store.get(MARKER) == null) {
        fill();
        store.dynamo.putItem(b -> b.tableName(store.table).item(MARKER));
      }
      done = true;
    }
  }

  private void fill() {
    for (Map<String, AttributeValue> model : readAll(QueryRequest.builder().tableName(store.table).indexName(GSI1)
        .keyConditionExpression("gsi1pk = :p").expressionAttributeValues(Map.of(":p", AttributeValue.fromS("MODEL")))
        .build())) {
      Map<String, AttributeValue> item = RegistryItems.modelUpdatedItem(model.get("name").s(),
          Instant.parse(model.get("updatedAt").s()));
      try { // a change since wrote a newer one: keep it
        store.dynamo.putItem(b -> b.tableName(store.table).item(item).conditionExpression("attribute_not_exists(pk)"));
      } catch (ConditionalCheckFailedException e) {
        // newer
      }
    }
    List<Map<String, AttributeValue>> created = new ArrayList<>();
    for (Map<String, AttributeValue> v : readAll(QueryRequest.builder().tableName(store.table)
        .keyConditionExpression("pk = :p").expressionAttributeValues(Map.of(":p",
            AttributeValue.fromS(SearchIndex.VERSIONS))).build())) {
      Map<String, AttributeValue> copy = new HashMap<>(v);
      copy.put(PK, AttributeValue.fromS(SearchIndex.CREATED));
      copy.put(SK, AttributeValue.fromS(SearchIndex.createdSortKey(Instant.parse(v.get("createdAt").s()),
          v.get(SK).s())));
      created.add(copy);
      Map<String, AttributeValue> staged = new HashMap<>(v);
      staged.put(PK, AttributeValue.fromS(SearchIndex.STAGE + v.get("stage").s()));
      created.add(staged);
    }
    store.putAll(created);
  }

  private List<Map<String, AttributeValue>> readAll(QueryRequest query) {
    List<Map<String, AttributeValue>> all = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse r = store.dynamo.query(from == null ? query : query.toBuilder().exclusiveStartKey(from).build());
      all.addAll(r.items());
      start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
    } while (start != null);
    return all;
  }
}
