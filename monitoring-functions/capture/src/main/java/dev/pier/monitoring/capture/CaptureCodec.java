package dev.pier.monitoring.capture;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.monitoring.capture.CaptureStore.CapturedRow;
import dev.pier.security.privacy.PiiFields;
import dev.pier.security.privacy.PiiMasker;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pier's capture batch format ({@code .cap} objects): a compact binary encoding of captured rows, written by the
 * capture writer thread for a fraction of the CPU that gzip'd JSON Lines took (the writer shares the server's cores
 * with the request threads, so every cycle it spends is throughput lost at saturation; see the monitoring BENCH.md).
 * The writer writes PCB2, column by column from a {@link CaptureBatch}; PCB1 (row by row) is still read.
 *
 * <pre>
 *   PCB2 (columns)
 *   int   magic "PCB2"
 *   int   rows
 *   int   ways in, then each (modified UTF-8)
 *   rows × request id: byte 0: the previous row's · 1: another, its modified UTF-8 follows · 2: none ·
 *                      3: another, a UUID in canonical lower-case text, its 16 bytes follow (most, least significant)
 *   rows × varint row index in its request
 *   rows × varint time, epoch ms, zigzag delta from the previous row (from 0 for the first)
 *   rows × varint way in: 1 + its index, 0 for none
 *   rows × double latency ms (NaN: not known)
 *   inputs, then outputs: int columns, then each {
 *     modified UTF-8 name · byte kind (1 double, 2 float, 3 integer, 7 tagged values) · boolean gaps ·
 *     when gaps: a bitmap of the rows that have the column ((rows + 7) / 8 bytes, row r at bit r % 8 of byte r / 8) ·
 *     the values of the rows that have it: 8-byte double · 4-byte float · zigzag varint · tagged value
 *   }
 *
 *   PCB1 (rows)
 *   int   magic "PCB1"
 *   int   rows
 *   int   columns, then each column name (modified UTF-8), in first-use order; cells refer to them by index
 *   int   ways in, then each (modified UTF-8)
 *   rows × { request id as above · varint row index · varint time as above · varint way in · double latency ms ·
 *            varint inputs, then each: varint column index, tagged value · varint outputs, likewise }
 *
 *   tagged value: byte tag, then 0 null · 1 double (8 bytes) · 2 float (4 bytes) · 3 integer (zigzag varint) · 4 true ·
 *                 5 false · 6 text (modified UTF-8, masked) · 7 other (JSON text: lists of values)
 * </pre>
 *
 * Read back, values are what the JSON Lines objects gave: floats as the double of their shortest decimal text
 * ({@code 5.1f} → {@code 5.1}), integers as {@code Integer} when they fit, else {@code Long}. Inputs marked as
 * personal data are written as {@link PiiFields#TAG} (a marked column is written as tagged values), other text passes
 * {@link PiiMasker}, as before. Not thread-safe per instance; the static methods are.
 */
final class CaptureCodec {
  static final int MAGIC = 0x50434231; // "PCB1"
  static final int MAGIC_COLUMNS = 0x50434232; // "PCB2"
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte NULL = 0;
  private static final byte DOUBLE = 1;
  private static final byte FLOAT = 2;
  private static final byte INTEGER = 3;
  private static final byte TRUE = 4;
  private static final byte FALSE = 5;
  private static final byte TEXT = 6;
  private static final byte OTHER = 7;

  private CaptureCodec() {}

  /**
   * The rows (one model version) as one PCB1 object's bytes: the row-wise format before PCB2, still read; kept for
   * tests of reading such objects and for {@code CaptureWriterCost}'s comparison.
   */
  static byte[] encodeRows(List<CapturedPrediction> rows) {
    Dictionary columns = new Dictionary();
    Dictionary waysIn = new Dictionary();
    Body body = new Body(Math.max(256, rows.size() * 96));
    try {
      String lastId = null;
      long lastMillis = 0;
      long[] uuid = new long[2];
      for (CapturedPrediction row : rows) {
        String id = row.requestId();
        requestId(body, id, lastId, uuid);
        lastId = id;
        body.varint(row.row());
        long millis = row.time().toEpochMilli();
        body.varlong(zigzag(millis - lastMillis));
        lastMillis = millis;
        body.varint(row.wayIn() == null ? 0 : 1 + waysIn.index(row.wayIn()));
        body.writeDouble(row.latencyMs());
        cells(body, columns, row.inputs(), row.pii());
        cells(body, columns, row.outputs(), PiiFields.NONE);
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(body.length() + 32 * columns.names.size() + 64);
      DataOutputStream head = new DataOutputStream(bytes);
      head.writeInt(MAGIC);
      head.writeInt(rows.size());
      columns.writeTo(head);
      waysIn.writeTo(head);
      head.flush();
      body.writeTo(bytes);
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: not reached
    }
  }

  /** One hour of a columnar batch as one PCB2 object's bytes (see the class comment). */
  static byte[] encode(CaptureBatch.Hour hour) {
    Encoded encoded = encodeUncopied(hour);
    return java.util.Arrays.copyOf(encoded.bytes(), encoded.length());
  }

  /**
   * An encoded object: its first {@code length} bytes. The writer PUTs them as they lie: a batch of 20,000 rows is about
   * 1.1 MB, and each copy of it was a humongous allocation for G1 (more than half a region) on the writer's path.
   */
  record Encoded(byte[] bytes, int length) {
    java.io.InputStream stream() {
      return new java.io.ByteArrayInputStream(bytes, 0, length);
    }
  }

  /** As {@link #encode}, without copying the encoder's buffer. */
  static Encoded encodeUncopied(CaptureBatch.Hour hour) {
    int rows = hour.rows();
    Body body = new Body(Math.max(256, rows * 64));
    try {
      body.writeInt(MAGIC_COLUMNS);
      body.writeInt(rows);
      Dictionary waysIn = new Dictionary();
      int[] ways = new int[rows];
      for (int r = 0; r < rows; r++) {
        String way = hour.wayIn(r);
        ways[r] = way == null ? 0 : 1 + waysIn.index(way);
      }
      waysIn.writeTo(body);
      String lastId = null;
      long[] uuid = new long[2];
      for (int r = 0; r < rows; r++) {
        String id = hour.requestId(r);
        requestId(body, id, lastId, uuid);
        lastId = id;
      }
      for (int r = 0; r < rows; r++) {
        body.varint(hour.rowIndex(r));
      }
      long lastMillis = 0;
      for (int r = 0; r < rows; r++) {
        long millis = hour.epochMillis(r);
        body.varlong(zigzag(millis - lastMillis));
        lastMillis = millis;
      }
      for (int r = 0; r < rows; r++) {
        body.varint(ways[r]);
      }
      for (int r = 0; r < rows; r++) {
        body.putDouble(hour.latencyMs(r));
      }
      columns(body, hour.inputs(), rows, hour.pii());
      columns(body, hour.outputs(), rows, PiiFields.NONE);
      return new Encoded(body.buffer.bytes(), body.length());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: not reached
    }
  }

  private static void columns(Body body, List<CaptureBatch.Column> columns, int rows, PiiFields pii)
      throws IOException {
    body.writeInt(columns.size());
    for (CaptureBatch.Column column : columns) {
      body.writeUTF(column.name());
      boolean masked = pii.marks(column.name());
      CaptureBatch.Column.Kind kind = masked ? CaptureBatch.Column.Kind.OBJECT : column.kind();
      boolean gaps = column.hasMissing();
      body.writeByte(switch (kind) {
        case DOUBLE -> DOUBLE;
        case FLOAT -> FLOAT;
        case LONG -> INTEGER;
        case OBJECT -> OTHER;
      });
      body.writeBoolean(gaps);
      if (gaps) { // a bitmap of the rows present
        for (int r = 0; r < rows; r += 8) {
          int bits = 0;
          for (int b = 0; b < 8 && r + b < rows; b++) {
            if (column.present(r + b)) {
              bits |= 1 << b;
            }
          }
          body.writeByte(bits);
        }
      }
      switch (kind) {
        case FLOAT -> {
          float[] v = column.floats();
          for (int r = 0; r < rows; r++) {
            if (!gaps || column.present(r)) {
              body.putFloat(v[r]);
            }
          }
        }
        case DOUBLE -> {
          double[] v = column.doubles();
          for (int r = 0; r < rows; r++) {
            if (!gaps || column.present(r)) {
              body.putDouble(v[r]);
            }
          }
        }
        case LONG -> {
          long[] v = column.longs();
          for (int r = 0; r < rows; r++) {
            if (!gaps || column.present(r)) {
              body.varlong(zigzag(v[r]));
            }
          }
        }
        case OBJECT -> {
          for (int r = 0; r < rows; r++) {
            if (column.present(r)) {
              value(body, column.value(r), masked);
            }
          }
        }
      }
    }
  }

  private static List<CapturedRow> decodeColumns(DataInputStream in, String key) throws IOException {
    int rows = in.readInt();
    if (rows < 0) {
      throw new IOException("capture " + key + " has " + rows + " rows");
    }
    String[] waysIn = strings(in);
    String[] ids = new String[rows];
    String id = null;
    for (int r = 0; r < rows; r++) {
      id = requestId(in, id);
      ids[r] = id;
    }
    int[] rowIndexes = new int[rows];
    for (int r = 0; r < rows; r++) {
      rowIndexes[r] = (int) varlong(in);
    }
    long[] millis = new long[rows];
    long t = 0;
    for (int r = 0; r < rows; r++) {
      t += unzigzag(varlong(in));
      millis[r] = t;
    }
    String[] ways = new String[rows];
    for (int r = 0; r < rows; r++) {
      int way = (int) varlong(in);
      ways[r] = way == 0 ? null : waysIn[way - 1];
    }
    double[] latencies = new double[rows];
    for (int r = 0; r < rows; r++) {
      latencies[r] = in.readDouble();
    }
    List<Map<String, Object>> inputs = columnCells(in, rows, key);
    List<Map<String, Object>> outputs = columnCells(in, rows, key);
    List<CapturedRow> out = new ArrayList<>(rows);
    for (int r = 0; r < rows; r++) {
      out.add(new CapturedRow(ids[r], rowIndexes[r], Instant.ofEpochMilli(millis[r]), ways[r], inputs.get(r),
          outputs.get(r), Double.isNaN(latencies[r]) ? null : latencies[r]));
    }
    return out;
  }

  /** One side's columns, read back as a map per row (columns in their order). */
  private static List<Map<String, Object>> columnCells(DataInputStream in, int rows, String key) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1 << 24) {
      throw new IOException("capture " + key + " has " + n + " columns");
    }
    List<Map<String, Object>> cells = new ArrayList<>(rows);
    for (int r = 0; r < rows; r++) {
      cells.add(new LinkedHashMap<>(Math.max(4, n * 2)));
    }
    for (int c = 0; c < n; c++) {
      String column = in.readUTF();
      byte kind = in.readByte();
      boolean gaps = in.readBoolean();
      byte[] present = null;
      if (gaps) {
        present = new byte[(rows + 7) / 8];
        in.readFully(present);
      }
      for (int r = 0; r < rows; r++) {
        if (present != null && (present[r >> 3] & (1 << (r & 7))) == 0) {
          continue;
        }
        cells.get(r).put(column, switch (kind) {
          case DOUBLE -> in.readDouble();
          case FLOAT -> Double.parseDouble(Float.toString(in.readFloat())); // as PCB1 and JSON Lines read it
          case INTEGER -> {
            long v = unzigzag(varlong(in));
            yield v == (int) v ? (Object) (int) v : (Object) v;
          }
          case OTHER -> value(in, column);
          default -> throw new IOException("unknown column kind " + kind + " of column " + column + " in " + key);
        });
      }
    }
    return cells;
  }

  /** One tagged value (PCB1's cell value; PCB2's boxed columns). */
  private static void value(Body body, Object value, boolean masked) throws IOException {
    if (value != null && masked) {
      body.writeByte(TEXT);
      body.writeUTF(PiiFields.TAG);
      return;
    }
    switch (value) {
      case null -> body.writeByte(NULL);
      case Double d -> {
        body.writeByte(DOUBLE);
        body.writeDouble(d);
      }
      case Float f -> {
        body.writeByte(FLOAT);
        body.writeFloat(f);
      }
      case Long l -> integer(body, l);
      case Integer i -> integer(body, i);
      case Short s -> integer(body, s);
      case Byte b -> integer(body, b);
      case Boolean b -> body.writeByte(b ? TRUE : FALSE);
      case CharSequence s -> {
        body.writeByte(TEXT);
        body.writeUTF(PiiMasker.mask(s.toString()));
      }
      default -> {
        body.writeByte(OTHER);
        body.writeUTF(JSON.writeValueAsString(value)); // lists of values, other numbers
      }
    }
  }

  private static Object value(DataInputStream in, String column) throws IOException {
    byte tag = in.readByte();
    return switch (tag) {
      case NULL -> null;
      case DOUBLE -> in.readDouble();
      case FLOAT -> Double.parseDouble(Float.toString(in.readFloat()));
      case INTEGER -> {
        long v = unzigzag(varlong(in));
        yield v == (int) v ? (Object) (int) v : (Object) v;
      }
      case TRUE -> Boolean.TRUE;
      case FALSE -> Boolean.FALSE;
      case TEXT -> in.readUTF();
      case OTHER -> JSON.readValue(in.readUTF(), Object.class);
      default -> throw new IOException("unknown value tag " + tag + " in column " + column);
    };
  }

  private static void cells(Body body, Dictionary columns, Map<String, ?> cells, PiiFields pii) throws IOException {
    if (cells == null) {
      body.varint(0);
      return;
    }
    body.varint(cells.size());
    for (Map.Entry<String, ?> cell : cells.entrySet()) {
      body.varint(columns.index(cell.getKey()));
      value(body, cell.getValue(), pii.marks(cell.getKey()));
    }
  }

  /** A row's request id: the previous row's, none, a UUID in 16 bytes (Pier's own: 37 as text) or text. */
  private static void requestId(Body body, String id, String previous, long[] uuid) throws IOException {
    if (id == null) {
      body.writeByte(2);
    } else if (id.equals(previous)) {
      body.writeByte(0);
    } else if (uuidBits(id, uuid)) {
      body.writeByte(3);
      body.putLong(uuid[0]);
      body.putLong(uuid[1]);
    } else {
      body.writeByte(1);
      body.writeUTF(id);
    }
  }

  private static String requestId(DataInputStream in, String previous) throws IOException {
    return switch (in.readByte()) {
      case 0 -> previous;
      case 1 -> in.readUTF();
      case 2 -> null;
      case 3 -> new java.util.UUID(in.readLong(), in.readLong()).toString();
      default -> throw new IOException("unknown request id tag");
    };
  }

  /** True for the 36 characters of a UUID in canonical lower case, which {@code UUID.toString()} gives back. */
  static boolean isUuid(String s) {
    return uuidBits(s, new long[2]);
  }

  /**
   * Parses a UUID in canonical lower-case text into its two halves in one pass; false (and {@code bits} undefined) for
   * anything else, upper-case digits included (they would not read back as written).
   */
  private static boolean uuidBits(String s, long[] bits) {
    if (s.length() != 36) {
      return false;
    }
    long v = 0;
    for (int i = 0; i < 36; i++) {
      char c = s.charAt(i);
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        if (c != '-') {
          return false;
        }
        if (i == 18) {
          bits[0] = v;
          v = 0;
        }
        continue;
      }
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) {
        return false;
      }
      v = (v << 4) | d;
    }
    bits[1] = v;
    return true;
  }

  private static void integer(Body body, long value) throws IOException {
    body.writeByte(INTEGER);
    body.varlong(zigzag(value));
  }

  /** Reads what {@link #encode} (PCB2) or {@link #encodeRows} (PCB1) wrote. */
  static List<CapturedRow> decode(InputStream input, String key) throws IOException {
    DataInputStream in = new DataInputStream(input);
    int magic = in.readInt();
    if (magic == MAGIC_COLUMNS) {
      return decodeColumns(in, key);
    }
    if (magic != MAGIC) {
      throw new IOException("capture " + key + " is not a Pier capture batch (bad magic number)");
    }
    int rows = in.readInt();
    String[] columns = strings(in);
    String[] waysIn = strings(in);
    List<CapturedRow> out = new ArrayList<>(Math.min(rows, 1 << 16));
    String id = null;
    long millis = 0;
    for (int r = 0; r < rows; r++) {
      id = requestId(in, id);
      int row = (int) varlong(in);
      millis += unzigzag(varlong(in));
      int way = (int) varlong(in);
      String wayIn = way == 0 ? null : waysIn[way - 1];
      double latency = in.readDouble();
      Map<String, Object> inputs = cells(in, columns);
      Map<String, Object> outputs = cells(in, columns);
      out.add(new CapturedRow(id, row, Instant.ofEpochMilli(millis), wayIn, inputs, outputs,
          Double.isNaN(latency) ? null : latency));
    }
    return out;
  }

  private static Map<String, Object> cells(DataInputStream in, String[] columns) throws IOException {
    int n = (int) varlong(in);
    Map<String, Object> cells = new LinkedHashMap<>(Math.max(4, n * 2));
    for (int i = 0; i < n; i++) {
      String column = columns[(int) varlong(in)];
      cells.put(column, value(in, column));
    }
    return cells;
  }

  private static String[] strings(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1 << 24) {
      throw new IOException("a dictionary of " + n + " names");
    }
    String[] out = new String[n];
    for (int i = 0; i < n; i++) {
      out[i] = in.readUTF();
    }
    return out;
  }

  private static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  private static long unzigzag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }

  private static long varlong(DataInputStream in) throws IOException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = in.readUnsignedByte();
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new IOException("a varint longer than 10 bytes");
  }

  /** Names in first-use order; an identity check first, as rows of one layout share their name strings. */
  private static final class Dictionary {
    private final Map<String, Integer> index = new HashMap<>();
    private final List<String> names = new ArrayList<>();
    private String last;
    private int lastIndex;

    int index(String name) {
      if (name == last) {
        return lastIndex;
      }
      Integer i = index.get(name);
      if (i == null) {
        i = names.size();
        names.add(name);
        index.put(name, i);
      }
      last = name;
      lastIndex = i;
      return i;
    }

    void writeTo(java.io.DataOutput out) throws IOException {
      out.writeInt(names.size());
      for (String name : names) {
        out.writeUTF(name);
      }
    }
  }

  /** The rows' bytes: a growable buffer with varints (DataOutputStream's writes, unsynchronized). */
  private static final class Body extends DataOutputStream {
    private final Buffer buffer;

    Body(int initial) {
      this(new Buffer(initial));
    }

    private Body(Buffer buffer) {
      super(buffer);
      this.buffer = buffer;
    }

    void varint(int v) throws IOException {
      varlong(v & 0xFFFFFFFFL);
    }

    void varlong(long v) throws IOException {
      while ((v & ~0x7FL) != 0) {
        buffer.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      buffer.write((int) v);
    }

    void writeTo(ByteArrayOutputStream out) {
      out.write(buffer.bytes(), 0, buffer.size());
    }

    /** Big-endian as {@code writeFloat}, without its four one-byte writes. */
    void putFloat(float v) {
      buffer.putInt(Float.floatToRawIntBits(v));
    }

    void putDouble(double v) {
      buffer.putLong(Double.doubleToRawLongBits(v));
    }

    void putLong(long v) {
      buffer.putLong(v);
    }

    int length() {
      return buffer.size();
    }
  }

  /** ByteArrayOutputStream without its locks and defensive copy. */
  private static final class Buffer extends java.io.OutputStream {
    private static final java.lang.invoke.VarHandle INT =
        java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.BIG_ENDIAN);
    private static final java.lang.invoke.VarHandle LONG =
        java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);
    private byte[] bytes;
    private int size;

    Buffer(int initial) {
      bytes = new byte[initial];
    }

    @Override
    public void write(int b) {
      if (size == bytes.length) {
        bytes = java.util.Arrays.copyOf(bytes, bytes.length * 2);
      }
      bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (size + len > bytes.length) {
        bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + len));
      }
      System.arraycopy(b, off, bytes, size, len);
      size += len;
    }

    void putInt(int v) {
      if (size + 4 > bytes.length) {
        bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + 4));
      }
      INT.set(bytes, size, v);
      size += 4;
    }

    void putLong(long v) {
      if (size + 8 > bytes.length) {
        bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + 8));
      }
      LONG.set(bytes, size, v);
      size += 8;
    }

    byte[] bytes() {
      return bytes;
    }

    int size() {
      return size;
    }
  }
}
