package dev.pier.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxEngineTest {
  static final Path MODELS = Path.of("../../tests/fixtures/models");
  private final OnnxEngine engine = new OnnxEngine(1);

  @Test
  void readsTheSignatureFromTheGraph() {
    try (LoadedModel m = engine.load(MODELS.resolve("iris-mlp.onnx"))) {
      assertThat(m.signature().inputs()).containsExactly(new TensorSpec("input", Datatype.FP32, new long[] {-1, 4}));
      assertThat(m.signature().outputs()).containsExactly(
          new TensorSpec("probabilities", Datatype.FP32, new long[] {-1, 3}),
          new TensorSpec("label", Datatype.INT64, new long[] {-1}));
    }
  }

  @Test
  void matchesTheReferenceOutputsComputedWithoutOnnxRuntime() throws Exception {
    JsonNode ref = new ObjectMapper().readTree(MODELS.resolve("iris-mlp.reference.json").toFile());
    float[] rows = new float[16];
    int i = 0;
    for (JsonNode row : ref.get("input")) {
      for (JsonNode v : row) {
        rows[i++] = (float) v.asDouble();
      }
    }
    try (LoadedModel m = engine.load(MODELS.resolve("iris-mlp.onnx"))) {
      List<Tensor> out = m.infer(List.of(new Tensor("input", Datatype.FP32, new long[] {4, 4}, rows)), List.of());
      float[] probabilities = (float[]) out.get(0).data();
      int k = 0;
      for (JsonNode row : ref.get("probabilities")) {
        for (JsonNode p : row) {
          assertThat((double) probabilities[k++]).isCloseTo(p.asDouble(), offset(1e-5));
        }
      }
      assertThat((long[]) out.get(1).data()).containsExactly(0, 2, 1, 2);
      assertThat(out.get(1).shape()).containsExactly(4);
    }
  }

  @Test
  void refusesAFileThatIsNotAnOnnxModel(@TempDir Path dir) throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.onnx"), "not a model");
    assertThatThrownBy(() -> engine.load(junk)).isInstanceOf(PierException.class)
        .hasMessageContaining("not a loadable ONNX model")
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }
}
