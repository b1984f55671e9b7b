package dev.pier.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Data written by the registry before it was split by concern (the checked-in {@code stored-data} fixture, see its
 * README) reads unchanged with today's code: the same answers, the same items when written back.
 */
class StoredDataCompatibilityTest {
  private static final Path FIXTURE = Path.of("src/test/resources/stored-data");
  @TempDir Path dataDir;
  @TempDir Path files;
  private LocalAws aws;
  private AwsClients clients;
  private ModelRegistry registry;
  private ArtifactStore artifacts;

  @BeforeEach
  void openTheFixture() throws Exception {
    Path from = FIXTURE.resolve("data");
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path to = dataDir.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    // the fixture's idempotency item expired a day after it was written (2026-12-07 20:57 UTC): TTL must not delete it
    // while the test compares the table with the dump and replays its key
    aws = LocalAws.start(dataDir, java.time.Duration.ofDays(3_650));
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    artifacts = new ArtifactStore(clients.s3(), "artifacts");
    registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
  }

  @AfterEach
  void close() {
    clients.close();
    aws.close();
  }

  @Test
  void aDataDirectoryWrittenBeforeTheSplitAnswersExactlyAsItDidThen() throws Exception {
    JsonNode expected = StoredDataView.JSON.readTree(FIXTURE.resolve("expected.json").toFile());
    JsonNode actual = StoredDataView.JSON.readTree(StoredDataView.render(registry));

    assertThat(actual).isEqualTo(expected);
  }

  @Test
  void everyStoredVersionItemMapsBackToTheSameItem() throws Exception {
    List<Map<String, AttributeValue>> versions = items().stream()
        .filter(i -> i.get("sk").s().startsWith("VERSION#")).toList();

    assertThat(versions).hasSize(5);
    for (Map<String, AttributeValue> item : versions) {
      assertThat(canonical(RegistryItems.versionItem(RegistryItems.toVersion(item)))).isEqualTo(canonical(item));
    }
  }

  @Test
  void theStoredTableHoldsTheSameItemsAsTheDumpTakenWhenItWasWritten() throws Exception {
    List<Map<String, AttributeValue>> scanned = clients.dynamoDb().scanPaginator(b -> b.tableName("registry"))
        .items().stream().toList();

    assertThat(scanned).containsExactlyInAnyOrderElementsOf(items());
  }

  @Test
  void anIdempotencyKeyRecordedBeforeTheSplitStillReplaysItsVersion() throws Exception {
    Path weights = Files.writeString(files.resolve("churn.onnx"), StoredDataFixture.CHURN_WEIGHTS);

    ModelVersion replayed = registry.register("churn", StoredDataFixture.churnV1(), weights, "idem-1", "alice");

    assertThat(replayed.version()).isEqualTo(1);
    assertThat(registry.model("churn").latestVersion()).isEqualTo(3);
  }

  @Test
  void anArtifactStoredBeforeTheSplitDownloadsAndVerifies() throws Exception {
    ModelVersion v1 = registry.version("churn", 1);
    Path target = files.resolve("downloaded");

    artifacts.download(v1.artifact().key(), v1.artifact().sha256(), target);

    assertThat(Files.readString(target)).isEqualTo(StoredDataFixture.CHURN_WEIGHTS);
  }

  /** DynamoDB stores numbers, not their spelling: {@code 1.0} is read back as {@code 1}. */
  private static Map<String, AttributeValue> canonical(Map<String, AttributeValue> item) {
    Map<String, AttributeValue> out = new java.util.HashMap<>();
    item.forEach((k, v) -> out.put(k, canonical(v)));
    return out;
  }

  private static AttributeValue canonical(AttributeValue v) {
    return switch (v.type()) {
      case N -> AttributeValue.fromN(new java.math.BigDecimal(v.n()).stripTrailingZeros().toPlainString());
      case M -> AttributeValue.fromM(canonical(v.m()));
      case L -> AttributeValue.fromL(v.l().stream().map(StoredDataCompatibilityTest::canonical).toList());
      default -> v;
    };
  }

  private static List<Map<String, AttributeValue>> items() throws Exception {
    JsonNode dump = StoredDataView.JSON.readTree(FIXTURE.resolve("items.json").toFile());
    return java.util.stream.StreamSupport.stream(dump.get("Items").spliterator(), false)
        .map(StoredDataFixture.ItemJson::read).toList();
  }
}
