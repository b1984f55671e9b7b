package dev.pier.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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

class ModelCacheTest {
  static final Path IRIS = Path.of("../../tests/fixtures/models/iris-mlp.onnx");
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
}
