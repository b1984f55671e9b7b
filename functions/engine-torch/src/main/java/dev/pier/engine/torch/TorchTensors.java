package dev.pier.engine.torch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Conversions between Pier's tensors and libtorch's, for the datatypes both have. */
final class TorchTensors {
  /** Per-thread input buffers up to this size are kept for the next call; larger ones are allocated each time. */
  private static final int SCRATCH_MAX = 1 << 20;
  private static final ThreadLocal<ByteBuffer> SCRATCH = new ThreadLocal<>();

  private TorchTensors() {}

  static void checkSupported(TensorSpec spec, String role) {
    if (dataType(spec.datatype()) == null) {
      throw PierException.badRequest("metadata.signature: " + role + " '" + spec.name() + "' has datatype "
          + spec.datatype() + ", which the TorchScript engine does not serve (BOOL, UINT8, INT8, INT16, INT32,"
          + " INT64, FP32 and FP64 are served)");
    }
  }

  static DataType dataType(Datatype d) {
    return switch (d) {
      case BOOL -> DataType.BOOLEAN;
      case UINT8 -> DataType.UINT8;
      case INT8 -> DataType.INT8;
      case INT16 -> DataType.INT16;
      case INT32 -> DataType.INT32;
      case INT64 -> DataType.INT64;
      case FP32 -> DataType.FLOAT32;
      case FP64 -> DataType.FLOAT64;
      case FP16, UINT16, UINT32, UINT64, BYTES -> null;
    };
  }

  /**
   * A direct buffer for this call's inputs. DJL copies a heap buffer into a fresh direct one on every call; handing
   * it a direct buffer skips that, and libtorch reads it in place. The buffer is this thread's, reused by its next
   * call, which is safe because a call's tensors are freed before it returns.
   */
  static ByteBuffer scratch(int bytes) {
    if (bytes > SCRATCH_MAX) {
      return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }
    ByteBuffer b = SCRATCH.get();
    if (b == null || b.capacity() < bytes) {
      b = ByteBuffer.allocateDirect(Math.max(bytes, 4096)).order(ByteOrder.nativeOrder());
      SCRATCH.set(b);
    }
    return b.clear();
  }

  static int byteSize(Tensor t) {
    return t.datatype() == Datatype.BOOL ? t.length() : Math.multiplyExact(t.length(), t.datatype().elementBytes());
  }

  /** Writes a tensor's data at the buffer's position, in native byte order. */
  static void write(Tensor t, ByteBuffer into) {
    switch (t.datatype()) {
      case FP32 -> into.asFloatBuffer().put((float[]) t.data());
      case FP64 -> into.asDoubleBuffer().put((double[]) t.data());
      case INT64 -> into.asLongBuffer().put((long[]) t.data());
      case INT32 -> into.asIntBuffer().put((int[]) t.data());
      case INT16 -> into.asShortBuffer().put((short[]) t.data());
      case INT8, UINT8 -> into.duplicate().put((byte[]) t.data());
      case BOOL -> {
        ByteBuffer d = into.duplicate();
        for (boolean v : (boolean[]) t.data()) {
          d.put((byte) (v ? 1 : 0));
        }
      }
      default -> throw new IllegalArgumentException(t.datatype().name());
    }
  }

  /** Copies a libtorch tensor out as the declared datatype, which the load-time check made sure it has. */
  static Tensor read(String name, Datatype datatype, NDArray array) {
    long[] shape = array.getShape().getShape();
    Object data = switch (datatype) {
      case FP32 -> array.toFloatArray();
      case FP64 -> array.toDoubleArray();
      case INT64 -> array.toLongArray();
      case INT32 -> array.toIntArray();
      case INT16 -> {
        short[] s = new short[Math.toIntExact(array.size())];
        array.toByteBuffer().asShortBuffer().get(s);
        yield s;
      }
      case INT8, UINT8 -> array.toByteArray();
      case BOOL -> array.toBooleanArray();
      default -> throw new IllegalArgumentException(datatype.name());
    };
    return new Tensor(name, datatype, shape, data);
  }
}
