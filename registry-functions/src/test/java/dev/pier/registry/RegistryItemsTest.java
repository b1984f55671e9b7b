package dev.pier.registry;

import dev.pier.kernel.engine.Framework;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** How registry values become DynamoDB items and back, without a table. */
class RegistryItemsTest {
  private static final Instant T0 = Instant.parse("2026-01-02T03:04:05.123456789Z");

  @Test
  void aVersionWithEveryPartSetMapsToAnItemAndBackUnchanged() throws Exception {
    ModelVersion v = new ModelVersion("m", 7,
        new ModelVersion.Artifact(Framework.ONNX, StoredDataFixture.signature(), "a".repeat(64), 42,
            "artifacts/sha256/" + "a".repeat(64), true, null),
        new ModelVersion.Metadata("d", Map.of("t", "1"), Map.of("auc", 0.9), Map.of("depth", "3"),
            Map.of("p", "q")),
        new ModelVersion.Serving(new Batching(8, 1000), new Placement(Placement.Kind.ENDPOINT, "pier-m-v7",
            "ml.m5.large", 2, null), new ResponseCaching(5, 10), new ExplainSettings(new float[][] {{1f, 2f}}),
            "{\"input\":\"x\"}"),
        new ModelVersion.Provenance("s3://b/k", "run-1", "{\"datasets\":[]}"),
        new ModelVersion.Governance(ApprovalStatus.APPROVED, "Staging", "alice"), 4, T0, T0.plusSeconds(9));

    Map<String, AttributeValue> item = RegistryItems.versionItem(v);

    assertThat(item.get("sk").s()).isEqualTo("VERSION#0000000007");
    assertThat(RegistryItems.toVersion(item)).isEqualTo(v);
  }

  @Test
  void theEndpointsBatchingSettingsAreParsedStoredAndReadBack() throws Exception {
    Batching b = Batching.parse(new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"max_batch_size\":64,"
        + "\"max_queue_delay_us\":800,\"preferred_batch_sizes\":[32,16],\"priority_levels\":2,"
        + "\"default_priority\":2,\"queue_timeout_ms\":50,\"max_queue_size\":100,\"instances\":3,"
        + "\"adaptive\":{\"p95_target_ms\":100}}"));
    assertThat(b).isEqualTo(new Batching(64, 800, java.util.List.of(16, 32), 2, 2, 50_000, 100, 3, 100.0));
    ModelVersion v = new ModelVersion("m", 1,
        new ModelVersion.Artifact(Framework.ONNX, null, "a".repeat(64), 42, "artifacts/sha256/" + "a".repeat(64), true,
            null),
        ModelVersion.Metadata.NONE, new ModelVersion.Serving(b, null), new ModelVersion.Provenance(null, null, null),
        new ModelVersion.Governance(ApprovalStatus.NONE, "None", null), 1, T0, T0);
    assertThat(RegistryItems.toVersion(RegistryItems.versionItem(v)).serving().batching()).isEqualTo(b);
    // size and delay alone store as they always have
    Map<String, AttributeValue> plain = RegistryItems.versionItem(new ModelVersion("m", 1, v.artifact(), v.metadata(),
        new ModelVersion.Serving(new Batching(8, 1000), null), v.provenance(), v.governance(), 1, T0, T0));
    assertThat(plain.get("batching").m().keySet()).containsExactlyInAnyOrder("maxBatchSize", "maxDelayMicros");
  }

  @Test
  void aVersionItemFromTheFirstBuildsReadsWithTheDefaultsOfWhatItLacks() {
    Map<String, AttributeValue> item = new HashMap<>(RegistryItems.versionKey("old", 1));
    item.put("model", AttributeValue.fromS("old"));
    item.put("version", AttributeValue.fromN("1"));
    item.put("framework", AttributeValue.fromS("xgboost"));
    item.put("sha256", AttributeValue.fromS("b".repeat(64)));
    item.put("artifactKey", AttributeValue.fromS("artifacts/sha256/" + "b".repeat(64)));
    item.put("sizeBytes", AttributeValue.fromN("3"));
    item.put("createdAt", AttributeValue.fromS(T0.toString()));

    ModelVersion v = RegistryItems.toVersion(item);

    assertThat(v.artifact().servable()).isTrue();
    assertThat(v.governance()).isEqualTo(new ModelVersion.Governance(ApprovalStatus.NONE, "None", null));
    assertThat(v.revision()).isEqualTo(1);
    assertThat(v.updatedAt()).isEqualTo(T0);
    assertThat(v.metadata()).isEqualTo(ModelVersion.Metadata.NONE);
    assertThat(v.serving()).isEqualTo(ModelVersion.Serving.NONE);
  }

  @Test
  void anAliasChangeKeepsBothTargetsWithTheirCanaries() {
    AliasChange change = new AliasChange("m", "production", 3, new Alias.Target(1, new Canary(2, 0.25)),
        new Alias.Target(2, null), "rollback", T0);

    Map<String, AttributeValue> item = RegistryItems.aliasChangeItem("m", change, "bob");

    assertThat(item.get("sk").s()).isEqualTo("ALIASLOG#production#0000000003");
    assertThat(item.get("by").s()).isEqualTo("bob");
    assertThat(RegistryItems.toAliasChange("m", "production", item)).isEqualTo(change);
  }

  @Test
  void theFirstChangeOfAnAliasHasNoFromTarget() {
    AliasChange first = new AliasChange("m", "a", 1, null, new Alias.Target(4, null), "set", T0);

    Map<String, AttributeValue> item = RegistryItems.aliasChangeItem("m", first, null);

    assertThat(item).doesNotContainKeys("fromVersion", "by");
    assertThat(RegistryItems.toAliasChange("m", "a", item).from()).isNull();
  }

  @Test
  void aModelCardMapsToItsOwnItemAndBack() {
    ModelCard card = new ModelCard("# m", "use", null, "holdout", Map.of("auc", 0.8), null, "carol", T0, 2);

    Map<String, AttributeValue> item = RegistryItems.cardItem("m", 5, card);

    assertThat(item.get("sk").s()).isEqualTo("CARD#0000000005");
    assertThat(RegistryItems.toCard(item)).isEqualTo(card);
  }

  @Test
  void auditEntriesOfTheSameInstantGetDistinctKeys() {
    AuditEntry e = new AuditEntry("m", T0, null, "alias.set", 1, "a", null, "v1", null);

    Map<String, AttributeValue> one = RegistryItems.auditItem(e);
    Map<String, AttributeValue> two = RegistryItems.auditItem(e);

    assertThat(one.get("sk").s()).startsWith("AUDIT#" + T0).isNotEqualTo(two.get("sk").s());
    assertThat(RegistryItems.toAuditEntry("m", one)).isEqualTo(new AuditEntry("m", T0, "anonymous", "alias.set", 1,
        "a", null, "v1", null));
  }

  @Test
  void aModelsPolicyIsStoredWithItsProtectedAliasesSorted() {
    ApprovalPolicy policy = new ApprovalPolicy(true, 2, java.util.Set.of("production", "canary"));

    AttributeValue stored = RegistryItems.policyItem(policy);

    assertThat(stored.m().get("protectedAliases").l()).extracting(AttributeValue::s)
        .containsExactly("canary", "production");
    assertThat(RegistryItems.toPolicy(stored.m())).isEqualTo(policy);
  }
}
