package dev.pier.endpoints.deploy;

import dev.pier.endpoints.deploy.EndpointDeployment.Phase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * Endpoint deployments in a DynamoDB table of their own ({@code pk} the model, {@code sk} the version, zero-padded).
 * Every write is conditional on the revision read, so two servers sweeping the same deployment cannot both take a step;
 * the one that loses reads again.
 */
public final class DeploymentStore {
  private final DynamoDbClient dynamo;
  private final String table;

  public DeploymentStore(DynamoDbClient dynamo, String table) {
    this.dynamo = dynamo;
    this.table = table;
  }

  /** Creates the table where it is missing (local mode; in AWS the CDK app creates it). */
  public void createIfMissing() {
    try {
      dynamo.createTable(r -> r.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
          .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S)
              .build(), AttributeDefinition.builder().attributeName("sk").attributeType(ScalarAttributeType.S).build())
          .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build(),
              KeySchemaElement.builder().attributeName("sk").keyType(KeyType.RANGE).build()));
    } catch (ResourceInUseException e) {
      // there already
    }
  }

  public EndpointDeployment get(String model, int version) {
    Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table).key(key(model, version))
        .consistentRead(true)).item();
    return item == null || item.isEmpty() ? null : fromItem(item);
  }

  /**
   * Writes {@code d} if the stored one still has {@code expectedRevision} (0: none stored); false when another
   * writer was first.
   */
  public boolean put(EndpointDeployment d, long expectedRevision) {
    try {
      dynamo.putItem(r -> {
        r.tableName(table).item(toItem(d));
        if (expectedRevision == 0) {
          r.conditionExpression("attribute_not_exists(pk)");
        } else {
          r.conditionExpression("revision = :r")
              .expressionAttributeValues(Map.of(":r", AttributeValue.fromN(Long.toString(expectedRevision))));
        }
      });
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  /** The deployments not yet InService or failed: what a (re)started server continues. */
  public List<EndpointDeployment> unfinished() {
    List<EndpointDeployment> out = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      ScanResponse page = dynamo.scan(ScanRequest.builder().tableName(table).consistentRead(true)
          .filterExpression("phase IN (:a, :b, :c)")
          .expressionAttributeValues(Map.of(":a", AttributeValue.fromS(Phase.REQUESTED.name()),
              ":b", AttributeValue.fromS(Phase.DEPLOYING.name()), ":c", AttributeValue.fromS(Phase.SHIFTING.name())))
          .exclusiveStartKey(from).build());
      page.items().forEach(i -> out.add(fromItem(i)));
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return out;
  }

  private static Map<String, AttributeValue> key(String model, int version) {
    return Map.of("pk", AttributeValue.fromS(model), "sk", AttributeValue.fromS(String.format("%010d", version)));
  }

  private static Map<String, AttributeValue> toItem(EndpointDeployment d) {
    Map<String, AttributeValue> item = new HashMap<>(key(d.model(), d.version()));
    item.put("endpointName", AttributeValue.fromS(d.endpointName()));
    item.put("phase", AttributeValue.fromS(d.phase().name()));
    item.put("endpointStatus", AttributeValue.fromS(d.endpointStatus()));
    item.put("revision", AttributeValue.fromN(Long.toString(d.revision())));
    item.put("updatedAt", AttributeValue.fromS(d.updatedAt().toString()));
    putIfSet(item, "alias", d.alias());
    putIfSet(item, "actor", d.actor());
    putIfSet(item, "endpointConfigName", d.endpointConfigName());
    putIfSet(item, "reason", d.reason());
    return item;
  }

  private static void putIfSet(Map<String, AttributeValue> item, String name, String value) {
    if (value != null) {
      item.put(name, AttributeValue.fromS(value));
    }
  }

  private static EndpointDeployment fromItem(Map<String, AttributeValue> i) {
    return new EndpointDeployment(i.get("pk").s(), Integer.parseInt(i.get("sk").s()), str(i, "alias"),
        str(i, "actor"), str(i, "endpointName"), str(i, "endpointConfigName"), Phase.valueOf(i.get("phase").s()),
        str(i, "endpointStatus"), str(i, "reason"), Long.parseLong(i.get("revision").n()),
        Instant.parse(i.get("updatedAt").s()));
  }

  private static String str(Map<String, AttributeValue> i, String name) {
    AttributeValue v = i.get(name);
    return v == null ? null : v.s();
  }
}
