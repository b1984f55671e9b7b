package dev.pier.kernel.aws;

import java.util.function.Consumer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * Creating Pier's DynamoDB tables in local mode (in AWS the CDK data stack creates them, and its tests compare the
 * layouts). Every table is on-demand; the {@code layout} names keys and indexes. The single-table names here must
 * match the constants of {@code RegistryTable} and {@code JobsTable}, which read and write those tables.
 */
public final class DynamoTables {
  /** The single-table layout of the registry and the jobs table: string keys pk/sk, GSI gsi1 on gsi1pk/gsi1sk (ALL). */
  public static final Consumer<CreateTableRequest.Builder> SINGLE_TABLE = b -> b
      .attributeDefinitions(string("pk"), string("sk"), string("gsi1pk"), string("gsi1sk"))
      .keySchema(key("pk", KeyType.HASH), key("sk", KeyType.RANGE))
      .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName("gsi1")
          .keySchema(key("gsi1pk", KeyType.HASH), key("gsi1sk", KeyType.RANGE))
          .projection(Projection.builder().projectionType(ProjectionType.ALL).build()).build());

  private DynamoTables() {}

  /**
   * Creates {@code table} with {@code layout} unless it exists, then turns TTL on for {@code ttlAttribute} (when not
   * null). Returns whether it created the table.
   */
  public static boolean createIfMissing(DynamoDbClient dynamo, String table, Consumer<CreateTableRequest.Builder> layout,
      String ttlAttribute) {
    try {
      dynamo.describeTable(b -> b.tableName(table));
      return false;
    } catch (ResourceNotFoundException e) {
      // create it
    }
    dynamo.createTable(b -> layout.accept(b.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)));
    if (ttlAttribute != null) {
      dynamo.updateTimeToLive(b -> b.tableName(table)
          .timeToLiveSpecification(t -> t.enabled(true).attributeName(ttlAttribute)));
    }
    return true;
  }

  public static AttributeDefinition string(String name) {
    return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
  }

  public static KeySchemaElement key(String name, KeyType type) {
    return KeySchemaElement.builder().attributeName(name).keyType(type).build();
  }
}
