package dev.pier.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.kernel.aws.DynamoTables;
import dev.pier.kernel.engine.Framework;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Which versions use a feature service (the feature store's "used by" and its breaking-change check) is one query of
 * the {@code IDX#FEATURE-SERVICE#<name>} partition, kept with the version's other index items; a table written before
 * that index existed gets it filled in on first use.
 */
class FeatureServiceIndexTest extends StandInRegistry {

  @Test
  void findsTheVersionsRegisteredWithAFeatureServiceAndForgetsDeletedOnes() {
    String service = model("scoring");
    String a = model("a");
    String b = model("b");
    ModelVersion a1 = registry.registerReference(a, using(service), "by reference", "alice");
    registry.registerReference(a, using(null), "by reference", "alice");
    registry.registerReference(b, using(model("other")), "by reference", "alice");
    ModelVersion a3 = registry.registerReference(a, using(service), "by reference", "alice");

    assertThat(registry.searchIndex().usingFeatureService(service)).extracting(v -> v.model() + "/" + v.version())
        .containsExactly(a + "/1", a + "/3");
    assertThat(registry.searchIndex().usingFeatureService(model("nobody"))).isEmpty();

    registry.versions().delete(a, a1.version(), "alice");
    assertThat(registry.searchIndex().usingFeatureService(service)).extracting(ModelVersion::version)
        .containsExactly(a3.version());
  }

  @Test
  void aTableWrittenBeforeTheIndexGetsItOnFirstUse() {
    String table = model("legacy-fs");
    DynamoTables.createIfMissing(clients.dynamoDb(), table, DynamoTables.SINGLE_TABLE, null); // no markers
    ModelRegistry old = new ModelRegistry(clients.dynamoDb(), table, new ArtifactStore(clients.s3(), "artifacts"));
    old.registerReference("x", using("fraud"), "by reference", "alice");
    old.registerReference("y", using(null), "by reference", "alice");
    old.registerReference("y", using("fraud"), "by reference", "alice");
    for (Map<String, AttributeValue> item : clients.dynamoDb().scanPaginator(b -> b.tableName(table)).items()) {
      if (item.get("pk").s().startsWith(SearchIndex.FEATURE_SERVICE)) { // what the registry wrote before
        clients.dynamoDb().deleteItem(b -> b.tableName(table).key(Map.of("pk", item.get("pk"), "sk", item.get("sk"))));
      }
    }
    ModelRegistry now = new ModelRegistry(clients.dynamoDb(), table, new ArtifactStore(clients.s3(), "artifacts"));

    assertThat(now.searchIndex().usingFeatureService("fraud")).extracting(v -> v.model() + "/" + v.version())
        .containsExactly("x/1", "y/2");
    assertThat(clients.dynamoDb().getItem(b -> b.tableName(table).key(ListingBackfill.FEATURE_SERVICES)).hasItem())
        .isTrue();
  }

  private static NewVersion using(String featureService) {
    Map<String, String> properties = featureService == null ? Map.of()
        : Map.of(ServingProperties.FEATURE_SERVICE, featureService);
    return new NewVersion(Framework.ONNX, null, new ModelVersion.Metadata(null, Map.of(), Map.of(), Map.of(),
        properties), null, null);
  }
}
