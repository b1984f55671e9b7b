package dev.pier.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Runs that reuse native buffers ({@link OnnxBindings}) must answer exactly what ordinary runs answer: per datatype,
 * per shape, under concurrency, and for outputs whose shapes depend on the data.
 */
class OnnxBindingsTest {
  private static final Path MODELS = OnnxEngineTest.MODELS;
  private final OnnxEngine engine = new OnnxEngine(1);

  @Test
  void repeatedRunsAnswerWhatTheFirstOrdinaryRunAnswered() {
    try (LoadedModel m = engine.load(MODELS.resolve("iris-mlp.onnx"))) {
      float[] row = {5.1f, 3.5f, 1.4f, 0.2f};
      List<Tensor> first = m.infer(List.of(input(row)), List.of());
      for (int i = 0; i < 5; i++) {
        assertSame(m.infer(List.of(input(row)), List.of()), first);
      }
    }
  }

  @Test
  void eachShapeAndOutputSelectionGetsItsOwnBuffers() {
    try (LoadedModel m = engine.load(MODELS.resolve("iris-mlp.onnx"))) {
      float[] one = {6.7f, 3.0f, 5.2f, 2.3f};
      float[] three = {5.1f, 3.5f, 1.4f, 0.2f, 5.9f, 3.0f, 4.2f, 1.5f, 6.7f, 3.0f, 5.2f, 2.3f};
      List<Tensor> oneRow = m.infer(List.of(input(one)), List.of());
      List<Tensor> threeRows = m.infer(List.of(input(three)), List.of());
      List<Tensor> labelOnly = m.infer(List.of(input(three)), List.of("label"));
      for (int i = 0; i < 3; i++) {
        assertSame(m.infer(List.of(input(one)), List.of()), oneRow);
        assertSame(m.infer(List.of(input(three)), List.of()), threeRows);
        assertSame(m.infer(List.of(input(three)), List.of("label")), labelOnly);
      }
      assertThat(threeRows.get(0).shape()).containsExactly(3, 3);
      assertThat(labelOnly).extracting(Tensor::name).containsExactly("label");
      assertThat((long[]) labelOnly.get(0).data()).containsExactly((long[]) threeRows.get(1).data());
    }
  }

  @Test
  void everyNumericDatatypeRoundTripsThroughReusedBuffers() {
    try (LoadedModel m = engine.load(MODELS.resolve("numeric.onnx"))) {
      for (int round = 0; round < 3; round++) {
        int k = round + 1;
        List<Tensor> out = m.infer(List.of(
            tensor("f32", Datatype.FP32, new float[] {1.5f * k, -2f}),
            tensor("f64", Datatype.FP64, new double[] {2.25 * k, -1e300}),
            tensor("i64", Datatype.INT64, new long[] {Long.MAX_VALUE - k, 7}),
            tensor("i32", Datatype.INT32, new int[] {Integer.MAX_VALUE - k, -3}),
            tensor("i16", Datatype.INT16, new short[] {(short) (300 * k), -4}),
            tensor("i8", Datatype.INT8, new byte[] {(byte) (5 * k), -128 + 1}),
            tensor("u8", Datatype.UINT8, new byte[] {(byte) 200, (byte) k}),
            tensor("flag", Datatype.BOOL, new boolean[] {k % 2 == 0, true})), List.of());
        assertThat((float[]) data(out, "f32_negated")).containsExactly(-1.5f * k, 2f);
        assertThat((double[]) data(out, "f64_negated")).containsExactly(-2.25 * k, 1e300);
        assertThat((long[]) data(out, "i64_negated")).containsExactly(-(Long.MAX_VALUE - k), -7);
        assertThat((int[]) data(out, "i32_negated")).containsExactly(-(Integer.MAX_VALUE - k), 3);
        assertThat((short[]) data(out, "i16_negated")).containsExactly((short) (-300 * k), (short) 4);
        assertThat((byte[]) data(out, "i8_negated")).containsExactly((byte) (-5 * k), (byte) 127);
        assertThat((byte[]) data(out, "u8_echo")).containsExactly((byte) 200, (byte) k);
        assertThat((boolean[]) data(out, "flag_negated")).containsExactly(k % 2 != 0, false);
        assertThat(out).allSatisfy(t -> assertThat(t.shape()).containsExactly(1, 2));
      }
    }
  }

  @Test
  void outputsWhoseShapeDependsOnTheDataAreAnsweredCorrectlyAfterTheFirstRun() {
    try (LoadedModel m = engine.load(MODELS.resolve("nonzero.onnx"))) {
      // the first run learns indices [1,2]; the second has the same input shape but three non-zeros
      assertThat(indices(m, 1, 0, 2, 0)).containsExactly(0, 2);
      assertThat(indices(m, 1, 3, 2, 0)).containsExactly(0, 1, 2);
      assertThat(indices(m, 0, 0, 0, 5)).containsExactly(3);
      assertThat(indices(m, 1, 0, 2, 0)).containsExactly(0, 2);
    }
  }

  @Test
  void anInputTheRuntimeRefusesIsStillA400WithBuffersInPlay() {
    try (LoadedModel m = engine.load(MODELS.resolve("iris-mlp.onnx"))) {
      m.infer(List.of(input(new float[] {1, 2, 3, 4})), List.of());
      m.infer(List.of(input(new float[] {1, 2, 3, 4})), List.of());
      // a shape the graph cannot take: Gemm with 3 features against 4 weights
      assertThatThrownBy(() -> m.infer(List.of(new Tensor("input", Datatype.FP32, new long[] {1, 3},
          new float[] {1, 2, 3})), List.of()))
          .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400));
      assertThat((long[]) m.infer(List.of(input(new float[] {1, 2, 3, 4})), List.of()).get(1).data()).hasSize(1);
    }
  }

  @Test
  void concurrentCallersNeverSeeEachOthersValues() throws Exception {
    try (LoadedModel m = engine.load(MODELS.resolve("numeric.onnx"));
         ExecutorService pool = Executors.newFixedThreadPool(8)) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int id = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < 2_000; i++) {
            long v = id * 1_000_000L + i + 1; // never 0: -0.0 is not 0.0
            List<Tensor> out = m.infer(numericInputs(v), List.of("i64_negated", "f64_negated"));
            assertThat((long[]) out.get(0).data()).containsExactly(-v, v);
            assertThat((double[]) out.get(1).data()).containsExactly(-v, v);
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
  }

  private static List<Tensor> numericInputs(long v) {
    return List.of(
        tensor("f32", Datatype.FP32, new float[2]),
        tensor("f64", Datatype.FP64, new double[] {v, -v}),
        tensor("i64", Datatype.INT64, new long[] {v, -v}),
        tensor("i32", Datatype.INT32, new int[2]),
        tensor("i16", Datatype.INT16, new short[2]),
        tensor("i8", Datatype.INT8, new byte[2]),
        tensor("u8", Datatype.UINT8, new byte[2]),
        tensor("flag", Datatype.BOOL, new boolean[2]));
  }

  private static long[] indices(LoadedModel m, float... x) {
    Tensor out = m.infer(List.of(new Tensor("x", Datatype.FP32, new long[] {x.length}, x)), List.of()).get(0);
    assertThat(out.shape()[1]).isEqualTo(((long[]) out.data()).length);
    return (long[]) out.data();
  }

  private static Tensor input(float[] rows) {
    return new Tensor("input", Datatype.FP32, new long[] {rows.length / 4, 4}, rows);
  }

  private static Tensor tensor(String name, Datatype type, Object data) {
    return new Tensor(name, type, new long[] {1, 2}, data);
  }

  private static Object data(List<Tensor> out, String name) {
    return out.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow().data();
  }

  private static void assertSame(List<Tensor> actual, List<Tensor> expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.get(i).name()).isEqualTo(expected.get(i).name());
      assertThat(actual.get(i).datatype()).isEqualTo(expected.get(i).datatype());
      assertThat(actual.get(i).shape()).containsExactly(expected.get(i).shape());
      assertThat(actual.get(i).data()).isEqualTo(expected.get(i).data());
    }
  }
}
