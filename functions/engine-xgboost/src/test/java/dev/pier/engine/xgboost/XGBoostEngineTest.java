package dev.pier.engine.xgboost;

import dev.pier.kernel.engine.Framework;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.EngineSettings;
import dev.pier.runtime.InferenceEngine;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class XGBoostEngineTest {
  static final Path MODELS = Path.of("../../tests/fixtures/models");
  private final XGBoostEngine engine = new XGBoostEngine(1);
  private final JsonNode reference = reference();

  private static JsonNode reference() {
    try {
      return new ObjectMapper().readTree(MODELS.resolve("iris-xgboost.reference.json").toFile());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Tensor referenceRows() {
    float[] rows = new float[16];
    int i = 0;
    for (JsonNode row : reference.get("input")) {
      for (JsonNode v : row) {
        rows[i++] = (float) v.asDouble();
      }
    }
    return new Tensor("input", Datatype.FP32, new long[] {4, 4}, rows);
  }

  private static void assertMatches(Tensor actual, JsonNode expected) {
    float[] data = (float[]) actual.data();
    int k = 0;
    for (JsonNode row : expected) {
      for (JsonNode v : row) {
        assertThat((double) data[k++]).isCloseTo(v.asDouble(), offset(1e-5));
      }
    }
    assertThat(k).isEqualTo(data.length);
  }

  @ParameterizedTest
  @ValueSource(strings = {"iris-xgboost.json", "iris-xgboost.ubj"})
  void readsTheSignatureFromTheFeatureCountAndTheObjective(String file) {
    try (LoadedModel m = engine.load(MODELS.resolve(file))) {
      assertThat(m.signature().inputs()).containsExactly(new TensorSpec("input", Datatype.FP32, new long[] {-1, 4}));
      assertThat(m.signature().outputs()).containsExactly(
          new TensorSpec("probabilities", Datatype.FP32, new long[] {-1, 3}),
          new TensorSpec("margin", Datatype.FP32, new long[] {-1, 3}));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"iris-xgboost.json", "iris-xgboost.ubj"})
  void matchesTheProbabilitiesAndMarginsOfXGBoostsPythonApi(String file) {
    try (LoadedModel m = engine.load(MODELS.resolve(file))) {
      List<Tensor> out = m.infer(List.of(referenceRows()), List.of());
      assertThat(out).extracting(Tensor::name).containsExactly("probabilities", "margin");
      assertThat(out.get(0).shape()).containsExactly(4, 3);
      assertMatches(out.get(0), reference.get("probabilities"));
      assertMatches(out.get(1), reference.get("margin"));
    }
  }

  @Test
  void computesOnlyTheRequestedOutputsInTheRequestedOrder() {
    try (LoadedModel m = engine.load(MODELS.resolve("iris-xgboost.json"))) {
      List<Tensor> out = m.infer(List.of(referenceRows()), List.of("margin"));
      assertThat(out).extracting(Tensor::name).containsExactly("margin");
      assertMatches(out.get(0), reference.get("margin"));
    }
  }

  @Test
  void namesTheOutputAfterTheObjective() {
    assertThat(XGBoostEngine.valueOutput("binary:logistic")).isEqualTo("probabilities");
    assertThat(XGBoostEngine.valueOutput("multi:softmax")).isEqualTo("label");
    assertThat(XGBoostEngine.valueOutput("reg:squarederror")).isEqualTo("predictions");
  }

  @Test
  void servesConcurrentRequestsFromOneBooster() throws Exception {
    try (LoadedModel m = engine.load(MODELS.resolve("iris-xgboost.json"))) {
      Tensor rows = referenceRows();
      List<Thread> threads = new java.util.ArrayList<>();
      java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
      for (int t = 0; t < 4; t++) {
        threads.add(Thread.ofPlatform().start(() -> {
          for (int i = 0; i < 200; i++) {
            try {
              assertMatches(m.infer(List.of(rows), List.of("probabilities")).get(0), reference.get("probabilities"));
            } catch (Throwable e) {
              failures.incrementAndGet();
            }
          }
        }));
      }
      for (Thread t : threads) {
        t.join();
      }
      assertThat(failures).hasValue(0);
    }
  }

  @Test
  void refusesAFileThatIsNotAnXGBoostModel(@TempDir Path dir) throws Exception {
    Path junk = Files.writeString(dir.resolve("junk"), "{\"not\": \"a booster\"}");
    assertThatThrownBy(() -> engine.load(junk)).isInstanceOf(PierException.class)
        .hasMessageContaining("not a loadable XGBoost model")
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }

  @Test
  void isFoundThroughTheServiceLoader() {
    assertThat(ServiceLoader.load(InferenceEngine.Provider.class).stream().map(ServiceLoader.Provider::get)
        .filter(p -> p.framework() == dev.pier.kernel.engine.Framework.XGBOOST)
        .map(p -> p.create(EngineSettings.singleThreaded()).platform())).containsExactly("xgboost");
  }
}
