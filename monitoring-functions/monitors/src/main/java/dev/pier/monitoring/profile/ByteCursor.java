package dev.pier.monitoring.profile;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.lang.foreign.MemorySegment;

/**
 * Reads a profile's bytes in place: a {@link ByteArrayInputStream} (for {@link java.io.DataInputStream}'s fields) that
 * also hands out the next n bytes as a read-only slice of the same array, so a sketch is wrapped where it lies instead
 * of being copied out first. Merging 1,000 hourly profiles spent a sixth of its time copying blocks.
 */
final class ByteCursor extends ByteArrayInputStream {
  ByteCursor(byte[] bytes, int offset, int length) {
    super(bytes, offset, length);
  }

  /** The next {@code n} bytes as a read-only segment over the same array; EOFException when fewer are left. */
  MemorySegment take(int n) throws EOFException {
    if (n < 0 || n > count - pos) {
      throw new EOFException("a block of " + n + " bytes, " + (count - pos) + " left");
    }
    MemorySegment slice = MemorySegment.ofArray(buf).asSlice(pos, n).asReadOnly();
    pos += n;
    return slice;
  }

  /** The array this reads and the position of its next byte. */
  byte[] array() {
    return buf;
  }

  int position() {
    return pos;
  }
}
