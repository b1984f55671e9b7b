package dev.pier.monitoring.profile;

import dev.pier.monitoring.capture.CapturedPrediction;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * The profile of captured predictions: one {@link DataProfile} of their input columns and one of their output columns
 * (kept apart because data drift is measured on the inputs and prediction drift on the outputs). Mergeable and
 * serialisable as its parts are. Not thread-safe.
 */
public record CaptureProfile(DataProfile inputs, DataProfile outputs) {
  private static final int MAGIC = 0x50435046; // "PCPF"

  public CaptureProfile() {
    this(new DataProfile(), new DataProfile());
  }

  public void add(CapturedPrediction row) {
    inputs.update(row.inputs());
    outputs.update(row.outputs());
  }

  public void merge(CaptureProfile other) {
    inputs.merge(other.inputs);
    outputs.merge(other.outputs);
  }

  public long rows() {
    return inputs.rows();
  }

  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      byte[] in = inputs.toBytes();
      byte[] outs = outputs.toBytes();
      out.writeInt(MAGIC);
      out.writeInt(in.length);
      out.write(in);
      out.writeInt(outs.length);
      out.write(outs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads what {@link #toBytes()} wrote; its sketches are read in place, so {@code bytes} must not change. */
  public static CaptureProfile fromBytes(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (in.readInt() != MAGIC) {
        throw new IllegalArgumentException("not a Pier capture profile (bad magic number)");
      }
      int inputs = in.readInt();
      checkBlock(inputs, 8, bytes.length);
      int outputs = ByteBuffer.wrap(bytes, 8 + inputs, 4).getInt();
      checkBlock(outputs, 12 + inputs, bytes.length);
      return new CaptureProfile(DataProfile.fromBytes(bytes, 8, inputs),
          DataProfile.fromBytes(bytes, 12 + inputs, outputs));
    } catch (IOException | IndexOutOfBoundsException e) {
      throw new IllegalArgumentException("truncated capture profile: " + e.getMessage(), e);
    }
  }

  private static void checkBlock(int length, int at, int total) throws java.io.EOFException {
    if (length < 0 || (long) at + length > total) {
      throw new java.io.EOFException("a block of " + length + " bytes at " + at + " of " + total);
    }
  }
}
