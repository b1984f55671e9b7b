package dev.pier.runtime;

import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.TensorSpec;

/**
 * A named tensor with its data in one flat, row-major primitive array whose type follows the datatype:
 * {@code boolean[]} for BOOL, {@code byte[]} for INT8/UINT8, {@code short[]} for INT16/UINT16,
 * {@code int[]} for INT32/UINT32, {@code long[]} for INT64/UINT64, {@code float[]} for FP16/FP32,
 * {@code double[]} for FP64 and {@code String[]} for BYTES. Unsigned values are held in their bit pattern.
 * The arrays are shared, not copied: treat them as read-only.
 */
public record Tensor(String name, Datatype datatype, long[] shape, Object data) {

  public Tensor {
    if (!arrayType(datatype).isInstance(data)) {
      throw new IllegalArgumentException("tensor '" + name + "': " + datatype + " data must be a "
          + arrayType(datatype).getSimpleName());
    }
  }

  public int length() {
    return java.lang.reflect.Array.getLength(data);
  }

  public TensorSpec spec() {
    return new TensorSpec(name, datatype, shape);
  }

  /** The number of elements a shape describes, or -1 when it overflows or has a negative dimension. */
  public static long elementCount(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        return -1;
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  public static Class<?> arrayType(Datatype d) {
    return switch (d) {
      case BOOL -> boolean[].class;
      case INT8, UINT8 -> byte[].class;
      case INT16, UINT16 -> short[].class;
      case INT32, UINT32 -> int[].class;
      case INT64, UINT64 -> long[].class;
      case FP16, FP32 -> float[].class;
      case FP64 -> double[].class;
      case BYTES -> String[].class;
    };
  }
}
