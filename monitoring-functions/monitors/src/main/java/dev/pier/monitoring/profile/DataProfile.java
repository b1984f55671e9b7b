package dev.pier.monitoring.profile;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * The profile of a set of rows: a row count and a {@link ColumnProfile} per column. Built row by row while predicting
 * or reading a reference, merged across servers, Lambdas and hours, stored as {@linkplain #toBytes bytes}; its size
 * grows with the number of columns, not of rows.
 *
 * <p>A column's nulls are the rows that did not give it a value ({@link #nulls}), so rows with different columns and
 * profiles of different column sets merge without padding.
 *
 * <p>Not thread-safe: build one per writer thread and merge.
 */
public final class DataProfile {
  private static final int MAGIC = 0x50505246; // "PPRF"
  private static final byte FORMAT = 1;

  private final int quantileK;
  private final Map<String, ColumnProfile> columns = new TreeMap<>();
  private long rows;

  public DataProfile() {
    this(ColumnProfile.DEFAULT_QUANTILE_K);
  }

  public DataProfile(int quantileK) {
    this.quantileK = quantileK;
  }

  /** Adds one row; a column missing from it, or null in it, counts as a null of that column. */
  public void update(Map<String, ?> row) {
    update(row, (column, value) -> value);
  }

  /**
   * Adds one row as {@code stored} turns each cell's value, given its column (capture profiles what its objects store:
   * personal data as its tag, text masked).
   */
  public void update(Map<String, ?> row, BiFunction<String, Object, Object> stored) {
    rows++;
    for (Map.Entry<String, ?> cell : row.entrySet()) {
      column(cell.getKey()).update(stored.apply(cell.getKey(), cell.getValue()));
    }
  }

  /**
   * Counts one row without values; with {@link #column(String)} for column-at-a-time builders (columnar batches),
   * which call it once per row and then update each column.
   */
  public void addRows(long n) {
    rows += n;
  }

  /** The profile of the named column, created empty at first use. */
  public ColumnProfile column(String name) {
    return columns.computeIfAbsent(name, n -> new ColumnProfile(quantileK));
  }

  public void merge(DataProfile other) {
    rows += other.rows;
    for (Map.Entry<String, ColumnProfile> e : other.columns.entrySet()) {
      column(e.getKey()).merge(e.getValue());
    }
  }

  public long rows() {
    return rows;
  }

  /** Rows that had no value (null, missing or NaN) in the column. */
  public long nulls(String column) {
    ColumnProfile p = columns.get(column);
    return p == null ? rows : rows - p.count();
  }

  /** Columns by name, in name order; read-only. */
  public Map<String, ColumnProfile> columns() {
    return Collections.unmodifiableMap(columns);
  }

  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeByte(FORMAT);
      out.writeInt(quantileK);
      out.writeLong(rows);
      out.writeInt(columns.size());
      for (Map.Entry<String, ColumnProfile> e : columns.entrySet()) {
        out.writeUTF(e.getKey());
        byte[] column = e.getValue().toBytes();
        out.writeInt(column.length);
        out.write(column);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads what {@link #toBytes()} wrote; IllegalArgumentException naming the problem for anything else. */
  public static DataProfile fromBytes(byte[] bytes) {
    return fromBytes(bytes, 0, bytes.length);
  }

  /**
   * Reads what {@link #toBytes()} wrote at {@code bytes[offset, offset + length)}; its columns' sketches are read in
   * place ({@link ColumnProfile#fromBytes(byte[], int, int)}), so {@code bytes} must not change afterwards.
   */
  public static DataProfile fromBytes(byte[] bytes, int offset, int length) {
    ByteCursor cursor = new ByteCursor(bytes, offset, length);
    try (DataInputStream in = new DataInputStream(cursor)) {
      if (length < 5 || in.readInt() != MAGIC) {
        throw new IllegalArgumentException("not a Pier data profile (bad magic number)");
      }
      byte format = in.readByte();
      if (format != FORMAT) {
        throw new IllegalArgumentException("data profile format " + format + " is not supported (this build reads "
            + FORMAT + ")");
      }
      DataProfile profile = new DataProfile(in.readInt());
      profile.rows = in.readLong();
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        String name = in.readUTF();
        int size = in.readInt();
        if (size < 0 || size > cursor.available()) {
          throw new java.io.EOFException("column " + name + " of " + size + " bytes, " + cursor.available() + " left");
        }
        profile.columns.put(name, ColumnProfile.fromBytes(bytes, cursor.position(), size));
        cursor.skip(size);
      }
      return profile;
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated data profile: " + e.getMessage(), e);
    }
  }
}
