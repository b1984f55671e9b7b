package dev.pier.registry;

import dev.pier.kernel.engine.Framework;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/** Artifacts in the S3 stand-in: large ones stored in parts, and the sweep of what no version references. */
class ArtifactStoreTest {
  @TempDir Path dataDir;
  @TempDir Path files;
  private LocalAws aws;
  private AwsClients clients;
  private ArtifactStore store;
  private ModelRegistry registry;

  @BeforeEach
  void start() throws Exception {
    aws = LocalAws.start(dataDir);
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
    store = new ArtifactStore(clients.s3(), "artifacts");
    store.createBucketIfMissing();
    registry = new ModelRegistry(clients.dynamoDb(), "registry", store);
  }

  @AfterEach
  void stop() {
    clients.close();
    aws.close();
  }

  @Test
  void anArtifactOverTheMultipartThresholdIsStoredInPartsAndDownloadsIntact() throws Exception {
    Path big = files.resolve("big.bin");
    long size = ArtifactStore.MULTIPART_THRESHOLD + (3 << 20) + 7; // two parts, the second short and odd-sized
    try (FileChannel out = FileChannel.open(big, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer block = ByteBuffer.allocate(1 << 20);
      for (long at = 0; at < size; at += block.capacity()) {
        block.clear();
        for (int i = 0; i < block.capacity(); i++) {
          block.put((byte) ((at >> 20) * 31 + i));
        }
        block.flip().limit((int) Math.min(block.capacity(), size - at));
        out.write(block, at);
      }
    }
    ArtifactStore.StoredArtifact stored = store.put(big);
    assertThat(store.size(stored.key())).isEqualTo(size);
    Path back = files.resolve("back.bin");
    store.download(stored.key(), stored.sha256(), back); // verifies the SHA-256
    assertThat(Files.size(back)).isEqualTo(size);
  }

  @Test
  void theSweepRemovesUnreferencedArtifactsAndAbortsStaleUploadsButKeepsReferencedAndRecentOnes() throws Exception {
    ModelVersion kept = registry.register("m", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()),
        Files.writeString(files.resolve("a.onnx"), "referenced"), null);
    ArtifactStore.StoredArtifact orphan = store.put(Files.writeString(files.resolve("b.onnx"), "never recorded"));
    clients.s3().putObject(b -> b.bucket("artifacts").key("uploads/m/abandoned"), RequestBody.fromString("x"));
    clients.s3().createMultipartUpload(b -> b.bucket("artifacts").key("uploads/m/incomplete"));

    ArtifactStore.Swept none = store.sweep(registry::artifactKeys, Instant.now().minusSeconds(3600),
        Instant.now().minusSeconds(3600));
    assertThat(none.isEmpty()).as("within the grace period nothing is touched").isTrue();

    Instant later = Instant.now().plusSeconds(1);
    ArtifactStore.Swept swept = store.sweep(registry::artifactKeys, later, later);
    assertThat(swept.objects()).containsExactlyInAnyOrder(orphan.key(), "uploads/m/abandoned");
    assertThat(swept.abortedUploads()).containsExactly("uploads/m/incomplete");
    assertThat(store.size(kept.artifact().key())).isPositive();
    assertThat(registry.artifactKeys()).isEqualTo(Set.of(kept.artifact().key()));
  }

  @Test
  void aRegistrationThatFindsItsBytesAlreadyStoredHoldsThemFromTheSweepUntilItsVersionIsWritten() throws Exception {
    Path file = Files.writeString(files.resolve("m.onnx"), "bytes a deleted version left, unreferenced");
    ArtifactStore.StoredArtifact old = store.put(file); // no version names it: the sweep may remove it
    Instant later = Instant.now().plusSeconds(1); // the copy is older than the grace

    try (ArtifactStore.Held held = store.putHeld(file, ArtifactStore.sha256(file))) {
      assertThat(held.stored().key()).as("found stored: nothing uploaded").isEqualTo(old.key());
      ArtifactStore.Swept during = store.sweep(registry::artifactKeys, later, later);
      assertThat(during.objects()).as("held by the registration in flight").doesNotContain(old.key());
      assertThat(store.size(old.key())).isEqualTo(Files.size(file));
    }
    assertThat(store.sweep(registry::artifactKeys, later, later).objects()).as("released: unreferenced again")
        .containsExactly(old.key());

    ModelVersion v = registry.register("m", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), file, null);
    assertThat(store.sweep(registry::artifactKeys, Instant.now().plusSeconds(1), later).objects())
        .as("a registered version's artifact is referenced, and the registration released its hold").isEmpty();
    assertThat(store.size(v.artifact().key())).isEqualTo(Files.size(file));
  }
}
