package dev.pier.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import dev.pier.registry.Framework;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
  void refusesSettingsWithoutThreads() {
    assertThatThrownBy(() -> new EngineSettings(0, 1, null, null)).isInstanceOf(IllegalArgumentException.class);
  }
}
