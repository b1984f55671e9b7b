package dev.pier.monitoring.profile;

import dev.pier.monitoring.capture.CaptureBatch;
import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.security.privacy.PiiFields;
import dev.pier.security.privacy.PiiMasker;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * The profile of captured predictions: one {@link DataProfile} of their input columns and one of their output columns
 * (kept apart because data drift is measured on the inputs and prediction drift on the outputs), and their requests'
 * latencies ({@link #requests}: each request once, by its row 0; {@link #latency}: a KLL sketch of the recorded
 * latencies in milliseconds), from which sketch runs report latency per window. Mergeable and serialisable as its
 * parts are. Not thread-safe.
 */
public record CaptureProfile(DataProfile inputs, DataProfile outputs, Requests requestLatency) {
  private static final int MAGIC = 0x50435046; // "PCPF"
  /** Marks the requests block after the outputs (profiles written before it have none: no requests, no latency). */
  private static final int REQUESTS_MAGIC = 0x50524c54; // "PRLT"

  /** Requests counted once each (their row 0) and their recorded latencies. Mutable, like the profiles. */
  public static final class Requests {
    private long count;
    private final ColumnProfile latency;

    Requests(long count, ColumnProfile latency) {
      this.count = count;
      this.latency = latency;
    }
  }

  public CaptureProfile() {
    this(new DataProfile(), new DataProfile());
  }

  public CaptureProfile(DataProfile inputs, DataProfile outputs) {
    this(inputs, outputs, new Requests(0, new ColumnProfile()));
  }

  public void add(CapturedPrediction row) {
    inputs.update(row.inputs(), (column, value) -> stored(value, row.pii().marks(column)));
    outputs.update(row.outputs(), (column, value) -> stored(value, false));
    if (row.row() == 0) { // a request's rows share its latency: count it once
      requestLatency.count++;
      if (Double.isFinite(row.latencyMs())) {
        requestLatency.latency.update(row.latencyMs());
      }
    }
  }

  /**
   * Adds an hour of a columnar capture batch: each column's array in one loop into its column profile — the same
   * profile as {@link #add(CapturedPrediction)} of each of its rows gives (each column sees its values in row order).
   */
  public void add(CaptureBatch.Hour hour) {
    int rows = hour.rows();
    inputs.addRows(rows);
    outputs.addRows(rows);
    for (CaptureBatch.Column column : hour.inputs()) {
      if (hour.pii().marks(column.name())) {
        addMarked(inputs.column(column.name()), column, rows);
      } else {
        add(inputs.column(column.name()), column, rows);
      }
    }
    for (CaptureBatch.Column column : hour.outputs()) {
      add(outputs.column(column.name()), column, rows);
    }
    for (int r = 0; r < rows; r++) {
      if (hour.rowIndex(r) == 0) {
        requestLatency.count++;
        double latency = hour.latencyMs(r);
        if (Double.isFinite(latency)) {
          requestLatency.latency.update(latency);
        }
      }
    }
  }

  private static void add(ColumnProfile profile, CaptureBatch.Column column, int rows) {
    boolean gaps = column.hasMissing();
    switch (column.kind()) {
      case FLOAT -> {
        float[] v = column.floats();
        for (int r = 0; r < rows; r++) {
          if (!gaps || column.present(r)) {
            profile.update(v[r]);
          }
        }
      }
      case DOUBLE -> {
        double[] v = column.doubles();
        for (int r = 0; r < rows; r++) {
          if (!gaps || column.present(r)) {
            profile.update(v[r]);
          }
        }
      }
      case LONG -> {
        long[] v = column.longs();
        for (int r = 0; r < rows; r++) {
          if (!gaps || column.present(r)) {
            profile.update((double) v[r]);
          }
        }
      }
      case OBJECT -> {
        Object[] v = column.objects();
        for (int r = 0; r < rows; r++) {
          if (column.present(r)) {
            profile.update(stored(v[r], false));
          }
        }
      }
    }
  }

  /**
   * A marked (personal-data) column profiles as the capture object stores it: each value as {@link PiiFields#TAG} —
   * a sketch keeps some of the values it saw, and a profile must not keep what the capture itself never stores.
   */
  private static void addMarked(ColumnProfile profile, CaptureBatch.Column column, int rows) {
    for (int r = 0; r < rows; r++) {
      if (column.present(r)) {
        profile.update(stored(column.value(r), true));
      }
    }
  }

  /** A value as the capture object holds it: null stays null, a marked one is the tag, text passes the masker. */
  private static Object stored(Object value, boolean marked) {
    if (value == null) {
      return null;
    }
    if (marked) {
      return PiiFields.TAG;
    }
    return value instanceof CharSequence text ? PiiMasker.mask(text.toString()) : value;
  }

  public void merge(CaptureProfile other) {
    inputs.merge(other.inputs);
    outputs.merge(other.outputs);
    requestLatency.count += other.requestLatency.count;
    if (other.requestLatency.latency.count() > 0) {
      requestLatency.latency.merge(other.requestLatency.latency);
    }
  }

  /** The captured requests (each once, whatever its rows); 0 for profiles written before requests were counted. */
  public long requests() {
    return requestLatency.count;
  }

  /** The recorded latencies of the requests, in milliseconds (a numeric {@link ColumnProfile}; empty when none). */
  public ColumnProfile latency() {
    return requestLatency.latency;
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
      byte[] latency = requestLatency.latency.toBytes();
      out.writeInt(REQUESTS_MAGIC);
      out.writeLong(requestLatency.count);
      out.writeInt(latency.length);
      out.write(latency);
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
      int at = 12 + inputs + outputs; // after the outputs block
      Requests requests = new Requests(0, new ColumnProfile());
      if (bytes.length >= at + 16 && ByteBuffer.wrap(bytes, at, 4).getInt() == REQUESTS_MAGIC) {
        long count = ByteBuffer.wrap(bytes, at + 4, 8).getLong();
        int length = ByteBuffer.wrap(bytes, at + 12, 4).getInt();
        checkBlock(length, at + 16, bytes.length);
        requests = new Requests(count, ColumnProfile.fromBytes(bytes, at + 16, length));
      }
      return new CaptureProfile(DataProfile.fromBytes(bytes, 8, inputs),
          DataProfile.fromBytes(bytes, 12 + inputs, outputs), requests);
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
