package dev.pier.engine.tensorflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.EngineSettings;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator of {@code ./pier bench large}'s SavedModel: its size is the padding's, its answers the fixture's. */
class PaddedSavedModelTest {
  private final TensorFlowEngine engine = new TensorFlowEngine(EngineSettings.singleThreaded());

  @Test
  void aPaddedSavedModelHasTheAskedSizeItsWeightsOutsideTheGraphAndTheFixturesAnswers(@TempDir Path dir)
      throws Exception {
    JsonNode weights = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(TensorFlowEngineTest.MODELS.resolve("iris-tf.weights.json").toFile());
    float[][] w = new float[4][3];
    float[] b = new float[3];
    for (int j = 0; j < 3; j++) {
      for (int i = 0; i < 4; i++) {
        w[i][j] = (float) weights.get("weights").get(i).get(j).asDouble();
      }
      b[j] = (float) weights.get("bias").get(j).asDouble();
    }
    Path zip = dir.resolve("padded.zip");
    long bytes = 24L << 20;
    PaddedSavedModel.write(w, b, zip, bytes);

    assertThat(Files.size(zip)).as("stored, not compressed: pseudo-random padding").isBetween(bytes, bytes + (1 << 20));
    try (var staged = engine.stage(zip)) {
      try (var files = Files.walk(staged.path())) {
        long variables = files.filter(p -> p.toString().contains("variables.data")).mapToLong(p -> p.toFile().length())
            .sum();
        assertThat(variables).as("the padding is variables, not graph constants").isGreaterThanOrEqualTo(bytes - 4000);
      }
      try (LoadedModel m = engine.load(staged.path())) {
        assertThat(m.signature().inputs()).containsExactly(new TensorSpec("input", Datatype.FP32, new long[] {-1, 4}));
        JsonNode reference = TensorFlowEngineTest.REFERENCE;
        float[] rows = new float[16];
        int k = 0;
        for (JsonNode row : reference.get("input")) {
          for (JsonNode v : row) {
            rows[k++] = (float) v.asDouble();
          }
        }
        List<Tensor> out = m.infer(List.of(new Tensor("input", Datatype.FP32, new long[] {4, 4}, rows)),
            List.of("probabilities", "label"));
        float[] p = (float[]) out.get(0).data();
        k = 0;
        for (JsonNode row : reference.get("probabilities")) {
          for (JsonNode v : row) {
            assertThat((double) p[k++]).isCloseTo(v.asDouble(), offset(reference.get("tolerance").asDouble()));
          }
        }
        long[] labels = (long[]) out.get(1).data();
        for (int i = 0; i < 4; i++) {
          assertThat(labels[i]).isEqualTo(reference.get("label").get(i).asLong());
        }
      }
    }
  }

  @Test
  void javaCppDoesNotCapTheProcessesResidentMemoryAtFourTimesTheHeap() {
    assertThat(engine).isNotNull(); // the engine's class is initialized, as before any model is loaded
    assertThat(org.bytedeco.javacpp.Pointer.maxPhysicalBytes()).as("0 = no cap: the model cache checks memory")
        .isZero();
  }
}
