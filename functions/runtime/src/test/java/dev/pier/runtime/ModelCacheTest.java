package dev.pier.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import dev.pier.kernel.security.ArtifactSignature;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.Framework;
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
      public LoadedModel load(Path artifact, dev.pier.kernel.tensor.Signature declared) {
        loads.incrementAndGet();
        return onnx.load(artifact, declared);
      }
    };
    return new ModelCache(registry.artifacts(), staging, 1 << 30, Duration.ofMinutes(5), List.of(counting));
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
        return cache.<Integer>withModel(v, m -> m.signature().inputs().size());
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
    ModelVersion tampered = new ModelVersion("m", 99, Framework.ONNX, "f".repeat(64), good.sizeBytes(),
        good.artifactKey(), null, null, Map.of(), Map.of(), null, null, good.createdAt());
    ModelCache cache = cache();
    assertThatThrownBy(() -> cache.withModel(tampered, m -> "loaded")).isInstanceOf(PierException.class)
        .hasMessageContaining("failed SHA-256 verification");
    String served = cache.withModel(good, m -> "served");
    assertThat(served).isEqualTo("served");
    cache.close();
  }

  @Test
  void aFrameworkWithoutAnEngineIs501() throws Exception {
    ModelVersion v = registry.register("x", new NewVersion(Framework.XGBOOST, null, null, Map.of(), Map.of()), IRIS, null);
    ModelCache cache = cache();
    assertThatThrownBy(() -> cache.withModel(v, m -> "loaded")).isInstanceOf(PierException.class)
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
    return registry.register("m", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of(), null, null, null,
        null, null, null, null, Map.of(ArtifactSignature.PROPERTY, signature), null, null), artifact, null);
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
      int inputs = cache.withModel(v, m -> m.signature().inputs().size());
      assertThat(inputs).isEqualTo(1);
    }
  }

  @Test
  void aSignatureSwappedInTheRegistryIsRefusedAtLoad() throws Exception {
    ModelVersion v = registerSigned(IRIS, sign(signer, IRIS));
    ModelVersion swapped = withSignature(v, sign(signer, IRIS_V2)); // a genuine signature, of another artifact
    try (ModelCache cache = verifyingCache(signer.getPublic())) {
      assertThatThrownBy(() -> cache.withModel(swapped, m -> "loaded")).isInstanceOf(PierException.class)
          .hasMessageContaining("refusing to load m v1").hasMessageContaining("does not verify");
      assertThat(Files.list(staging).filter(f -> f.toString().endsWith(".artifact")).count())
          .as("the artifact was staged and checked, but no engine opened it").isEqualTo(1);
    }
  }

  @Test
  void aSwappedPublicKeyRefusesEveryVersionSignedWithTheOriginalKey() throws Exception {
    ModelVersion v = registerSigned(IRIS, sign(signer, IRIS));
    try (ModelCache cache = verifyingCache(p256().getPublic())) {
      assertThatThrownBy(() -> cache.withModel(v, m -> "loaded")).isInstanceOf(PierException.class)
          .hasMessageContaining("does not verify with the configured signing key");
    }
  }

  @Test
  void artifactBytesSwappedInS3AfterRegistrationAreRefusedBeforeTheSignatureIsEvenChecked() throws Exception {
    ModelVersion v = registerSigned(IRIS, sign(signer, IRIS));
    clients.s3().putObject(b -> b.bucket("artifacts").key(v.artifactKey()), RequestBody.fromFile(IRIS_V2));
    try (ModelCache cache = verifyingCache(signer.getPublic())) {
      assertThatThrownBy(() -> cache.withModel(v, m -> "loaded")).isInstanceOf(PierException.class)
          .hasMessageContaining("failed SHA-256 verification");
    }
  }

  @Test
  void anUnsignedVersionIsRefusedWhenSignaturesAreRequired() throws Exception {
    ModelVersion v = registry.register("u", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), IRIS, null);
    try (ModelCache cache = verifyingCache(signer.getPublic())) {
      assertThatThrownBy(() -> cache.withModel(v, m -> "loaded")).isInstanceOf(PierException.class)
          .hasMessageContaining("signature is missing");
    }
  }

  private static ModelVersion withSignature(ModelVersion v, String signature) {
    return new ModelVersion(v.model(), v.version(), v.framework(), v.sha256(), v.sizeBytes(), v.artifactKey(),
        v.signature(), v.description(), v.tags(), v.metrics(), v.batching(), v.placement(), v.responseCache(),
        v.explain(), v.createdAt(), v.source(), v.runId(), v.servable(), v.statusMessage(), v.status(), v.stage(),
        v.params(), Map.of(ArtifactSignature.PROPERTY, signature), v.lineage(), v.createdBy(), v.revision(),
        v.updatedAt(), v.pipeline());
  }
}
