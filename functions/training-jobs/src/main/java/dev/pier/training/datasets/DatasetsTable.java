package dev.pier.training.datasets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Dataset versions in the jobs table: {@code pk = dataset#<name>, sk = version#<sha256>}, the version as JSON in
 * {@code doc}; {@code gsi1 = datasets / <name>#<created>} lists them. A version is written once
 * ({@code attribute_not_exists}): recording the same files twice, even concurrently, keeps the first record.
 */
public final class DatasetsTable {
  private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private final DynamoDbClient dynamo;
  private final String table;

  public DatasetsTable(DynamoDbClient dynamo, String table) {
    this.dynamo = dynamo;
    this.table = table;
  }

  /** Stores {@code v} unless that version exists; returns the stored one either way. */
  public DatasetVersion putIfAbsent(DatasetVersion v) {
    Map<String, AttributeValue> item = new HashMap<>();
    item.put("pk", s("dataset#" + v.name()));
    item.put("sk", s("version#" + v.version()));
    item.put("gsi1pk", s("datasets"));
    item.put("gsi1sk", s(v.name() + "#" + v.createdAt() + "#" + v.version()));
    try {
      item.put("doc", s(JSON.writeValueAsString(v)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    try {
      dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
      return v;
    } catch (ConditionalCheckFailedException e) {
      return get(v.name(), v.version()).orElseThrow();
    }
  }

  public Optional<DatasetVersion> get(String name, String version) {
    var item = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
        .key(Map.of("pk", s("dataset#" + name), "sk", s("version#" + version)))).item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(parse(item));
  }

  /** A dataset's versions, newest first. */
  public List<DatasetVersion> versions(String name) {
    List<DatasetVersion> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse page = dynamo.query(b -> b.tableName(table).consistentRead(true)
          .keyConditionExpression("pk = :p").expressionAttributeValues(Map.of(":p", s("dataset#" + name)))
          .exclusiveStartKey(from));
      page.items().forEach(i -> out.add(parse(i)));
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    out.sort(Comparator.comparing(DatasetVersion::createdAt).reversed());
    return out;
  }

  /** Every version of every dataset, by name then creation time. */
  public List<DatasetVersion> all() {
    List<DatasetVersion> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse page = dynamo.query(b -> b.tableName(table).indexName("gsi1")
          .keyConditionExpression("gsi1pk = :p").expressionAttributeValues(Map.of(":p", s("datasets")))
          .exclusiveStartKey(from));
      page.items().forEach(i -> out.add(parse(i)));
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return out;
  }

  private static DatasetVersion parse(Map<String, AttributeValue> item) {
    try {
      return JSON.readValue(item.get("doc").s(), DatasetVersion.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable dataset version " + item.get("sk").s(), e);
    }
  }

  private static AttributeValue s(String v) {
    return AttributeValue.builder().s(v).build();
  }
}
