package dev.pier.engine.torch;

import static dev.pier.engine.torch.TorchEngineTest.DECLARED;
import static dev.pier.engine.torch.TorchEngineTest.MODELS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.tensor.Signature;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.NewVersion;
import dev.pier.registry.RegistryTable;
import dev.pier.runtime.Budget;
import dev.pier.runtime.InferenceEngine;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.ModelArchive;
import dev.pier.runtime.ModelCache;
import java.nio.file.Files;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TorchScript models far larger than the fixture, made by {@link PaddedTorchScript} (a few MiB here; several GB in
 * {@code ./pier bench large}), through the path a multi-GB model takes: loaded whole by libtorch, stored in and
 * fetched from S3 with its SHA-256 checked, and kept by a model cache whose budget it exceeds (the budget is lowered
 * here so that a small file exercises the same logic).
 */
class LargeTorchScriptTest {
  private static final long PADDED = 16L << 20;
  @TempDir Path dir;

  private Path padded() throws Exception {
    Path out = dir.resolve("padded.pt");
    PaddedTorchScript.write(MODELS.resolve("iris-torch.pt"), out, PADDED);
    return out;
  }

  @Test
  void aPaddedModuleHasTheAskedSizeAndComputesWhatTheSourceComputes() throws Exception {
    Path model = padded();
    assertThat(Files.size(model)).isBetween(PADDED, PADDED + (64 << 10));
    try (LoadedModel loaded = TorchEngineTest.ENGINE.load(model, DECLARED)) {
      TorchEngineTest.assertReference(loaded.infer(List.of(TorchEngineTest.rows()), List.of()));
      assertThat(loaded.sizeBytes()).isGreaterThanOrEqualTo(2 * PADDED); // the budget counts the whole file
    }
  }

  @Test
  void aTruncatedLargeModuleIsRefusedWith400NamingTheEngine() throws Exception {
    Path model = padded();
    Path cut = dir.resolve("cut.pt");
    try (var in = Files.newInputStream(model)) {
      Files.write(cut, in.readNBytes((int) (PADDED / 2)));
    }
    assertThatThrownBy(() -> TorchEngineTest.ENGINE.load(cut, DECLARED))
        .isInstanceOf(PierException.class)
        .hasMessageContaining("artifact is not a loadable TorchScript model")
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }

  @Test
  void overTheCacheBudgetABurstOfFirstRequestsLoadsItOnceAndItIsNeverReloaded() throws Exception {
    Path model = padded();
    AtomicInteger loads = new AtomicInteger();
    InferenceEngine counting = new InferenceEngine() {
      @Override
      public Framework framework() {
        return Framework.PYTORCH;
      }

      @Override
      public String platform() {
        return TorchEngineTest.ENGINE.platform();
      }

      @Override
      public ModelArchive.Staged stage(Path artifact) {
        return TorchEngineTest.ENGINE.stage(artifact);
      }

      @Override
      public LoadedModel load(Path artifact, Signature declared) {
        loads.incrementAndGet();
        return TorchEngineTest.ENGINE.load(artifact, declared);
      }
    };
    try (LocalAws aws = LocalAws.start(dir.resolve("aws"));
        AwsClients clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
            aws.accessKeyId(), aws.secretAccessKey()))) {
      RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
      ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
      artifacts.createBucketIfMissing();
      ModelRegistry registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
      ModelVersion v = registry.register("big-torch", new NewVersion(Framework.PYTORCH, DECLARED, null, Map.of(), Map.of()),
          model, null);
      // a budget of 1 MiB: the model (counted as twice its 16 MiB) is far over it, as a 10 GB model is over a 5 GB one
      try (ModelCache cache = new ModelCache(artifacts, dir.resolve("staging"), 1 << 20, Duration.ofMinutes(5),
          List.of(counting))) {
        assertThat(cache.check(Framework.PYTORCH, model, DECLARED)).isEqualTo(DECLARED); // registration's check
        loads.set(0);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Object>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          results.add(pool.submit(() -> {
            go.await();
            return cache.withModel(v, Budget.WAIT, m -> m.infer(List.of(TorchEngineTest.rows()), List.of()));
          }));
        }
        go.countDown();
        for (Future<Object> f : results) {
          @SuppressWarnings("unchecked")
          var out = (List<dev.pier.runtime.Tensor>) f.get();
          TorchEngineTest.assertReference(out);
        }
        pool.shutdown();
        for (int i = 0; i < 20; i++) {
          cache.withModel(v, Budget.WAIT, m -> m.infer(List.of(TorchEngineTest.rows()), List.of()));
        }
        assertThat(loads).hasValue(1);
        assertThat(cache.isLoaded(v)).isTrue();
      }
    }
  }
}
