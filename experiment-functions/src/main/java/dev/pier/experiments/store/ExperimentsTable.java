package dev.pier.experiments.store;

import dev.pier.kernel.aws.DynamoTables;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The experiments' DynamoDB table (single-table layout, as the registry's):
 *
 * <pre>
 *   pk = EXP#&lt;id&gt;                     sk = DEF                  the experiment: definition (JSON), state, revision,
 *                                                               dates; gsi1pk = EXPERIMENTS, gsi1sk = created#id
 *   pk = LOCK#&lt;model&gt;#&lt;alias&gt;#&lt;layer&gt; sk = LOCK             the experiment holding that model alias in that layer
 *                                                               (from start to stop)
 *   pk = EXP#&lt;id&gt;#LOG                 sk = &lt;ingest ms&gt;#&lt;uuid&gt;  one accepted batch of exposures (X) or events (E)
 *   pk = EXP#&lt;id&gt;#BATCH               sk = &lt;batch id&gt;           a batch stored once (its marker): expiresAt (TTL)
 * </pre>
 * Batches are stored as accepted; aggregates are folded from them incrementally by whoever computes results, which
 * reads only the batches after its cursor. In AWS the CDK stack creates the table; local mode creates it.
 */
public final class ExperimentsTable {

  public static final String PK = "pk";
  public static final String SK = "sk";
  public static final String GSI1 = "gsi1";
  public static final String GSI1_PK = "gsi1pk";
  public static final String GSI1_SK = "gsi1sk";

  /** The TTL attribute (epoch seconds): only batch-id markers carry it; the CDK table names the same. */
  public static final String TTL = "expiresAt";

  public static void createIfMissing(DynamoDbClient dynamo, String table) {
    if (!DynamoTables.createIfMissing(dynamo, table, DynamoTables.SINGLE_TABLE, TTL)) {
      // made before the markers expired: turn TTL on (DynamoDB answers a 400 when it is on already)
      var ttl = dynamo.describeTimeToLive(b -> b.tableName(table)).timeToLiveDescription();
      if (ttl == null || ttl.attributeName() == null) {
        dynamo.updateTimeToLive(b -> b.tableName(table).timeToLiveSpecification(t -> t.enabled(true).attributeName(TTL)));
      }
    }
  }

  private ExperimentsTable() {}
}
