package dev.pier.monitoring.capture;

import dev.pier.security.privacy.PiiFields;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A batch of captured rows laid out column-wise, as the capture writer builds it: one {@link Hour} per (model, version,
 * hour, PII fields), each holding its rows' request ids, row indexes, times, ways in and latencies in arrays, and each
 * input and output column as one primitive array ({@code float[]}, {@code double[]}, {@code long[]}) copied straight
 * from the requests' tensors — or, for text, booleans, lists and columns whose values change type, as boxed values.
 *
 * <p>Why: laying rows out as per-row maps of boxed values, then walking them to encode and again to profile, was most
 * of the writer's CPU per row (monitoring BENCH.md, <i>Capture's CPU per row, columnar</i>); the codec
 * ({@link CaptureCodec}, format PCB2) and the profile listener now read each column's array in a tight loop.
 *
 * <p>A column a row does not have is <em>missing</em> there ({@link Column#present}), which is not the same as a null
 * value (an {@link Column.Kind#OBJECT} column holds nulls). Not thread-safe: the writer thread fills and reads it.
 */
public final class CaptureBatch {
  private final Map<Key, Hour> hours = new LinkedHashMap<>();
  private Hour last;
  private int rows;

  private record Key(String model, long version, long hour, PiiFields pii) {}

  /** Rows in the batch. */
  public int rows() {
    return rows;
  }

  public boolean isEmpty() {
    return rows == 0;
  }

  /** The batch's hours, in first-use order. */
  public List<Hour> hours() {
    List<Hour> out = new ArrayList<>(hours.size());
    for (Hour h : hours.values()) {
      if (h.rows > 0) {
        h.finish();
        out.add(h);
      }
    }
    return out;
  }

  /** Adds one row given as maps (the row path: tests, {@code /predict}'s named instances, other callers). */
  public void add(CapturedPrediction row) {
    Hour h = hour(row.model(), row.version(), row.time().toEpochMilli(), row.pii());
    int r = h.addRows(row.requestId(), row.time().toEpochMilli(), row.wayIn(), row.latencyMs(), row.row(), 1);
    h.inputs.addCells(row.inputs(), r);
    h.outputs.addCells(row.outputs(), r);
  }

  /** The batch as rows (for listeners that take rows; the write path does not call it). */
  public List<CapturedPrediction> toRows() {
    List<CapturedPrediction> out = new ArrayList<>(rows);
    for (Hour h : hours()) {
      for (int r = 0; r < h.rows; r++) {
        out.add(h.row(r));
      }
    }
    return out;
  }

  /** The hour the rows of a request at {@code epochMillis} go to, made at first use. */
  Hour hour(String model, long version, long epochMillis, PiiFields pii) {
    if (model == null || model.isEmpty() || model.contains("/")) {
      throw new IllegalArgumentException("capture needs a model name without '/', got " + model);
    }
    PiiFields p = pii == null ? PiiFields.NONE : pii;
    long hour = Math.floorDiv(epochMillis, 3_600_000L);
    Hour h = last;
    if (h != null && h.hourIndex == hour && h.version == version && h.model.equals(model)
        && (h.pii == p || h.pii.equals(p))) {
      return h;
    }
    h = hours.computeIfAbsent(new Key(model, version, hour, p), k -> new Hour(k.model(), k.version(), k.hour(),
        k.pii()));
    last = h;
    return h;
  }

  /** Where a request's rows start, to take them back if laying them out fails ({@link #rollBack}). */
  record Mark(Hour hour, int rows) {}

  Mark mark(Hour h) {
    return new Mark(h, h.rows);
  }

  void rollBack(Mark mark) {
    rows -= mark.hour().rows - mark.rows();
    mark.hour().truncate(mark.rows());
  }

  /** The rows of one model version in one hour, column-wise. */
  public final class Hour {
    private final String model;
    private final long version;
    private final long hourIndex;
    private final PiiFields pii;
    private int rows;
    private String[] requestIds = new String[64];
    private int[] rowIndexes = new int[64];
    private long[] epochMillis = new long[64];
    private String[] waysIn = new String[64];
    private double[] latencies = new double[64];
    final Columns inputs = new Columns();
    final Columns outputs = new Columns();

    Hour(String model, long version, long hourIndex, PiiFields pii) {
      this.model = model;
      this.version = version;
      this.hourIndex = hourIndex;
      this.pii = pii;
    }

    public String model() {
      return model;
    }

    public long version() {
      return version;
    }

    /** The start of the hour. */
    public Instant hour() {
      return Instant.ofEpochMilli(hourIndex * 3_600_000L);
    }

    public PiiFields pii() {
      return pii;
    }

    public int rows() {
      return rows;
    }

    public String requestId(int r) {
      return requestIds[r];
    }

    /** Row {@code r}'s index in its request. */
    public int rowIndex(int r) {
      return rowIndexes[r];
    }

    public long epochMillis(int r) {
      return epochMillis[r];
    }

    public String wayIn(int r) {
      return waysIn[r];
    }

    /** Row {@code r}'s request latency in ms, NaN when not known. */
    public double latencyMs(int r) {
      return latencies[r];
    }

    /** The input columns, in first-use order. */
    public List<Column> inputs() {
      return inputs.list;
    }

    public List<Column> outputs() {
      return outputs.list;
    }

    /** Row {@code r} as a captured row (maps of boxed values: for readers and listeners of rows, not the write path). */
    public CapturedPrediction row(int r) {
      return new CapturedPrediction(model, version, requestIds[r], rowIndexes[r], Instant.ofEpochMilli(epochMillis[r]),
          waysIn[r], inputs.cells(r), outputs.cells(r), pii, latencies[r]);
    }

    /** Appends {@code n} rows of one request (row indexes {@code firstRow}, …); returns the first's position. */
    int addRows(String requestId, long millis, String wayIn, double latencyMs, int firstRow, int n) {
      int start = rows;
      int need = start + n;
      if (need > requestIds.length) {
        int size = Math.max(need, requestIds.length * 2);
        requestIds = Arrays.copyOf(requestIds, size);
        rowIndexes = Arrays.copyOf(rowIndexes, size);
        epochMillis = Arrays.copyOf(epochMillis, size);
        waysIn = Arrays.copyOf(waysIn, size);
        latencies = Arrays.copyOf(latencies, size);
      }
      for (int i = 0; i < n; i++) {
        requestIds[start + i] = requestId;
        rowIndexes[start + i] = firstRow + i;
        epochMillis[start + i] = millis;
        waysIn[start + i] = wayIn;
        latencies[start + i] = latencyMs;
      }
      rows = need;
      CaptureBatch.this.rows += n;
      return start;
    }

    void truncate(int n) {
      Arrays.fill(requestIds, n, rows, null);
      Arrays.fill(waysIn, n, rows, null);
      rows = n;
      inputs.truncate(n);
      outputs.truncate(n);
    }

    /** Pads every column to the hour's rows (missing at the end). */
    void finish() {
      inputs.finish(rows);
      outputs.finish(rows);
    }
  }

  /** One side's columns (inputs or outputs) of an hour, by name. */
  static final class Columns {
    final List<Column> list = new ArrayList<>();
    private final Map<String, Column> byName = new HashMap<>();
    /** Resolved columns per name array ({@link TensorColumns#columnNames} shares them): no lookup per request. */
    private final Map<String[], Column[]> resolved = new IdentityHashMap<>();

    Column column(String name) {
      Column c = byName.get(name);
      if (c == null) {
        c = new Column(name);
        byName.put(name, c);
        list.add(c);
      }
      return c;
    }

    Column[] columns(String[] names) {
      Column[] out = resolved.get(names);
      if (out == null) {
        out = new Column[names.length];
        for (int i = 0; i < names.length; i++) {
          out[i] = column(names[i]);
        }
        if (resolved.size() < 64) {
          resolved.put(names, out);
        }
      }
      return out;
    }

    void addCells(Map<String, ?> cells, int row) {
      if (cells == null) {
        return;
      }
      for (Map.Entry<String, ?> cell : cells.entrySet()) {
        column(cell.getKey()).set(row, cell.getValue());
      }
    }

    /** Copies rows {@code 0..n-1} of a tensor into rows {@code start..} of its columns. */
    void addTensor(TensorColumns.Tensor tensor, int start, int n) {
      String[] names = TensorColumns.columnNames(tensor);
      Column[] columns = columns(names);
      int width = names.length;
      Object data = tensor.data();
      for (int c = 0; c < width; c++) {
        columns[c].copy(data, c, width, start, n);
      }
    }

    Map<String, Object> cells(int row) {
      Map<String, Object> out = new LinkedHashMap<>(Math.max(4, list.size() * 2));
      for (Column c : list) {
        if (c.present(row)) {
          out.put(c.name, c.value(row));
        }
      }
      return out;
    }

    void truncate(int n) {
      for (Column c : list) {
        c.truncate(n);
      }
    }

    void finish(int rows) {
      for (Column c : list) {
        c.padTo(rows);
      }
    }
  }

  /**
   * One column of an hour's rows: a primitive array while every value has one numeric type, else boxed values. Read
   * its array by {@link #kind()}; entries {@code 0..rows-1} are the hour's rows, those not {@link #present} hold 0 or
   * null.
   */
  public static final class Column {
    /** How the values are held. */
    public enum Kind {
      /** {@link #floats()}: values that were {@code float}. */
      FLOAT,
      /** {@link #doubles()}. */
      DOUBLE,
      /** {@link #longs()}: integers ({@code long}, {@code int}, {@code short}, {@code byte}). */
      LONG,
      /** {@link #objects()}: boxed values of any type, nulls included. */
      OBJECT
    }

    private static final Object MISSING = new Object();

    private final String name;
    private Kind kind;
    private float[] floats;
    private double[] doubles;
    private long[] longs;
    private Object[] objects;
    /** Rows filled (present or missing). */
    private int size;
    /** Rows missing among the primitive ones; null while none is (OBJECT columns mark them in place). */
    private BitSet missing;

    Column(String name) {
      this.name = name;
    }

    public String name() {
      return name;
    }

    /** Null while no row has a value. */
    public Kind kind() {
      return kind == null ? Kind.OBJECT : kind;
    }

    public float[] floats() {
      return floats;
    }

    public double[] doubles() {
      return doubles;
    }

    public long[] longs() {
      return longs;
    }

    /** Boxed values; a missing row's entry is a private marker: ask {@link #present}. */
    public Object[] objects() {
      if (kind == null) {
        objects = new Object[Math.max(size, 1)];
        Arrays.fill(objects, 0, size, MISSING);
        kind = Kind.OBJECT;
      }
      return objects;
    }

    /** False when every row has a value (a primitive column without gaps): the caller may skip {@link #present}. */
    public boolean hasMissing() {
      return kind == null ? size > 0 : kind == Kind.OBJECT ? missingObjects() : missing != null && !missing.isEmpty();
    }

    private boolean missingObjects() {
      for (int i = 0; i < size; i++) {
        if (objects[i] == MISSING) {
          return true;
        }
      }
      return false;
    }

    /** True when row {@code r} has this column (a null value included). */
    public boolean present(int r) {
      if (kind == null) {
        return false;
      }
      return kind == Kind.OBJECT ? objects[r] != MISSING : missing == null || !missing.get(r);
    }

    /** Row {@code r}'s value, boxed ({@code Float}, {@code Double}, {@code Long} or as given); null when missing. */
    public Object value(int r) {
      if (!present(r)) {
        return null;
      }
      return switch (kind) {
        case FLOAT -> floats[r];
        case DOUBLE -> doubles[r];
        case LONG -> longs[r];
        case OBJECT -> objects[r];
      };
    }

    private static Kind kindOf(Object value) {
      return switch (value) {
        case Float f -> Kind.FLOAT;
        case Double d -> Kind.DOUBLE;
        case Long l -> Kind.LONG;
        case Integer i -> Kind.LONG;
        case Short s -> Kind.LONG;
        case Byte b -> Kind.LONG;
        case null, default -> Kind.OBJECT;
      };
    }

    private static Kind kindOfArray(Object data) {
      return data instanceof float[] ? Kind.FLOAT : data instanceof double[] ? Kind.DOUBLE
          : data instanceof long[] || data instanceof int[] ? Kind.LONG : null;
    }

    /** Sets row {@code r}, padding rows before it as missing. */
    void set(int r, Object value) {
      Kind k = kindOf(value);
      if (kind == null) {
        start(k, r + 1);
      } else if (kind != k && kind != Kind.OBJECT) {
        toObjects();
      }
      ensure(r + 1);
      padTo(r);
      switch (kind) {
        case FLOAT -> floats[r] = (Float) value;
        case DOUBLE -> doubles[r] = (Double) value;
        case LONG -> longs[r] = ((Number) value).longValue();
        case OBJECT -> objects[r] = value;
      }
      if (missing != null) {
        missing.clear(r);
      }
      size = Math.max(size, r + 1);
    }

    /** Rows {@code start..start+n-1} from column {@code c} of a row-major array {@code width} wide. */
    void copy(Object data, int c, int width, int start, int n) {
      Kind k = kindOfArray(data);
      if (k == null || start != size || (kind != null && kind != k)) {
        for (int i = 0; i < n; i++) {
          set(start + i, TensorColumns.cell(data, i * width + c));
        }
        return;
      }
      if (kind == null) {
        start(k, start + n);
      }
      ensure(start + n);
      switch (data) {
        case float[] f -> {
          for (int i = 0, j = c; i < n; i++, j += width) {
            floats[start + i] = f[j];
          }
        }
        case double[] d -> {
          for (int i = 0, j = c; i < n; i++, j += width) {
            doubles[start + i] = d[j];
          }
        }
        case long[] l -> {
          for (int i = 0, j = c; i < n; i++, j += width) {
            longs[start + i] = l[j];
          }
        }
        case int[] v -> {
          for (int i = 0, j = c; i < n; i++, j += width) {
            longs[start + i] = v[j];
          }
        }
        default -> throw new IllegalStateException("not reached");
      }
      size = start + n;
    }

    private void start(Kind k, int capacity) {
      int cap = Math.max(64, capacity);
      kind = k;
      switch (k) {
        case FLOAT -> floats = new float[cap];
        case DOUBLE -> doubles = new double[cap];
        case LONG -> longs = new long[cap];
        case OBJECT -> objects = new Object[cap];
      }
      if (size > 0) { // rows before the first value are missing
        if (k == Kind.OBJECT) {
          Arrays.fill(objects, 0, size, MISSING);
        } else {
          missing = new BitSet();
          missing.set(0, size);
        }
      }
    }

    private void ensure(int capacity) {
      if (kind == null) {
        return;
      }
      int length = switch (kind) {
        case FLOAT -> floats.length;
        case DOUBLE -> doubles.length;
        case LONG -> longs.length;
        case OBJECT -> objects.length;
      };
      if (capacity <= length) {
        return;
      }
      int grown = Math.max(capacity, length * 2);
      switch (kind) {
        case FLOAT -> floats = Arrays.copyOf(floats, grown);
        case DOUBLE -> doubles = Arrays.copyOf(doubles, grown);
        case LONG -> longs = Arrays.copyOf(longs, grown);
        case OBJECT -> objects = Arrays.copyOf(objects, grown);
      }
    }

    /** Marks rows {@code size..r-1} missing. */
    void padTo(int r) {
      if (r <= size) {
        return;
      }
      if (kind == null) {
        size = r;
        return;
      }
      ensure(r);
      if (kind == Kind.OBJECT) {
        Arrays.fill(objects, size, r, MISSING);
      } else {
        if (missing == null) {
          missing = new BitSet();
        }
        missing.set(size, r);
      }
      size = r;
    }

    private void toObjects() {
      Object[] boxed = new Object[Math.max(64, size * 2)];
      for (int i = 0; i < size; i++) {
        boxed[i] = present(i) ? value(i) : MISSING;
      }
      kind = Kind.OBJECT;
      objects = boxed;
      floats = null;
      doubles = null;
      longs = null;
      missing = null;
    }

    void truncate(int n) {
      if (n >= size) {
        return;
      }
      if (kind == Kind.OBJECT) {
        Arrays.fill(objects, n, size, null);
      }
      if (missing != null) {
        missing.clear(n, size);
      }
      size = n;
    }

    @Override
    public String toString() {
      return name + " (" + kind() + ", " + size + " rows)";
    }
  }
}
