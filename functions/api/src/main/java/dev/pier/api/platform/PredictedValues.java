package dev.pier.api.platform;

import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.Tensor;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The predicted value of each row of an answer, for experiments' feedback metrics (read on the exposure writer's
 * thread, never on the request path): the first output with one value per row ({@code [n]} or {@code [n, 1]}: a
 * label, a regression value, a positive-class probability); without one, the index of the largest value in each row
 * of the first output (the class of a probability vector). A value is a number or, for a BYTES output, a string.
 */
final class PredictedValues implements Function<Object, List<Object>> {

  @Override
  public List<Object> apply(Object answer) {
    if (!(answer instanceof InferenceResponse response) || response.outputs().isEmpty()) return List.of();
    for (Tensor t : response.outputs()) {
      long[] s = t.shape();
      if (s.length == 1 || s.length == 2 && s[1] == 1) return perRow(t, (int) s[0], 1, false);
    }
    Tensor first = response.outputs().get(0);
    long[] s = first.shape();
    if (s.length != 2 || s[1] < 1) return List.of();
    return perRow(first, (int) s[0], (int) s[1], true);
  }

  private static List<Object> perRow(Tensor t, int rows, int width, boolean argmax) {
    Object data = t.data();
    if (Array.getLength(data) < (long) rows * width) return List.of();
    List<Object> out = new ArrayList<>(rows);
    for (int r = 0; r < rows; r++) {
      if (!argmax) {
        out.add(value(data, r));
        continue;
      }
      int best = -1;
      double bestValue = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < width; c++) {
        Object v = value(data, r * width + c);
        if (v instanceof Double d && d > bestValue) {
          bestValue = d;
          best = c;
        }
      }
      out.add(best < 0 ? null : (double) best);
    }
    return out;
  }

  /** Element i as a double (a boolean as 1/0), or a string for BYTES. */
  private static Object value(Object data, int i) {
    return switch (data) {
      case float[] a -> (double) a[i];
      case double[] a -> a[i];
      case int[] a -> (double) a[i];
      case long[] a -> (double) a[i];
      case short[] a -> (double) a[i];
      case byte[] a -> (double) a[i];
      case boolean[] a -> a[i] ? 1.0 : 0.0;
      case String[] a -> a[i];
      default -> null;
    };
  }
}
