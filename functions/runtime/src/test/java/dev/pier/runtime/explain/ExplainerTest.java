package dev.pier.runtime.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.registry.ExplainSettings;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * On a linear model Shapley values have a closed form, phi_i = w_i (x_i - mean of background_i): both the exact
 * enumeration (few features) and the permutation sampler (many) must find it.
 */
class ExplainerTest {

  /** y = sum_i w_i x_i + 1, one output column. */
  private static LoadedModel linear(float[] w) {
    int f = w.length;
    return new LoadedModel() {
      @Override
      public Signature signature() {
        return new Signature(List.of(new TensorSpec("x", Datatype.FP32, new long[] {-1, f})),
            List.of(new TensorSpec("y", Datatype.FP32, new long[] {-1, 1})));
      }

      @Override
      public List<Tensor> infer(List<Tensor> inputs, List<String> outputs) {
        float[] x = (float[]) inputs.get(0).data();
        int rows = x.length / f;
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
          double s = 1;
          for (int i = 0; i < f; i++) {
            s += w[i] * x[r * f + i];
          }
          y[r] = (float) s;
        }
        return List.of(new Tensor("y", Datatype.FP32, new long[] {rows, 1}, y));
      }

      @Override
      public long sizeBytes() {
        return 0;
      }

      @Override
      public void close() {}
    };
  }

  private static void assertClosedForm(int features) {
    float[] w = new float[features];
    float[] x = new float[features];
    float[][] background = new float[3][features];
    for (int i = 0; i < features; i++) {
      w[i] = (i % 3) - 1.5f + i * 0.1f;
      x[i] = i * 0.5f;
      for (int b = 0; b < 3; b++) {
        background[b][i] = b + i * 0.25f;
      }
    }
    List<Tensor> out = Explainer.explain("shap", linear(w), new ExplainSettings(background),
        List.of(new Tensor("x", Datatype.FP32, new long[] {1, features}, x)));
    float[] phi = (float[]) out.get(0).data();
    assertThat(out.get(0).shape()).containsExactly(1, 1, features);
    for (int i = 0; i < features; i++) {
      double mean = (background[0][i] + background[1][i] + background[2][i]) / 3.0;
      assertThat((double) phi[i]).as("feature %d", i).isCloseTo(w[i] * (x[i] - mean), offset(1e-3));
    }
  }

  @Test
  void exactEnumerationFindsTheClosedFormForFewFeatures() {
    assertClosedForm(6);
  }

  @Test
  void permutationSamplingFindsTheClosedFormForManyFeatures() {
    assertClosedForm(14); // for a linear model every permutation gives the exact value
  }
}
