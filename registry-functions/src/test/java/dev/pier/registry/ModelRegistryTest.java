package dev.pier.registry;

import dev.pier.kernel.engine.Framework;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry against the local stand-ins through the real SDK clients. */
class ModelRegistryTest {
  @TempDir Path dataDir;
  @TempDir Path files;
  private LocalAws aws;
  private AwsClients clients;
  private ModelRegistry registry;

  @BeforeEach
  void start() throws Exception {
    open();
  }

  private void open() throws Exception {
    aws = LocalAws.start(dataDir);
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
    ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
  }

  @AfterEach
  void stop() {
    clients.close();
    aws.close();
  }

  private Path artifact(String content) throws Exception {
    return Files.writeString(Files.createTempFile(files, "a", ".bin"), content);
  }

  private static NewVersion onnx() {
    return new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of());
  }

  private static NewVersion onEndpoint(String endpointName) {
    return new NewVersion(Framework.ONNX, null, null,
        new ModelVersion.Serving(null, new Placement(Placement.Kind.ENDPOINT, endpointName, null, null, null)), null);
  }

  /** Finding #23.2: the first model placed on an endpoint owns it; another model's version is refused (409). */
  @Test
  void aVersionIsNeverPlacedOnAnEndpointAnotherModelClaimed() throws Exception {
    Path file = artifact("weights");
    registry.register("churn", onEndpoint("pier-shared-gpu"), file, null);
    registry.register("churn", onEndpoint("pier-shared-gpu"), file, null); // the same model may place more

    assertThatThrownBy(() -> registry.register("fraud-x", onEndpoint("pier-shared-gpu"), file, null))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(409))
        .hasMessageContaining("another model's endpoint");
    assertThatThrownBy(() -> registry.version("fraud-x", 1)).isInstanceOf(PierException.class);
  }

  /** Finding #23.2: a default-form name (pier-<model>-v<n>) is its model's, even before that model claimed it. */
  @Test
  void anotherModelsDefaultEndpointNameIsRefusedEvenUnclaimed() throws Exception {
    Path file = artifact("weights");
    assertThatThrownBy(() -> registry.register("fraud-x", onEndpoint("pier-churn-v2"), file, null))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(409));
    registry.register("fraud-x", onEndpoint("pier-fraud-x-v7"), file, null); // its own default form is fine
    ModelVersion churn = registry.register("churn", onEndpoint(null), file, null);
    assertThat(churn.placement().endpointFor("churn", churn.version())).isEqualTo("pier-churn-v1");
  }

  /** In AWS the stage's prefix names version endpoints (pier-<stage>-*, all its roles may invoke), fixed at registration. */
  @Test
  void versionEndpointsAreNamedWithTheConfiguredPrefixAtRegistration() throws Exception {
    Path file = artifact("weights");
    registry.nameEndpointsWith("pier-prod");
    try {
      ModelVersion churn = registry.register("churn-p", onEndpoint(null), file, null);
      assertThat(registry.version("churn-p", churn.version()).placement().endpointName())
          .isEqualTo("pier-prod-churn-p-v" + churn.version());
      assertThatThrownBy(() -> registry.register("fraud-p", onEndpoint("pier-prod-churn-p-v9"), file, null))
          .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(409));
      assertThat(Placement.defaultEndpoint("pier-production-eu", "b".repeat(70), 12)).hasSizeLessThanOrEqualTo(63)
          .startsWith("pier-production-eu-bbb").endsWith("-v12");
    } finally {
      registry.nameEndpointsWith(Placement.DEFAULT_ENDPOINT_PREFIX);
    }
  }

  /** Long model names sharing a beginning get different default endpoints (they used to collide at 52 characters). */
  @Test
  void longModelNamesSharingABeginningGetDifferentDefaultEndpoints() {
    String a = "a".repeat(60) + "-one";
    String b = "a".repeat(60) + "-two";
    assertThat(Placement.defaultEndpoint(a, 1)).hasSizeLessThanOrEqualTo(63)
        .isNotEqualTo(Placement.defaultEndpoint(b, 1));
  }

  /** Finding #23.6: the registry itself refuses unsigned artifacts when signatures are required, whoever calls it. */
  @Test
  void registrationWithoutARequiredSignatureIsRefusedByTheRegistryItself() throws Exception {
    var generator = java.security.KeyPairGenerator.getInstance("EC");
    generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
    var keys = generator.generateKeyPair();
    registry.verifySignaturesWith(new dev.pier.security.ArtifactSignature(keys.getPublic(), true));
    Path file = artifact("weights");

    assertThatThrownBy(() -> registry.register("signed", onnx(), file, null))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("requires signed artifacts");
    assertThat(clients.s3().listObjectsV2(b -> b.bucket("artifacts")).contents()).isEmpty(); // nothing stored

    var ecdsa = java.security.Signature.getInstance("SHA256withECDSA");
    ecdsa.initSign(keys.getPrivate());
    ecdsa.update(Files.readAllBytes(file));
    String signature = java.util.Base64.getEncoder().encodeToString(ecdsa.sign());
    NewVersion signed = new NewVersion(Framework.ONNX, null, new ModelVersion.Metadata(null, Map.of(), Map.of(),
        Map.of(), Map.of(dev.pier.security.ArtifactSignature.PROPERTY, signature)), null, null);
    assertThat(registry.register("signed", signed, file, null).version()).isEqualTo(1);
  }

  @Test
  void concurrentRegistrationsGetDistinctGapFreeNumbers() throws Exception {
    Path file = artifact("weights");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<ModelVersion>> futures = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      futures.add(pool.submit(() -> registry.register("race", onnx(), file, null)));
    }
    Set<Integer> numbers = new ConcurrentSkipListSet<>();
    for (Future<ModelVersion> f : futures) {
      numbers.add(f.get().version());
    }
    pool.shutdown();
    Set<Integer> expected = new TreeSet<>();
    for (int i = 1; i <= 24; i++) {
      expected.add(i);
    }
    assertThat(numbers).isEqualTo(expected);
    assertThat(registry.model("race").latestVersion()).isEqualTo(24);
  }

  @Test
  void concurrentRetriesWithOneIdempotencyKeyCreateOneVersion() throws Exception {
    Path file = artifact("weights");
    ExecutorService pool = Executors.newFixedThreadPool(6);
    List<Future<ModelVersion>> futures = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      futures.add(pool.submit(() -> registry.register("retry", onnx(), file, "same-key")));
    }
    Set<Integer> numbers = new TreeSet<>();
    for (Future<ModelVersion> f : futures) {
      numbers.add(f.get().version());
    }
    pool.shutdown();
    assertThat(numbers).containsExactly(1);
    assertThat(registry.model("retry").latestVersion()).isEqualTo(1);
  }

  @Test
  void artifactsAreStoredUnderTheirContentAddress() throws Exception {
    ModelVersion v = registry.register("m", onnx(), artifact("abc"), null);
    assertThat(v.artifact().sha256()).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(v.artifact().key()).isEqualTo("artifacts/sha256/" + v.artifact().sha256());
    Path copy = files.resolve("copy");
    registry.artifacts().download(v.artifact().key(), v.artifact().sha256(), copy);
    assertThat(Files.readString(copy)).isEqualTo("abc");
  }

  @Test
  void aDownloadThatFailsVerificationLeavesNothingBehind() throws Exception {
    ModelVersion v = registry.register("m", onnx(), artifact("abc"), null);
    Path copy = files.resolve("copy");
    String wrong = "0".repeat(64);
    assertThatThrownBy(() -> registry.artifacts().download(v.artifact().key(), wrong, copy))
        .isInstanceOf(PierException.class).hasMessageContaining("failed SHA-256 verification");
    assertThat(copy).doesNotExist();
  }

  @Test
  void resolvesNumbersAliasesAndProductionByDefault() throws Exception {
    registry.register("m", onnx(), artifact("1"), null);
    registry.register("m", onnx(), artifact("2"), null);
    registry.setAlias("m", "production", 2);
    assertThat(registry.resolve("m", null).version()).isEqualTo(2);
    assertThat(registry.resolve("m", "1").version()).isEqualTo(1);
    assertThat(registry.resolve("m", "production").version()).isEqualTo(2);
    assertThatThrownBy(() -> registry.resolve("m", "staging")).hasMessageContaining("no alias 'staging'");
    assertThatThrownBy(() -> registry.resolve("m", "99999999999")).hasMessageContaining("no version");
  }

  @Test
  void theResolverSeesThisProcessesAliasMovesAtOnce() throws Exception {
    ModelResolver resolver = new ModelResolver(registry, Duration.ofMinutes(5), Duration.ofMinutes(10));
    registry.register("m", onnx(), artifact("1"), null);
    registry.register("m", onnx(), artifact("2"), null);
    registry.setAlias("m", "production", 1);
    assertThat(resolver.resolve("m", null).version()).isEqualTo(1);
    registry.setAlias("m", "production", 2);
    assertThat(resolver.resolve("m", null).version()).isEqualTo(2);
  }

  @Test
  void theResolverPicksUpAnotherProcessesAliasMoveAfterItsRefresh() throws Exception {
    ModelRegistry other = new ModelRegistry(clients.dynamoDb(), "registry", registry.artifacts());
    ModelResolver resolver = new ModelResolver(registry, Duration.ofMillis(100), Duration.ofMillis(300));
    registry.register("m", onnx(), artifact("1"), null);
    registry.register("m", onnx(), artifact("2"), null);
    registry.setAlias("m", "production", 1);
    assertThat(resolver.resolve("m", null).version()).isEqualTo(1);
    other.setAlias("m", "production", 2);
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (resolver.resolve("m", null).version() != 2 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(resolver.resolve("m", null).version()).isEqualTo(2);
  }

  @Test
  void everythingSurvivesARestartOnTheSameDataDirectory() throws Exception {
    registry.register("kept", onnx(), artifact("x"), null);
    registry.setAlias("kept", "production", 1);
    stop();
    open();
    assertThat(registry.alias("kept", "production").version()).isEqualTo(1);
    assertThat(registry.version("kept", 1).framework()).isEqualTo(Framework.ONNX);
  }

  @Test
  void pagesThroughVersions() throws Exception {
    for (int i = 0; i < 5; i++) {
      registry.register("paged", onnx(), artifact("v" + i), null);
    }
    Page<ModelVersion> first = registry.versions("paged", null, 2);
    assertThat(first.items()).extracting(ModelVersion::version).containsExactly(1, 2);
    Page<ModelVersion> second = registry.versions("paged", first.nextPageToken(), 2);
    assertThat(second.items()).extracting(ModelVersion::version).containsExactly(3, 4);
    Page<ModelVersion> third = registry.versions("paged", second.nextPageToken(), 2);
    assertThat(third.items()).extracting(ModelVersion::version).containsExactly(5);
  }

  @Test
  void rollbackReturnsAnAliasToItsPreviousTargetAndKeepsTheHistory() throws Exception {
    registry.register("m", onnx(), artifact("1"), null);
    registry.register("m", onnx(), artifact("2"), null);
    registry.setAlias("m", "production", 1);
    registry.setAlias("m", "production", new Alias.Target(2, new Canary(1, 0.25)));
    Alias back = registry.aliases().rollback("m", "production", null);
    assertThat(back.target()).isEqualTo(new Alias.Target(1, null));
    assertThat(back.revision()).isEqualTo(3);
    List<AliasChange> history = registry.aliases().history("m", "production", 10);
    assertThat(history).extracting(AliasChange::revision).containsExactly(3L, 2L, 1L);
    assertThat(history.get(0).reason()).isEqualTo("rollback");
    assertThat(history.get(0).from()).isEqualTo(new Alias.Target(2, new Canary(1, 0.25)));
    assertThat(history.get(2).from()).isNull();
    assertThat(registry.aliases().rollback("m", "production", null).target().version()).isEqualTo(2);
  }

  @Test
  void anAliasThatNeverChangedHasNothingToRollBackTo() throws Exception {
    registry.register("m", onnx(), artifact("1"), null);
    registry.setAlias("m", "production", 1);
    assertThatThrownBy(() -> registry.aliases().rollback("m", "production", null)).isInstanceOf(PierException.class)
        .hasMessageContaining("no previous target")
        .extracting(e -> ((PierException) e).status()).isEqualTo(409);
  }

  @Test
  void settingTheSameTargetAgainChangesNothing() throws Exception {
    registry.register("m", onnx(), artifact("1"), null);
    registry.setAlias("m", "production", 1);
    assertThat(registry.setAlias("m", "production", 1).revision()).isEqualTo(1);
    assertThat(registry.aliases().history("m", "production", 10)).hasSize(1);
  }

  @Test
  void concurrentAliasMovesAreSerializedWithOneHistoryEntryEach() throws Exception {
    for (int i = 0; i < 4; i++) {
      registry.register("m", onnx(), artifact("v" + i), null);
    }
    registry.setAlias("m", "production", 1);
    ExecutorService pool = Executors.newFixedThreadPool(6);
    List<Future<Alias>> moves = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      int version = 2 + i % 3;
      int canaryTo = version == 4 ? 1 : version + 1;
      moves.add(pool.submit(() -> registry.setAlias("m", "production",
          new Alias.Target(version, new Canary(canaryTo, 0.5)))));
    }
    for (Future<Alias> f : moves) {
      f.get();
    }
    pool.shutdown();
    List<AliasChange> history = registry.aliases().history("m", "production", 100);
    long revision = registry.alias("m", "production").revision();
    assertThat(history).hasSize((int) revision);
    for (int i = 0; i + 1 < history.size(); i++) {
      assertThat(history.get(i).from()).as("entry %d continues from the one before", i)
          .isEqualTo(history.get(i + 1).to());
    }
  }

  @Test
  void aCanarySendsItsWeightOfUnitsStickily() throws Exception {
    registry.register("m", onnx(), artifact("1"), null);
    registry.register("m", onnx(), artifact("2"), null);
    registry.setAlias("m", "production", new Alias.Target(1, new Canary(2, 0.2)));
    ModelResolver resolver = new ModelResolver(registry, Duration.ofMinutes(5), Duration.ofMinutes(10));
    int canary = 0;
    for (int unit = 0; unit < 2000; unit++) {
      int v = resolver.resolve("m", null, "user-" + unit).version();
      assertThat(resolver.resolve("m", null, "user-" + unit).version()).isEqualTo(v);
      canary += v == 2 ? 1 : 0;
    }
    assertThat(canary).isBetween(320, 480); // 20% of 2000 = 400; binomial sd ~18
  }

  @Test
  void aCanaryMustPointAtAnExistingOtherVersion() throws Exception {
    registry.register("m", onnx(), artifact("1"), null);
    assertThatThrownBy(() -> registry.setAlias("m", "production", new Alias.Target(1, new Canary(7, 0.1))))
        .hasMessageContaining("no version 7 (canary)");
    assertThatThrownBy(() -> registry.setAlias("m", "production", new Alias.Target(1, new Canary(1, 0.1))))
        .hasMessageContaining("must differ");
    assertThatThrownBy(() -> new Canary(1, 1.0)).hasMessageContaining("between 0 and 1");
  }

  @Test
  void aLargeArtifactComesInParallelRangesAndIsVerified() throws Exception {
    Path big = files.resolve("big.bin");
    byte[] block = new byte[1 << 20];
    new java.util.Random(7).nextBytes(block);
    try (var out = Files.newOutputStream(big)) {
      for (int i = 0; i < 70; i++) { // 70 MiB: above the 64 MiB ranged threshold, three ranges
        block[0] = (byte) i;
        out.write(block);
      }
    }
    ModelVersion v = registry.register("big", onnx(), big, null);
    Path copy = files.resolve("copy");
    registry.artifacts().download(v.artifact().key(), v.artifact().sha256(), copy);
    assertThat(Files.size(copy)).isEqualTo(Files.size(big));
    assertThat(ArtifactStore.sha256(copy)).isEqualTo(v.artifact().sha256());
    assertThatThrownBy(() -> registry.artifacts().download(v.artifact().key(), "0".repeat(64), files.resolve("bad")))
        .hasMessageContaining("failed SHA-256 verification");
    assertThat(files.resolve("bad")).doesNotExist();
  }

  @Test
  void changingTagsMovesAVersionBetweenSearchIndexPartitions() throws Exception {
    registry.register("s", new NewVersion(Framework.ONNX, null, null, Map.of("team", "a"), Map.of("auc", 0.8)),
        artifact("1"), null);
    registry.versions().update("s", 1, 1L, v -> v.edited(new ModelVersion.Metadata(v.metadata().description(),
        Map.of("team", "b"), Map.of("auc", 0.95), v.metadata().params(), v.metadata().properties()),
        java.time.Instant.now()), "alice", null);
    assertThat(registry.search(SearchFilter.parse("tags.team = 'a'"), List.of(), null, 10).items()).isEmpty();
    assertThat(registry.search(SearchFilter.parse("tags.team = 'b' AND metrics.auc > 0.9"), List.of(), null, 10)
        .items()).extracting(ModelVersion::version).containsExactly(1);
    assertThatThrownBy(() -> registry.versions().update("s", 1, 1L, v -> v, "alice", null))
        .isInstanceOf(PierException.class).hasMessageContaining("revision 2");
  }

  @Test
  void approvalsNeedDistinctReviewersOtherThanTheAuthor() throws Exception {
    registry.models().create("gated", null, Map.of(), "alice");
    registry.models().update("gated", null, m -> new RegisteredModel(m.name(), m.latestVersion(), m.createdAt(),
        m.updatedAt(), m.description(), m.tags(), new ApprovalPolicy(true, 2, Set.of("production")), m.revision()),
        "alice");
    ModelVersion v = registry.register("gated", onnx(), artifact("1"), null, "alice");
    assertThat(v.governance().status()).isEqualTo(ApprovalStatus.PENDING_REVIEW);
    assertThatThrownBy(() -> registry.reviews().approve("gated", 1, "alice", null)).hasMessageContaining("self-approval");
    assertThat(registry.reviews().approve("gated", 1, "bob", null).governance().status()).isEqualTo(ApprovalStatus.PENDING_REVIEW);
    assertThatThrownBy(() -> registry.reviews().approve("gated", 1, "bob", null)).hasMessageContaining("already approved");
    assertThatThrownBy(() -> registry.setAlias("gated", "production", new Alias.Target(1, null), "carol"))
        .hasMessageContaining("only APPROVED");
    assertThat(registry.reviews().approve("gated", 1, "carol", "ok").governance().status()).isEqualTo(ApprovalStatus.APPROVED);
    registry.setAlias("gated", "staging", new Alias.Target(1, null), "carol");
    assertThat(registry.setAlias("gated", "production", new Alias.Target(1, null), "carol").version()).isEqualTo(1);
    assertThat(registry.audit("gated", null, 100).items()).extracting(AuditEntry::action)
        .contains("model.created", "policy.changed", "version.created", "review.approval-recorded",
            "review.approved", "alias.set");
  }
}
