package dev.pier.runtime.oip;

import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.runtime.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Tensor data in the Open Inference Protocol's raw binary form, shared by gRPC ({@code raw_input_contents}) and
 * the REST binary extension: elements little-endian, back to back; BYTES elements each prefixed by their length
 * as a 4-byte little-endian integer.
 */
public final class RawTensors {
  private RawTensors() {}

  /** Decodes {@code count} elements of datatype {@code d}; a size mismatch is a 400 naming {@code where}. */
  public static Object decode(String where, Datatype d, int count, ByteBuffer raw) {
    ByteBuffer b = raw.slice().order(ByteOrder.LITTLE_ENDIAN);
    if (d != Datatype.BYTES && b.remaining() != (long) count * d.elementBytes()) {
      throw PierException.badRequest(where + ": raw contents have " + b.remaining() + " bytes; " + count + " "
          + d + " elements need " + (long) count * d.elementBytes());
    }
    return switch (d) {
      case BOOL -> {
        boolean[] a = new boolean[count];
        for (int i = 0; i < count; i++) {
          a[i] = b.get() != 0;
        }
        yield a;
      }
      case INT8, UINT8 -> {
        byte[] a = new byte[count];
        b.get(a);
        yield a;
      }
      case INT16, UINT16 -> {
        short[] a = new short[count];
        b.asShortBuffer().get(a);
        yield a;
      }
      case INT32, UINT32 -> {
        int[] a = new int[count];
        b.asIntBuffer().get(a);
        yield a;
      }
      case INT64, UINT64 -> {
        long[] a = new long[count];
        b.asLongBuffer().get(a);
        yield a;
      }
      case FP16 -> {
        float[] a = new float[count];
        for (int i = 0; i < count; i++) {
          a[i] = Float.float16ToFloat(b.getShort());
        }
        yield a;
      }
      case FP32 -> {
        float[] a = new float[count];
        b.asFloatBuffer().get(a);
        yield a;
      }
      case FP64 -> {
        double[] a = new double[count];
        b.asDoubleBuffer().get(a);
        yield a;
      }
      case BYTES -> {
        List<String> items = new ArrayList<>();
        while (b.remaining() >= 4) {
          int n = b.getInt();
          if (n < 0 || n > b.remaining()) {
            throw PierException.badRequest(where + ": raw BYTES element " + items.size() + " claims " + n
                + " bytes but " + b.remaining() + " remain");
          }
          byte[] s = new byte[n];
          b.get(s);
          items.add(new String(s, StandardCharsets.UTF_8));
        }
        if (b.hasRemaining()) {
          throw PierException.badRequest(where + ": raw BYTES contents end inside a length prefix");
        }
        yield items.toArray(String[]::new);
      }
    };
  }


  /** Encodes a tensor's data. */
  public static byte[] encode(Tensor t) {
    int n = t.length();
    if (t.datatype() == Datatype.BYTES) {
      List<byte[]> items = new ArrayList<>(n);
      int size = 0;
      for (String s : (String[]) t.data()) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        items.add(bytes);
        size += 4 + bytes.length;
      }
      ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
      items.forEach(bytes -> b.putInt(bytes.length).put(bytes));
      return b.array();
    }
    ByteBuffer b = ByteBuffer.allocate(n * t.datatype().elementBytes()).order(ByteOrder.LITTLE_ENDIAN);
    switch (t.datatype()) {
      case BOOL -> {
        for (boolean v : (boolean[]) t.data()) {
          b.put((byte) (v ? 1 : 0));
        }
      }
      case INT8, UINT8 -> b.put((byte[]) t.data());
      case INT16, UINT16 -> b.asShortBuffer().put((short[]) t.data());
      case INT32, UINT32 -> b.asIntBuffer().put((int[]) t.data());
      case INT64, UINT64 -> b.asLongBuffer().put((long[]) t.data());
      case FP16 -> {
        for (float v : (float[]) t.data()) {
          b.putShort(Float.floatToFloat16(v));
        }
      }
      case FP32 -> b.asFloatBuffer().put((float[]) t.data());
      case FP64 -> b.asDoubleBuffer().put((double[]) t.data());
      case BYTES -> throw new IllegalStateException("handled above");
    }
    return b.array();
  }
}
