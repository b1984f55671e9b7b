package dev.pier.runtime;

import dev.pier.kernel.tensor.Signature;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows of batch-major tensors stacked and split again: what a dynamic batcher does to its requests' inputs before one
 * engine call and to the engine's outputs after it. Shared by the in-process batcher and the endpoint server's.
 */
public final class TensorRows {
  private TensorRows() {}

  /** Whether every input and output of {@code s} has a free first dimension, so requests can be stacked along it. */
  public static boolean batchMajor(Signature s) {
    return !s.inputs().isEmpty()
        && s.inputs().stream().allMatch(t -> t.rank() > 0 && t.dim(0) == -1)
        && s.outputs().stream().allMatch(t -> t.rank() > 0 && t.dim(0) == -1);
  }

  /**
   * Stacks the requests' inputs along the first dimension, input by input in the first request's order, each request's
   * tensor found by name.
   */
  public static List<Tensor> concat(List<List<Tensor>> requests, int totalRows) {
    List<Tensor> first = requests.get(0);
    List<Tensor> combined = new ArrayList<>(first.size());
    for (Tensor t0 : first) {
      int length = 0;
      for (List<Tensor> inputs : requests) {
        length += named(inputs, t0.name()).length();
      }
      Object data = Array.newInstance(t0.data().getClass().getComponentType(), length);
      int at = 0;
      for (List<Tensor> inputs : requests) {
        Tensor t = named(inputs, t0.name());
        System.arraycopy(t.data(), 0, data, at, t.length());
        at += t.length();
      }
      long[] shape = t0.shape().clone();
      shape[0] = totalRows;
      combined.add(new Tensor(t0.name(), t0.datatype(), shape, data));
    }
    return combined;
  }

  /** Rows {@code fromRow .. fromRow + rows} of an output computed for {@code totalRows} stacked rows. */
  public static Tensor slice(Tensor out, int fromRow, int rows, int totalRows) {
    int perRow = out.length() / totalRows;
    Object data = Array.newInstance(out.data().getClass().getComponentType(), perRow * rows);
    System.arraycopy(out.data(), fromRow * perRow, data, 0, perRow * rows);
    long[] shape = out.shape().clone();
    shape[0] = rows;
    return new Tensor(out.name(), out.datatype(), shape, data);
  }

  private static Tensor named(List<Tensor> inputs, String name) {
    for (Tensor t : inputs) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    throw new IllegalStateException("input '" + name + "' missing from a compatible request");
  }
}
