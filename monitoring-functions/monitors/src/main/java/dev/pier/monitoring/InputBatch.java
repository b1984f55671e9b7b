package dev.pier.monitoring;

import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.runtime.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Rows of captured or reference columns ({@code <input>[i]}) as the one {@code [rows, features]} FP32 tensor a version
 * takes: what the monitors feed a model to explain or predict. A row missing a column or holding a non-number is left
 * out.
 *
 * @param tensor the complete rows' values
 * @param rows the index in the given rows of each of the tensor's rows
 * @param columns the input's column names, in the tensor's order
 */
record InputBatch(Tensor tensor, int[] rows, String[] columns) {

  /** Null when the signature's input is not one FP32 {@code [rows, features]} tensor, or when no row is complete. */
  static InputBatch of(Signature signature, List<Map<String, Object>> rows) {
    if (signature.inputs().size() != 1) {
      return null;
    }
    TensorSpec input = signature.inputs().get(0);
    long[] shape = input.shape();
    if (input.datatype() != Datatype.FP32 || shape.length != 2 || shape[1] <= 0) {
      return null;
    }
    int features = (int) shape[1];
    String[] columns = new String[features];
    for (int i = 0; i < features; i++) {
      columns[i] = CapturedPrediction.column(input.name(), i);
    }
    float[] data = new float[rows.size() * features];
    int[] index = new int[rows.size()];
    int n = 0;
    for (int r = 0; r < rows.size(); r++) {
      Map<String, Object> row = rows.get(r);
      boolean complete = true;
      for (int i = 0; i < features && complete; i++) {
        if (row.get(columns[i]) instanceof Number value) {
          data[n * features + i] = value.floatValue();
        } else {
          complete = false;
        }
      }
      if (complete) {
        index[n++] = r;
      }
    }
    if (n == 0) {
      return null;
    }
    return new InputBatch(new Tensor(input.name(), Datatype.FP32, new long[] {n, features},
        Arrays.copyOf(data, n * features)), Arrays.copyOf(index, n), columns);
  }

  int size() {
    return rows.length;
  }
}
