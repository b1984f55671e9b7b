package dev.pier.batch;

import dev.pier.runtime.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Keeps a {@link RowSource}'s scored batches as the model answered them, and where each row's outputs are. */
final class RowsResultWriter implements ResultWriter {
  final List<List<Tensor>> batches = new ArrayList<>();
  final int[] batch;
  final int[] offset;

  RowsResultWriter(int rows) {
    batch = new int[rows];
    offset = new int[rows];
    Arrays.fill(batch, -1);
  }

  @Override
  public void write(String[] ids, int from, List<Tensor> outputs, int n) {
    int b = batches.size();
    batches.add(outputs);
    for (int k = 0; k < n; k++) {
      int row = Integer.parseInt(ids[from + k]);
      batch[row] = b;
      offset[row] = k;
    }
  }

  @Override
  public byte[] finish() {
    return new byte[0];
  }
}
