package dev.pier.batch;

import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.pipeline.FeaturePipeline;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The model inputs a chunk's rows are read into, each as one flat primitive column of {@code width} values per row:
 * the signature's inputs, or — with a feature pipeline — the pipeline's one FP32 input.
 */
final class InputColumns {
  private final List<TensorSpec> inputs;
  private final int[] widths;

  private InputColumns(List<TensorSpec> inputs) {
    this.inputs = inputs;
    this.widths = inputs.stream().mapToInt(InputColumns::rowWidth).toArray();
  }

  static InputColumns of(Signature signature, FeaturePipeline pipeline) {
    return new InputColumns(pipeline == null ? signature.inputs()
        : List.of(new TensorSpec(pipeline.input(), Datatype.FP32, new long[] {-1, pipeline.columns()})));
  }

  /** The values one row holds for a tensor ({@code [-1, 4]} → 4); refuses what batch scoring cannot feed. */
  static int rowWidth(TensorSpec spec) {
    long[] shape = spec.shape();
    long w = 1;
    for (int d = 1; d < shape.length; d++) {
      if (shape[d] < 0) {
        throw PierException.badRequest("batch scoring needs fixed row shapes: input '" + spec.name()
            + "' has shape " + Arrays.toString(shape));
      }
      w *= shape[d];
    }
    if (shape.length > 0 && shape[0] >= 0 && shape[0] != 1) {
      throw PierException.badRequest("batch scoring needs a variable first (batch) dimension: input '"
          + spec.name() + "' has shape " + Arrays.toString(shape));
    }
    switch (spec.datatype()) {
      case FP32, FP64, INT32, INT64, BOOL -> { }
      default -> throw PierException.badRequest("batch scoring reads numeric and boolean inputs; '" + spec.name()
          + "' is " + spec.datatype());
    }
    return (int) w;
  }

  List<TensorSpec> inputs() {
    return inputs;
  }

  int count() {
    return widths.length;
  }

  TensorSpec spec(int input) {
    return inputs.get(input);
  }

  int width(int input) {
    return widths[input];
  }

  int[] widths() {
    return widths;
  }

  /** The input named {@code name}, or -1. */
  int index(String name) {
    for (int i = 0; i < widths.length; i++) {
      if (inputs.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /** One empty column per input for {@code rows} rows. */
  Object[] allocate(int rows) {
    Object[] columns = new Object[widths.length];
    for (int i = 0; i < widths.length; i++) {
      int n = rows * widths[i];
      columns[i] = switch (inputs.get(i).datatype()) {
        case FP64 -> new double[n];
        case INT64 -> new long[n];
        case INT32 -> new int[n];
        case BOOL -> new boolean[n];
        default -> new float[n];
      };
    }
    return columns;
  }

  /** Rows {@code [from, to)} of {@code columns} as the model's input tensors. */
  List<Tensor> tensors(Object[] columns, int from, int to) {
    List<Tensor> out = new ArrayList<>(widths.length);
    for (int i = 0; i < widths.length; i++) {
      TensorSpec spec = inputs.get(i);
      long[] shape = spec.shape();
      shape[0] = to - from;
      int a = from * widths[i];
      int b = to * widths[i];
      Object data = switch (columns[i]) {
        case float[] f -> Arrays.copyOfRange(f, a, b);
        case double[] d -> Arrays.copyOfRange(d, a, b);
        case long[] l -> Arrays.copyOfRange(l, a, b);
        case int[] n -> Arrays.copyOfRange(n, a, b);
        case boolean[] z -> Arrays.copyOfRange(z, a, b);
        default -> throw new IllegalStateException();
      };
      out.add(new Tensor(spec.name(), spec.datatype(), shape, data));
    }
    return out;
  }

  /**
   * Stores a text cell (CSV, or a Parquet string column) at {@code at} of an input's column; returns the problem
   * naming {@code header}, or null.
   */
  static String storeText(TensorSpec spec, String cell, Object column, int at, String header) {
    try {
      switch (spec.datatype()) {
        case FP32 -> ((float[]) column)[at] = Float.parseFloat(cell);
        case FP64 -> ((double[]) column)[at] = Double.parseDouble(cell);
        case INT64 -> ((long[]) column)[at] = Long.parseLong(cell);
        case INT32 -> ((int[]) column)[at] = Integer.parseInt(cell);
        case BOOL -> {
          if (!cell.equals("true") && !cell.equals("false")) {
            return "column '" + header + "' takes true or false, got '" + cell + "'";
          }
          ((boolean[]) column)[at] = cell.equals("true");
        }
        default -> throw new IllegalStateException(spec.datatype().name());
      }
      return null;
    } catch (NumberFormatException e) {
      return "column '" + header + "' takes " + (spec.datatype() == Datatype.FP32 || spec.datatype() == Datatype.FP64
          ? "numbers" : "integers") + ", got '" + cell + "'";
    }
  }
}
