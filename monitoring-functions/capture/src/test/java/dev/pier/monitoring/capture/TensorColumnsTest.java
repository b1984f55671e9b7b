package dev.pier.monitoring.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Array;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rows of named columns over tensors: the values read are exactly what the arrays hold, boxed as reflection boxes them. */
class TensorColumnsTest {

  @Test
  void aCellIsTheValueReflectionReadsOfTheSameTypeForEveryArrayTheRuntimeHolds() {
    Object[] arrays = {new float[] {1.5f, -0f, Float.NaN}, new double[] {2.25, Double.MAX_VALUE, -1e-300},
        new long[] {Long.MIN_VALUE, 7, 0}, new int[] {Integer.MAX_VALUE, -3, 0}, new short[] {1, -2, 3},
        new byte[] {4, -5, 6}, new boolean[] {true, false, true}, new String[] {"a", null, "c"}};
    for (Object array : arrays) {
      for (int i = 0; i < Array.getLength(array); i++) {
        Object expected = Array.get(array, i);
        Object cell = TensorColumns.cell(array, i);
        assertThat(cell).as(array.getClass().getSimpleName() + "[" + i + "]").isEqualTo(expected);
        if (expected != null) {
          assertThat(cell).isInstanceOf(expected.getClass());
        }
      }
    }
  }

  @Test
  void rowsReadEachTensorsOwnColumnsRowMajor() {
    TensorColumns columns = new TensorColumns(List.of(
        new TensorColumns.Tensor("x", new long[] {3, 2}, new float[] {0f, 1f, 10f, 11f, 20f, 21f}),
        new TensorColumns.Tensor("id", new long[] {3}, new long[] {100, 101, 102}),
        new TensorColumns.Tensor("p", new long[] {3, 3}, new double[] {0.1, 0.2, 0.7, 0.3, 0.3, 0.4, 0.5, 0.5, 0}),
        new TensorColumns.Tensor("f", new long[] {3, 2}, new int[] {1, 2, 3, 4, 5, 6}, List.of("a", "b"))));
    assertThat(columns.rows()).isEqualTo(3);
    Map<String, Object> row1 = columns.row(1);
    assertThat(row1).containsExactlyEntriesOf(new java.util.LinkedHashMap<>(Map.of()) {
      {
        put("x[0]", 10f);
        put("x[1]", 11f);
        put("id", 101L);
        put("p[0]", 0.3);
        put("p[1]", 0.3);
        put("p[2]", 0.4);
        put("a", 3);
        put("b", 4);
      }
    });
    assertThat(columns.row(2)).containsEntry("x[1]", 21f).containsEntry("id", 102L).containsEntry("p[2]", 0.0)
        .containsEntry("b", 6);
  }
}
