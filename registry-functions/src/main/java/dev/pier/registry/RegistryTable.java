package dev.pier.registry;

import dev.pier.kernel.aws.DynamoTables;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

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
 *   pk = MODEL#&lt;name&gt;   sk = UPDATED               the model's place in gsi1's MODEL-UPDATED listing (by last change)
 *   pk = IDX#…          sk = …                     search index items, written with each version (see SearchIndex)
 *   pk = IDX#META       sk = LISTING-ORDERS-1      the listing orders are filled in (see ListingBackfill)
 *   pk = WEBHOOK        sk = &lt;id&gt;                 a webhook (see events.WebhookStore)
 *   pk = ENDPOINT#&lt;name&gt; sk = ENDPOINT            the one model whose versions may be placed on that endpoint
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
    if (DynamoTables.createIfMissing(dynamo, table, DynamoTables.SINGLE_TABLE, TTL)) {
      ListingBackfill.markNew(dynamo, table);
    }
  }
}
