package dev.pier.registry;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The registry's single DynamoDB table. Items of one model share its partition so a model, its versions and its
 * aliases are read together:
 *
 * <pre>
 *   pk = MODEL#&lt;name&gt;   sk = MODEL                 the model (latestVersion counter); gsi1 lists models by name
 *   pk = MODEL#&lt;name&gt;   sk = VERSION#&lt;0000000007&gt;  a version (zero-padded so versions sort numerically)
 *   pk = MODEL#&lt;name&gt;   sk = ALIAS#&lt;alias&gt;         an alias (target, canary, revision)
 *   pk = MODEL#&lt;name&gt;   sk = ALIASLOG#&lt;alias&gt;#&lt;0000000003&gt;  the alias's change at that revision
 *   pk = MODEL#&lt;name&gt;   sk = IDEMPOTENCY#&lt;key&gt;   a registration's Idempotency-Key (expires after a day)
 *   pk = MODEL#&lt;name&gt;   sk = AUDIT#&lt;instant&gt;#&lt;random&gt;  one status, stage, alias or policy change (who, from, to)
 *   pk = MODEL#&lt;name&gt;   sk = CARD#&lt;0000000007&gt;     a version's model card
 *   pk = IDX#…          sk = …                     search index items, written with each version (see SearchIndex)
 *   pk = WEBHOOK        sk = &lt;id&gt;                 a webhook (see events.WebhookStore)
 *   pk = EXPERIMENT#…, RUN#…, …                   MLflow tracking (see tracking.TrackingStore)
 * </pre>
 *
 * In AWS the CDK stack creates it; local mode creates it on first start.
 */
public final class RegistryTable {
  public static final String PK = "pk";
  public static final String SK = "sk";
  public static final String GSI1 = "gsi1";
  public static final String GSI1_PK = "gsi1pk";
  public static final String GSI1_SK = "gsi1sk";
  public static final String TTL = "expiresAt";

  private RegistryTable() {}

  public static void createIfMissing(DynamoDbClient dynamo, String table) {
    try {
      dynamo.describeTable(b -> b.tableName(table));
      return;
    } catch (ResourceNotFoundException e) {
      // fall through and create it
    }
    dynamo.createTable(b -> b.tableName(table)
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .attributeDefinitions(
            attribute(PK), attribute(SK), attribute(GSI1_PK), attribute(GSI1_SK))
        .keySchema(key(PK, KeyType.HASH), key(SK, KeyType.RANGE))
        .globalSecondaryIndexes(GlobalSecondaryIndex.builder()
            .indexName(GSI1)
            .keySchema(key(GSI1_PK, KeyType.HASH), key(GSI1_SK, KeyType.RANGE))
            .projection(Projection.builder().projectionType(ProjectionType.ALL).build())
            .build()));
    dynamo.updateTimeToLive(b -> b.tableName(table)
        .timeToLiveSpecification(t -> t.enabled(true).attributeName(TTL)));
  }

  private static AttributeDefinition attribute(String name) {
    return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
  }

  private static KeySchemaElement key(String name, KeyType type) {
    return KeySchemaElement.builder().attributeName(name).keyType(type).build();
  }
}
