package dev.pier.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import dev.pier.security.ArtifactSignature;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.kernel.engine.Framework;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.NewVersion;
import dev.pier.registry.RegistryTable;
import dev.pier.runtime.onnx.OnnxEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

class ModelCacheTest {
  static final Path IRIS = Path.of("../../tests/fixtures/models/iris-mlp.onnx");
  static final Path IRIS_V2 = Path.of("../../tests/fixtures/models/iris-mlp-v2.onnx");
  @TempDir Path dataDir;
  @TempDir Path staging;
  private LocalAws aws;
  private AwsClients clients;
  private ModelRegistry registry;
  private final AtomicInteger loads = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
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

  private ModelCache cache() {
    return cache(1 << 30);
  }

  private ModelCache cache(long budgetBytes) {
    OnnxEngine onnx = new OnnxEngine(1);
    InferenceEngine counting = new InferenceEngine() {
      @Override
      public Framework framework() {
        return Framework.ONNX;
      }

      @Override
      public String platform() {
        return onnx.platform();
      }

      @Override
      public ModelArchive.Staged stage(Path artifact) {
        return onnx.stage(artifact);
      }

      @Override
      public LoadedModel load(Path artifact, dev.pier.kernel.tensor.Signature declared) {
        loads.incrementAndGet();
        return onnx.load(artifact, declared);
      }
    };
    return new ModelCache(registry.artifacts(), staging, budgetBytes, Duration.ofMinutes(5), List.of(counting));
  }

  private static final NewVersion ONNX = new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of());

  @Test
  void aVersionLargerThanTheWholeBudgetIsLoadedOnceAcrossManyRequests() throws Exception {
    ModelVersion v = registry.register("big", ONNX, IRIS, null);
    try (ModelCache cache = cache(100)) { // the model (which the ONNX engine counts as at least 1 MiB) is over it
      ExecutorService pool = Executors.newFixedThreadPool(8);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        results.add(pool.submit(() -> {
          go.await();
          return cache.<Integer>withModel(v, Budget.WAIT, m -> m.signature().inputs().size());
        }));
      }
      go.countDown();
      for (Future<Integer> f : results) {
        assertThat(f.get()).isEqualTo(1);
      }
      pool.shutdown();
      for (int i = 0; i < 50; i++) {
        cache.withModel(v, Budget.WAIT, m -> m.signature().outputs().size());
      }
      assertThat(loads.get()).isEqualTo(1);
      assertThat(cache.isLoaded(v)).isTrue();
    }
  }

  @Test
  void aVersionLargerThanTheBudgetEvictsTheOthersAndStays() throws Exception {
    ModelVersion small = registry.register("small", ONNX, IRIS, null);
    ModelVersion big = registry.register("big", ONNX, IRIS_V2, null);
    try (ModelCache cache = cache(512 << 10)) { // each counts as 1 MiB: either alone is over the budget
      cache.withModel(small, Budget.WAIT, m -> 1);
      cache.withModel(big, Budget.WAIT, m -> 1);
      assertThat(cache.isLoaded(small)).isFalse();
      assertThat(cache.isLoaded(big)).isTrue();
      cache.withModel(big, Budget.WAIT, m -> 1);
      assertThat(loads.get()).isEqualTo(2);
    }
  }

  @Test
  void theLeastRecentlyUsedVersionMakesRoomForANewOne() throws Exception {
    ModelVersion a = registry.register("a", ONNX, IRIS, null);
    ModelVersion b = registry.register("b", ONNX, IRIS, null);
    ModelVersion c = registry.register("c", ONNX, IRIS, null);
    try (ModelCache cache = cache(5L << 19)) { // two of the versions (1 MiB each, as counted) fit in 2.5 MiB
      cache.withModel(a, Budget.WAIT, m -> 1);
      cache.withModel(b, Budget.WAIT, m -> 1);
      cache.withModel(a, Budget.WAIT, m -> 1); // b is now the least recently used
      cache.withModel(c, Budget.WAIT, m -> 1);
      assertThat(cache.isLoaded(a)).isTrue();
      assertThat(cache.isLoaded(b)).isFalse();
      assertThat(cache.isLoaded(c)).isTrue();
    }
  }

  @Test
  void anOnnxGraphWithExternalDataInAnArchiveIsServedAndLeavesNoUnpackedFiles() throws Exception {
    ModelVersion v = registry.register("external", ONNX,
        Path.of("../../tests/fixtures/models/linear-external.tar.gz"), null);
    try (ModelCache cache = cache()) {
      float[] out = cache.withModel(v, Budget.WAIT, m -> (float[]) m.infer(List.of(new Tensor("input",
          dev.pier.kernel.tensor.Datatype.FP32, new long[] {1, 4}, new float[4])), List.of()).get(0).data());
      assertThat(out).hasSize(3);
    }
    try (var files = Files.list(staging)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly(v.artifact().sha256() + ".artifact");
    }
  }

  @Test
  void downloadsAndUnpackedArchivesOfAKilledProcessAreSweptAtStart() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    long dead = gone.pid();
    long alive = ProcessHandle.current().pid();
    Files.writeString(staging.resolve("a.artifact.part-" + dead + "-7"), "partial");
    Files.createDirectories(staging.resolve("b.artifact.unpacked-" + dead + "-7-1").resolve("inner"));
    Files.writeString(staging.resolve("c.artifact.part-" + alive + "-7"), "a download in flight");
    Files.writeString(staging.resolve("d.artifact"), "a complete download");
    cache().close();
    try (var files = Files.list(staging)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("c.artifact.part-" + alive + "-7", "d.artifact");
    }
  }

  @Test
  void aBurstOfFirstRequestsLoadsTheVersionOnce() throws Exception {
    ModelVersion v = registry.register("m", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), IRIS, null);
    ModelCache cache = cache();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Integer>> results = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      results.add(pool.submit(() -> {
        go.await();
        return cache.<Integer>withModel(v, Budget.WAIT, m -> m.signature().inputs().size());
      }));
    }
    go.countDown();
    for (Future<Integer> f : results) {
      assertThat(f.get()).isEqualTo(1);
    }
    pool.shutdown();
    assertThat(loads.get()).isEqualTo(1);
    cache.close();
  }

  @Test
  void aVersionWhoseArtifactFailsVerificationIsRefusedWhileOthersServe() throws Exception {
    ModelVersion good = registry.register("m", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), IRIS, null);
    ModelVersion tampered = ModelVersion.of("m", 99, ModelVersion.Artifact.stored(Framework.ONNX, null,
        "f".repeat(64), good.artifact().sizeBytes(), good.artifact().key()), null, null, good.createdAt());
    ModelCache cache = cache();
    assertThatThrownBy(() -> cache.withModel(tampered, Budget.WAIT, m -> "loaded")).isInstanceOf(PierException.class)
        .hasMessageContaining("failed SHA-256 verification");
    String served = cache.withModel(good, Budget.WAIT, m -> "served");
    assertThat(served).isEqualTo("served");
    cache.close();
  }

  @Test
  void aFrameworkWithoutAnEngineIs501() throws Exception {
    ModelVersion v = registry.register("x", new NewVersion(Framework.XGBOOST, null, null, Map.of(), Map.of()), IRIS, null);
    ModelCache cache = cache();
    assertThatThrownBy(() -> cache.withModel(v, Budget.WAIT, m -> "loaded")).isInstanceOf(PierException.class)
        .extracting(e -> ((PierException) e).status()).isEqualTo(501);
  }

  // With signatures required, the cache verifies a version's artifact signature after the SHA-256 check and before
  // the engine opens the file: a tampered artifact, signature or key is refused and nothing is loaded.

  private final KeyPair signer = p256();

  static KeyPair p256() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** What {@code openssl dgst -sha256 -sign key.pem artifact | base64} gives. */
  static String sign(KeyPair key, Path artifact) throws Exception {
    Signature ecdsa = Signature.getInstance("SHA256withECDSA");
    ecdsa.initSign(key.getPrivate());
    ecdsa.update(Files.readAllBytes(artifact));
    return Base64.getEncoder().encodeToString(ecdsa.sign());
  }

  private ModelVersion registerSigned(Path artifact, String signature) {
    // the registry checks signatures it is given (against the key that signed them) before storing anything
    registry.verifySignaturesWith(new ArtifactSignature(signer.getPublic(), false));
    return registry.register("m", new NewVersion(Framework.ONNX, null, new ModelVersion.Metadata(null, Map.of(),
        Map.of(), Map.of(), Map.of(ArtifactSignature.PROPERTY, signature)), null, null), artifact, null);
  }

  private ModelCache verifyingCache(java.security.PublicKey key) {
    ModelCache cache = new ModelCache(registry.artifacts(), staging, 1 << 30, Duration.ofMinutes(5),
        List.of(new OnnxEngine(1)));
    cache.verifySignaturesWith(new ArtifactSignature(key, true));
    return cache;
  }

  @Test
  void aValidlySignedVersionLoadsAndServes() throws Exception {
    ModelVersion v = registerSigned(IRIS, sign(signer, IRIS));
    try (ModelCache cache = verifyingCache(signer.getPublic())) {
      int inputs = cache.withModel(v, Budget.WAIT, m -> m.signature().inputs().size());
      assertThat(inputs).isEqualTo(1);
    }
  }

  @Test
  void aSignatureSwappedInTheRegistryIsRefusedAtLoad() throws Exception {
    ModelVersion v = registerSigned(IRIS, sign(signer, IRIS));
    ModelVersion swapped = withSignature(v, sign(signer, IRIS_V2)); // a genuine signature, of another artifact
    try (ModelCache cache = verifyingCache(signer.getPublic())) {
      assertThatThrownBy(() -> cache.withModel(swapped, Budget.WAIT, m -> "loaded")).isInstanceOf(PierException.class)
          .hasMessageContaining("refusing to load m v1").hasMessageContaining("does not verify");
      assertThat(Files.list(staging).filter(f -> f.toString().endsWith(".artifact")).count())
          .as("the artifact was staged and checked, but no engine opened it").isEqualTo(1);
    }
  }

  @Test
  void aSwappedPublicKeyRefusesEveryVersionSignedWithTheOriginalKey() throws Exception {
    ModelVersion v = registerSigned(IRIS, sign(signer, IRIS));
    try (ModelCache cache = verifyingCache(p256().getPublic())) {
      assertThatThrownBy(() -> cache.withModel(v, Budget.WAIT, m -> "loaded")).isInstanceOf(PierException.class)
          .hasMessageContaining("does not verify with the configured signing key");
    }
  }

  @Test
  void artifactBytesSwappedInS3AfterRegistrationAreRefusedBeforeTheSignatureIsEvenChecked() throws Exception {
    ModelVersion v = registerSigned(IRIS, sign(signer, IRIS));
    clients.s3().putObject(b -> b.bucket("artifacts").key(v.artifact().key()), RequestBody.fromFile(IRIS_V2));
    try (ModelCache cache = verifyingCache(signer.getPublic())) {
      assertThatThrownBy(() -> cache.withModel(v, Budget.WAIT, m -> "loaded")).isInstanceOf(PierException.class)
          .hasMessageContaining("failed SHA-256 verification");
    }
  }

  @Test
  void anUnsignedVersionIsRefusedWhenSignaturesAreRequired() throws Exception {
    ModelVersion v = registry.register("u", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), IRIS, null);
    try (ModelCache cache = verifyingCache(signer.getPublic())) {
      assertThatThrownBy(() -> cache.withModel(v, Budget.WAIT, m -> "loaded")).isInstanceOf(PierException.class)
          .hasMessageContaining("signature is missing");
    }
  }

  private static ModelVersion withSignature(ModelVersion v, String signature) {
    return new ModelVersion(v.model(), v.version(), v.artifact(), v.metadata().withProperties(
        Map.of(ArtifactSignature.PROPERTY, signature)), v.serving(), v.provenance(), v.governance(), v.revision(),
        v.createdAt(), v.updatedAt());
  }
}
