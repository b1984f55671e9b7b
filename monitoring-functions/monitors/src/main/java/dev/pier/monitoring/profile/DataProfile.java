package dev.pier.monitoring.profile;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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

  /**
   * Merges many profiles into this one, as {@link #merge(DataProfile)} of each in turn would, column by column and the
   * columns in parallel: the calling thread and the common fork-join pool's take the next column until none is left,
   * so a thread the machine's other work holds back delays the merge by one column at most. Each column still merges
   * its parts in the list's order, so the result is the sequential fold's, whatever the threads. The parts are left as
   * they were. ({@code MonitoringBench merge}: 1,000 hourly profiles × 100 columns; see BENCH.md.)
   */
  public void mergeAll(List<DataProfile> others) {
    Map<String, List<ColumnProfile>> parts = new TreeMap<>();
    for (DataProfile other : others) {
      rows += other.rows;
      other.columns.forEach((name, part) -> parts.computeIfAbsent(name, n -> new ArrayList<>()).add(part));
    }
    List<ColumnProfile> targets = new ArrayList<>(parts.size());
    parts.keySet().forEach(name -> targets.add(column(name))); // the column map is changed here only
    List<List<ColumnProfile>> sources = List.copyOf(parts.values());
    AtomicInteger next = new AtomicInteger();
    CountDownLatch merged = new CountDownLatch(targets.size());
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    Runnable mergeColumns = () -> {
      for (int c; (c = next.getAndIncrement()) < targets.size(); ) {
        try {
          sources.get(c).forEach(targets.get(c)::merge);
        } catch (RuntimeException e) {
          failure.compareAndSet(null, e);
        } finally {
          merged.countDown();
        }
      }
    };
    int helpers = Math.min(targets.size() - 1, ForkJoinPool.getCommonPoolParallelism());
    for (int i = 0; i < helpers; i++) {
      ForkJoinPool.commonPool().execute(mergeColumns); // a helper that starts late finds no column and returns
    }
    mergeColumns.run();
    boolean interrupted = false;
    while (merged.getCount() > 0) { // every column taken is being merged: wait for those the helpers hold
      try {
        merged.await();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (failure.get() != null) {
      throw failure.get();
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
    ByteCursor in = new ByteCursor(bytes, offset, length);
    try {
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
        if (size < 0 || size > in.available()) {
          throw new java.io.EOFException("column " + name + " of " + size + " bytes, " + in.available() + " left");
        }
        profile.columns.put(name, ColumnProfile.fromBytes(bytes, in.position(), size));
        in.skip(size);
      }
      return profile;
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated data profile: " + e.getMessage(), e);
    }
  }
}
