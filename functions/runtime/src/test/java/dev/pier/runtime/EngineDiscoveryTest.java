package dev.pier.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import dev.pier.runtime.onnx.OnnxEngine;
import dev.pier.kernel.engine.Framework;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a build finds its engines, and what it answers for a framework it does not carry. */
class EngineDiscoveryTest {

  @Test
  void findsTheOnnxEngineThroughTheServiceLoader() {
    List<InferenceEngine> engines = ServiceLoader.load(InferenceEngine.Provider.class).stream()
        .map(p -> p.get().create(EngineSettings.singleThreaded())).toList();
    assertThat(engines).extracting(InferenceEngine::framework).contains(Framework.ONNX);
  }

  @Test
  void aFrameworkWithoutAnEngineIs501NamingWhereItCanRun(@TempDir Path dir) {
    try (ModelCache cache = new ModelCache(null, dir, 1 << 20, Duration.ofMinutes(1),
        List.of(new dev.pier.runtime.onnx.OnnxEngine(1)))) {
      assertThatThrownBy(() -> cache.engine(Framework.PYTORCH)).isInstanceOf(PierException.class)
          .hasMessageContaining("framework 'pytorch' is not served by this build")
          .hasMessageContaining("plain-server/container build or on an endpoint")
          .extracting(e -> ((PierException) e).status()).isEqualTo(501);
    }
  }

  @Test
  void aProviderWhoseEngineServesAnotherFrameworkIsRefused() {
    EngineProvider mislabelled = new EngineProvider(Framework.XGBOOST, settings -> new OnnxEngine(1)) {};

    assertThatThrownBy(() -> mislabelled.create(EngineSettings.singleThreaded()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("announced xgboost but made an engine for onnx");
  }

  @Test
  void theOnnxProviderPassesTheUnpackBoundFromItsSettings(@TempDir Path dir) throws Exception {
    InferenceEngine engine = new OnnxEngine.Provider().create(
        new EngineSettings(1, 1, null, Map.of("max-unpacked-bytes", "1000")));
    Path archive = dir.resolve("big.zip");
    try (var zip = new java.util.zip.ZipOutputStream(java.nio.file.Files.newOutputStream(archive))) {
      zip.putNextEntry(new java.util.zip.ZipEntry("model.onnx"));
      zip.write(new byte[4096]);
      zip.closeEntry();
    }

    assertThatThrownBy(() -> engine.stage(archive)).isInstanceOf(PierException.class).hasMessageContaining("1000");
  }

  @Test
  void refusesSettingsWithoutThreads() {
    assertThatThrownBy(() -> new EngineSettings(0, 1, null, null)).isInstanceOf(IllegalArgumentException.class);
  }
}
