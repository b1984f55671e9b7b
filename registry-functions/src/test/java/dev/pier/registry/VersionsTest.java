package dev.pier.registry;

import dev.pier.kernel.engine.Framework;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Versions}: registration, idempotency, edits of the mutable parts, deletion. */
class VersionsTest extends StandInRegistry {

  @Test
  void aRetryWithTheSameIdempotencyKeyAndRequestReturnsTheFirstVersion() throws Exception {
    String m = model("idem");
    Path file = artifact("weights");

    ModelVersion first = registry.versions().register(m, onnx(), file, "key-1", "alice");
    ModelVersion retry = registry.versions().register(m, onnx(), file, "key-1", "alice");

    assertThat(retry).isEqualTo(first);
    assertThat(registry.model(m).latestVersion()).isEqualTo(1);
  }

  @Test
  void anIdempotencyKeyReusedForADifferentRequestIsRefusedWith422() throws Exception {
    String m = model("idem");
    registry.versions().register(m, onnx(), artifact("one"), "key-2", "alice");

    assertThatThrownBy(() -> registry.versions().register(m, onnx(), artifact("two"), "key-2", "alice"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(422))
        .hasMessageContaining("different registration");
  }

  @Test
  void anIdempotencyKeyOfInvisibleCharactersIsRefusedWith400() throws Exception {
    Path file = artifact("x");

    assertThatThrownBy(() -> registry.versions().register(model("idem"), onnx(), file, "has space", null))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("Idempotency-Key");
  }

  @Test
  void anUpdateChangesMetadataButNeverTheArtifactServingOrProvenance() throws Exception {
    String m = model("edit");
    ModelVersion v = register(m, "alice");

    ModelVersion after = registry.versions().update(m, 1, null, before -> new ModelVersion(m, 1,
        ModelVersion.Artifact.stored(Framework.XGBOOST, null, "f".repeat(64), 1, "elsewhere"),
        new ModelVersion.Metadata("now described", Map.of(), Map.of()),
        new ModelVersion.Serving(new Batching(4, 0), null), new ModelVersion.Provenance("s3://x/y", "r", null),
        before.governance(), 99, before.createdAt(), Instant.now()), "alice", null);

    assertThat(after.metadata().description()).isEqualTo("now described");
    assertThat(after.artifact()).isEqualTo(v.artifact());
    assertThat(after.serving()).isEqualTo(v.serving());
    assertThat(after.provenance()).isEqualTo(v.provenance());
    assertThat(after.revision()).isEqualTo(2);
    assertThat(registry.version(m, 1)).isEqualTo(after);
  }

  @Test
  void anUpdateAgainstAStaleRevisionIsRefusedWith412() throws Exception {
    String m = model("edit");
    register(m, "alice");
    registry.versions().update(m, 1, 1L, v -> v.edited(new ModelVersion.Metadata("a", Map.of(), Map.of()),
        Instant.now()), "alice", null);

    assertThatThrownBy(() -> registry.versions().update(m, 1, 1L, v -> v.edited(
        new ModelVersion.Metadata("b", Map.of(), Map.of()), Instant.now()), "alice", null))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(412));
    assertThat(registry.version(m, 1).metadata().description()).isEqualTo("a");
  }

  @Test
  void aVersionHoldsAtMostAHundredTags() throws Exception {
    String m = model("edit");
    register(m, "alice");
    Map<String, String> tags = new java.util.HashMap<>();
    for (int i = 0; i <= 100; i++) {
      tags.put("t" + i, "v");
    }

    assertThatThrownBy(() -> registry.versions().update(m, 1, null, v -> v.edited(
        new ModelVersion.Metadata(null, tags, Map.of()), Instant.now()), "alice", null))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400));
  }

  @Test
  void aVersionBehindAnAliasCannotBeDeleted() throws Exception {
    String m = model("del");
    register(m, "alice");
    registry.setAlias(m, "production", 1);

    assertThatThrownBy(() -> registry.versions().delete(m, 1, "alice"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(409))
        .hasMessageContaining("alias 'production'");
  }

  @Test
  void deletingAVersionRemovesItsCardAndRecordsTheDeletion() throws Exception {
    String m = model("del");
    register(m, "alice");
    registry.cards().put(m, 1, new ModelCard("# card", null, null, null, Map.of(), null, null, null, 0), null, "a");

    registry.versions().delete(m, 1, "alice");

    assertThatThrownBy(() -> registry.version(m, 1)).isInstanceOfSatisfying(PierException.class,
        e -> assertThat(e.status()).isEqualTo(404));
    assertThat(clients.dynamoDb().getItem(b -> b.tableName("registry").key(RegistryItems.cardKey(m, 1))).hasItem())
        .isFalse();
    assertThat(registry.audit(m, null, 10).items().get(0).action()).isEqualTo("version.deleted");
  }

  @Test
  void aRegistrationByReferenceIsRecordedButNotServable() throws Exception {
    String m = model("ref");

    ModelVersion v = registry.versions().registerReference(m, new NewVersion(null, null, null, null,
        new ModelVersion.Provenance("runs:/1/model", "1", null)), "not in S3", "alice");

    assertThat(v.artifact().servable()).isFalse();
    assertThat(v.artifact().sha256()).isNull();
    assertThat(v.artifact().statusMessage()).isEqualTo("not in S3");
    assertThat(registry.artifactKeys()).doesNotContainNull();
  }
}
