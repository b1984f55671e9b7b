package dev.pier.kernel.tensor;

import java.util.Arrays;

/**
 * The metadata of one named tensor in the Open Inference Protocol's tensor-metadata form: a name, a datatype and a
 * shape in which -1 stands for a dimension of any size (usually the batch).
 */
public record TensorSpec(String name, Datatype datatype, long[] shape) {

  public TensorSpec {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("tensor name must not be empty");
    }
    if (datatype == null) {
      throw new IllegalArgumentException("tensor '" + name + "' needs a datatype");
    }
    shape = shape.clone();
    for (long d : shape) {
      if (d < -1) {
        throw new IllegalArgumentException("tensor '" + name + "' has an invalid dimension " + d);
      }
    }
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public long dim(int i) {
    return shape[i];
  }

  /** Whether a concrete shape fits this spec: same rank and equal dimensions wherever the spec is not -1. */
  public boolean accepts(long[] concrete) {
    if (concrete.length != shape.length) {
      return false;
    }
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] != -1 && shape[i] != concrete[i]) {
        return false;
      }
    }
    return true;
  }

  public static String format(long[] shape) {
    return Arrays.toString(shape).replace(" ", "");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorSpec t
        && name.equals(t.name)
        && datatype == t.datatype
        && Arrays.equals(shape, t.shape);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * name.hashCode() + datatype.hashCode()) + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + ":" + datatype + format(shape);
  }
}
