package dev.pier.monitoring.profile;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads a profile's bytes in place, in {@link java.io.DataOutputStream}'s big-endian layout: fields straight from the
 * array, and the next n bytes as a read-only slice of it, so a sketch is wrapped where it lies instead of being copied
 * out first. Merging 1,000 hourly profiles spent a sixth of its time copying blocks, and a tenth in {@link
 * DataInputStream}'s field reads over a {@link ByteArrayInputStream} (a synchronized copy per field).
 */
final class ByteCursor {
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private final byte[] buf;
  private final int end;
  private int pos;

  ByteCursor(byte[] bytes, int offset, int length) {
    if (offset < 0 || length < 0 || offset + length > bytes.length) {
      throw new IllegalArgumentException(length + " bytes at " + offset + " of " + bytes.length);
    }
    this.buf = bytes;
    this.pos = offset;
    this.end = offset + length;
  }

  byte readByte() throws EOFException {
    need(1);
    return buf[pos++];
  }

  int readInt() throws EOFException {
    need(4);
    int v = (int) INT.get(buf, pos);
    pos += 4;
    return v;
  }

  long readLong() throws EOFException {
    need(8);
    long v = (long) LONG.get(buf, pos);
    pos += 8;
    return v;
  }

  double readDouble() throws EOFException {
    return Double.longBitsToDouble(readLong());
  }

  /** What {@link java.io.DataOutputStream#writeUTF} wrote: ASCII decoded here, anything else by DataInputStream. */
  String readUTF() throws IOException {
    need(2);
    int length = ((buf[pos] & 0xff) << 8) | (buf[pos + 1] & 0xff);
    need(2 + length);
    int from = pos + 2;
    for (int i = from; i < from + length; i++) {
      if (buf[i] <= 0) { // modified UTF-8 (a multi-byte character, or NUL as two bytes)
        String s = new DataInputStream(new ByteArrayInputStream(buf, pos, 2 + length)).readUTF();
        pos = from + length;
        return s;
      }
    }
    pos = from + length;
    return new String(buf, from, length, StandardCharsets.ISO_8859_1);
  }

  /** The next {@code n} bytes as a read-only segment over the same array; EOFException when fewer are left. */
  MemorySegment take(int n) throws EOFException {
    if (n < 0) {
      throw new EOFException("a block of " + n + " bytes");
    }
    need(n);
    MemorySegment slice = MemorySegment.ofArray(buf).asSlice(pos, n).asReadOnly();
    pos += n;
    return slice;
  }

  void skip(int n) throws EOFException {
    need(n);
    pos += n;
  }

  int available() {
    return end - pos;
  }

  /** The position of the next byte in the array this reads. */
  int position() {
    return pos;
  }

  private void need(int n) throws EOFException {
    if (n > end - pos) {
      throw new EOFException(n + " bytes wanted, " + (end - pos) + " left");
    }
  }
}
