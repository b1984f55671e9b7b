package dev.pier.batch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.kernel.json.RequestJson;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.pipeline.FeaturePipeline;
import dev.pier.statemachines.CsvRows;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.schema.MessageType;

/**
 * Scores one chunk: parses its rows into one flat column per model input, runs the model on large batches of rows
 * (one tensor call per {@code batchRows}), and writes one result line per scored row and one error line per row
 * that could not be scored. Row ids are the row's {@code id} or else its line number. The hot path allocates per
 * batch, not per row (rows are parsed straight into the column arrays).
 *
 * <p>Input: JSONL objects map input names to values ({@code {"id": 7, "input": [5.1, 3.5, 1.4, 0.2]}}); CSV has a
 * header, an optional {@code id} column, and per input either a column named after it (one value per row), columns
 * {@code <input>_0 … <input>_<k-1>}, or — for a model with one input — all other columns in order.
 */
public final class ChunkScorer {
  /** Rows are request bodies too: the same nesting bound and duplicate-key rule as every other JSON a caller sends. */
  private static final JsonFactory JSON = RequestJson.factory();
  private static final ObjectMapper TREES = RequestJson.mapper();

  private final List<TensorSpec> inputs;
  private final FeaturePipeline pipeline;
  private final int[] widths;
  private final int batchRows;
  private final Function<List<Tensor>, List<Tensor>> model;

  /** @param model runs the model on a batch of rows; may throw {@link PierException} for a batch it refuses */
  public ChunkScorer(Signature signature, int batchRows, Function<List<Tensor>, List<Tensor>> model) {
    this(signature, null, batchRows, model);
  }

  /**
   * @param pipeline the version's feature pipeline, or null: with one, rows are named raw features (as instances of
   *     {@code POST /api/v1/models/{m}/predict}) that the pipeline turns into the model's input, row by row, with the
   *     very code the predict API runs; a row the pipeline refuses is an error row with its reason
   */
  public ChunkScorer(Signature signature, FeaturePipeline pipeline, int batchRows,
      Function<List<Tensor>, List<Tensor>> model) {
    this.pipeline = pipeline;
    this.inputs = pipeline == null ? signature.inputs()
        : List.of(new TensorSpec(pipeline.input(), Datatype.FP32, new long[] {-1, pipeline.columns()}));
    this.batchRows = batchRows;
    this.model = model;
    this.widths = new int[inputs.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = rowWidth(inputs.get(i));
    }
  }

  /** The values one row holds for a tensor ({@code [-1, 4]} → 4); refuses what batch scoring cannot feed. */
  public static int rowWidth(TensorSpec spec) {
    long[] shape = spec.shape();
    long w = 1;
    for (int d = 1; d < shape.length; d++) {
      if (shape[d] < 0) {
        throw PierException.badRequest("batch scoring needs fixed row shapes: input '" + spec.name()
            + "' has shape " + Arrays.toString(shape));
      }
      w *= shape[d];
    }
    if (shape.length > 0 && shape[0] >= 0 && shape[0] != 1) {
      throw PierException.badRequest("batch scoring needs a variable first (batch) dimension: input '"
          + spec.name() + "' has shape " + Arrays.toString(shape));
    }
    switch (spec.datatype()) {
      case FP32, FP64, INT32, INT64, BOOL -> { }
      default -> throw PierException.badRequest("batch scoring reads numeric and boolean inputs; '" + spec.name()
          + "' is " + spec.datatype());
    }
    return (int) w;
  }

  /** A scored chunk: result and error files' bytes and their row counts. */
  public record Scored(byte[] results, byte[] errors, long succeeded, long failed) {}

  public Scored score(byte[] data, ChunkPlanner.Chunk chunk, InputFormat format, String csvHeader) {
    Rows rows = new Rows((int) chunk.rows());
    if (pipeline != null && format == InputFormat.JSONL) {
      parseJsonlInstances(data, chunk.firstLine(), rows);
    } else if (pipeline != null) {
      parseCsvInstances(data, chunk.firstLine(), csvHeader, rows);
    } else if (format == InputFormat.JSONL) {
      parseJsonl(data, chunk.firstLine(), rows);
    } else {
      parseCsv(data, chunk.firstLine(), csvHeader, rows);
    }
    Output out = new Output(format);
    for (int from = 0; from < rows.count; from += batchRows) {
      int to = Math.min(rows.count, from + batchRows);
      scoreBatch(rows, from, to, out);
    }
    return new Scored(out.results.toString().getBytes(StandardCharsets.UTF_8),
        rows.errors.toString().getBytes(StandardCharsets.UTF_8), out.succeeded, rows.failed + out.failed);
  }

  /**
   * Scores the row groups {@code [chunk.start(), chunk.end())} of a Parquet file; results are Parquet too.
   *
   * @param reader open on the file; its row groups are read one at a time
   */
  public Scored scoreParquet(ParquetFileReader reader, ChunkPlanner.Chunk chunk) {
    MessageType schema = reader.getFooter().getFileMetaData().getSchema();
    ParquetColumns columns = pipeline != null ? ParquetColumns.forInstances(schema)
        : new ParquetColumns(schema, inputs, widths);
    Rows rows = new Rows((int) chunk.rows());
    long rowNumber = chunk.firstLine();
    try {
      for (int rg = (int) chunk.start(); rg < chunk.end(); rg++) {
        PageReadStore pages = reader.readRowGroup(rg);
        var records = new ColumnIOFactory().getColumnIO(schema).getRecordReader(pages, new GroupRecordConverter(schema));
        for (long i = 0; i < pages.getRowCount(); i++) {
          Group g = records.read();
          String id = columns.id(g, rowNumber++);
          if (pipeline != null) {
            addInstance(columns.instance(g), id, rows);
            continue;
          }
          String problem = null;
          for (int input = 0; input < widths.length && problem == null; input++) {
            problem = columns.read(g, input, rows.count, rows.columns[input]);
          }
          if (problem != null) {
            rows.error(id, problem);
          } else {
            rows.ids[rows.count++] = id;
          }
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Output out = new Output(InputFormat.PARQUET);
    out.parquet = new ParquetResults(columns.stringIds());
    for (int from = 0; from < rows.count; from += batchRows) {
      scoreBatch(rows, from, Math.min(rows.count, from + batchRows), out);
    }
    return new Scored(out.parquet.finish(), rows.errors.toString().getBytes(StandardCharsets.UTF_8), out.succeeded,
        rows.failed + out.failed);
  }

  // ---- rows ---------------------------------------------------------------------------------------------------

  /** Parsed good rows: ids (as JSON text) and one flat column per input; errors already written as lines. */
  private final class Rows {
    final String[] ids;
    final Object[] columns;
    int count;
    long failed;
    final StringBuilder errors = new StringBuilder();

    Rows(int capacity) {
      ids = new String[capacity];
      columns = new Object[widths.length];
      for (int i = 0; i < widths.length; i++) {
        int n = capacity * widths[i];
        columns[i] = switch (inputs.get(i).datatype()) {
          case FP64 -> new double[n];
          case INT64 -> new long[n];
          case INT32 -> new int[n];
          case BOOL -> new boolean[n];
          default -> new float[n];
        };
      }
    }

    void error(String id, String message) {
      failed++;
      errors.append("{\"id\":").append(id).append(",\"error\":");
      quote(errors, message);
      errors.append("}\n");
    }
  }

  // ---- named features through the version's pipeline ------------------------------------------------------

  /** Runs the pipeline on one row's raw features into the input column, or records why it could not. */
  private void addInstance(Map<String, Object> instance, String id, Rows rows) {
    float[] features;
    try {
      features = (float[]) pipeline.apply(List.of(instance)).data();
    } catch (PierException e) {
      String message = e.getMessage();
      rows.error(id, message.startsWith("instances[0]: ") ? message.substring("instances[0]: ".length()) : message);
      return;
    }
    System.arraycopy(features, 0, (float[]) rows.columns[0], rows.count * widths[0], widths[0]);
    rows.ids[rows.count++] = id;
  }

  /** JSONL rows as the predict API reads its instances (same conversion: numbers, booleans, strings, nulls). */
  private void parseJsonlInstances(byte[] data, long firstLine, Rows rows) {
    long line = firstLine;
    int start = 0;
    for (int i = 0; i <= data.length; i++) {
      if (i < data.length && data[i] != '\n') {
        continue;
      }
      if (!blank(data, start, i)) {
        String id = Long.toString(line);
        try {
          JsonNode row = TREES.readTree(data, start, i - start);
          JsonNode rowId = row == null ? null : row.get("id");
          if (rowId != null && rowId.isIntegralNumber()) {
            id = rowId.asText();
          } else if (rowId != null && rowId.isTextual()) {
            id = quoted(rowId.asText());
          }
          if (row == null || !row.isObject()) {
            rows.error(id, "a row must be a JSON object of feature values");
          } else {
            addInstance(FeaturePipeline.instances(TREES.createArrayNode().add(row)).getFirst(), id, rows);
          }
        } catch (JacksonException e) {
          rows.error(id, "malformed JSON row: " + RequestJson.describe(e));
        } catch (IOException e) {
          rows.error(id, "malformed JSON row: " + firstLine(e.getMessage()));
        }
      }
      line++;
      start = i + 1;
    }
  }

  /** CSV rows as instances: header names are features; an empty cell is null, a numeric one a number. */
  private void parseCsvInstances(byte[] data, long firstLine, String header, Rows rows) {
    List<String> headers = CsvRows.parse(header).stream().findFirst().orElse(List.of());
    int idColumn = headers.indexOf("id");
    long line = firstLine;
    for (List<String> record : CsvRows.parse(new String(data, StandardCharsets.UTF_8))) {
      String id = csvId(record, idColumn, line++);
      if (record.size() != headers.size()) {
        rows.error(id, "the row has " + record.size() + " fields, the header " + headers.size());
        continue;
      }
      Map<String, Object> instance = new HashMap<>();
      for (int c = 0; c < headers.size(); c++) {
        String cell = record.get(c).trim();
        instance.put(headers.get(c), cell.isEmpty() ? null : cell.equals("true") || cell.equals("false")
            ? (Object) Boolean.valueOf(cell) : number(cell));
      }
      addInstance(instance, id, rows);
    }
  }

  private static Object number(String cell) {
    try {
      return Double.parseDouble(cell);
    } catch (NumberFormatException e) {
      return cell;
    }
  }

  private static String csvId(List<String> record, int idColumn, long line) {
    if (idColumn < 0 || idColumn >= record.size() || record.get(idColumn).isEmpty()) {
      return Long.toString(line);
    }
    String raw = record.get(idColumn);
    return raw.matches("-?\\d{1,18}") ? raw : quoted(raw);
  }

  private void parseJsonl(byte[] data, long firstLine, Rows rows) {
    long line = firstLine;
    int start = 0;
    boolean[] seen = new boolean[widths.length];
    for (int i = 0; i <= data.length; i++) {
      if (i < data.length && data[i] != '\n') {
        continue;
      }
      int end = i;
      if (!blank(data, start, end)) {
        parseJsonlRow(data, start, end, line, rows, seen);
      }
      line++;
      start = i + 1;
    }
  }

  private void parseJsonlRow(byte[] data, int start, int end, long line, Rows rows, boolean[] seen) {
    int row = rows.count;
    String id = Long.toString(line);
    Arrays.fill(seen, false);
    try (JsonParser p = JSON.createParser(data, start, end - start)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        rows.error(id, "a row must be a JSON object");
        return;
      }
      String problem = null;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (name.equals("id")) {
          if (v == JsonToken.VALUE_NUMBER_INT) {
            id = p.getText();
          } else if (v == JsonToken.VALUE_STRING) {
            StringBuilder q = new StringBuilder();
            quote(q, p.getText());
            id = q.toString();
          } else {
            p.skipChildren();
            problem = problem == null ? "id must be a string or an integer" : problem;
          }
          continue;
        }
        int input = inputIndex(name);
        if (input < 0) {
          p.skipChildren(); // other fields ride along unscored
          continue;
        }
        seen[input] = true;
        int[] filled = {0};
        String bad = readValues(p, rows, input, row, filled);
        if (bad == null && filled[0] != widths[input]) {
          bad = "input '" + name + "' needs " + widths[input] + " values per row, got " + filled[0];
        }
        if (bad != null && problem == null) {
          problem = bad;
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        problem = "malformed JSON row";
      }
      for (int i = 0; i < seen.length && problem == null; i++) {
        if (!seen[i]) {
          problem = "missing input '" + inputs.get(i).name() + "'";
        }
      }
      if (problem != null) {
        rows.error(id, problem);
        return;
      }
    } catch (JacksonException e) {
      rows.error(id, "malformed JSON row: " + RequestJson.describe(e));
      return;
    } catch (IOException | RuntimeException e) {
      rows.error(id, "malformed JSON row: " + firstLine(e.getMessage()));
      return;
    }
    rows.ids[row] = id;
    rows.count++;
  }

  /** Reads a number, boolean or (nested) array of them into the input's column; returns a problem or null. */
  private String readValues(JsonParser p, Rows rows, int input, int row, int[] filled) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_ARRAY) {
      String first = null;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        String bad = readValues(p, rows, input, row, filled); // read to the end even after a bad value
        first = first == null ? bad : first;
      }
      return first;
    }
    if (t == JsonToken.START_OBJECT) {
      p.skipChildren();
      return "input '" + inputs.get(input).name() + "' takes numbers or arrays, not objects";
    }
    int k = filled[0]++;
    if (k >= widths[input]) {
      return null; // counted, reported as a length mismatch by the caller
    }
    return store(inputs.get(input), p, t, row * widths[input] + k, rows.columns[input]);
  }

  private static String store(TensorSpec spec, JsonParser p, JsonToken t, int at, Object column) throws IOException {
    if (spec.datatype() == Datatype.BOOL) {
      if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
        return "input '" + spec.name() + "' takes booleans";
      }
      ((boolean[]) column)[at] = t == JsonToken.VALUE_TRUE;
      return null;
    }
    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
      return "input '" + spec.name() + "' takes numbers, got " + (t == JsonToken.VALUE_STRING
          ? "\"" + p.getText() + "\"" : t.asString() == null ? t.name() : t.asString());
    }
    switch (spec.datatype()) {
      case FP32 -> {
        double v = p.getDoubleValue();
        if (!(Math.abs(v) <= Float.MAX_VALUE)) { // would reach the model as infinity
          return "input '" + spec.name() + "' takes numbers in FP32's range [-" + Float.MAX_VALUE + ", "
              + Float.MAX_VALUE + "], got " + p.getText();
        }
        ((float[]) column)[at] = (float) v;
      }
      case FP64 -> {
        double v = p.getDoubleValue();
        if (Double.isInfinite(v)) { // 1e400: JSON has no infinity, Jackson reads it as one
          return "input '" + spec.name() + "' takes numbers in FP64's range, got " + p.getText();
        }
        ((double[]) column)[at] = v;
      }
      case INT64 -> {
        if (t != JsonToken.VALUE_NUMBER_INT) {
          return "input '" + spec.name() + "' takes integers";
        }
        ((long[]) column)[at] = p.getLongValue();
      }
      case INT32 -> {
        if (t != JsonToken.VALUE_NUMBER_INT) {
          return "input '" + spec.name() + "' takes integers";
        }
        ((int[]) column)[at] = p.getIntValue();
      }
      default -> throw new IllegalStateException(spec.datatype().name());
    }
    return null;
  }

  private void parseCsv(byte[] data, long firstLine, String header, Rows rows) {
    List<String> headers = CsvRows.parse(header).stream().findFirst().orElse(List.of());
    int idColumn = headers.indexOf("id");
    int[][] columnsOf = csvColumns(headers, idColumn);
    String text = new String(data, StandardCharsets.UTF_8);
    long line = firstLine;
    for (List<String> record : CsvRows.parse(text)) {
      String id = csvId(record, idColumn, line++);
      if (record.size() != headers.size()) {
        rows.error(id, "the row has " + record.size() + " fields, the header " + headers.size());
        continue;
      }
      String problem = null;
      int row = rows.count;
      for (int input = 0; input < widths.length && problem == null; input++) {
        TensorSpec spec = inputs.get(input);
        for (int k = 0; k < widths[input] && problem == null; k++) {
          String cell = record.get(columnsOf[input][k]).trim();
          problem = storeCell(spec, cell, rows.columns[input], row * widths[input] + k, headers.get(columnsOf[input][k]));
        }
      }
      if (problem != null) {
        rows.error(id, problem);
      } else {
        rows.ids[row] = id;
        rows.count++;
      }
    }
  }

  private int[][] csvColumns(List<String> headers, int idColumn) {
    int[][] out = new int[widths.length][];
    for (int input = 0; input < widths.length; input++) {
      String name = inputs.get(input).name();
      int[] cols = new int[widths[input]];
      if (widths[input] == 1 && headers.contains(name)) {
        cols[0] = headers.indexOf(name);
      } else if (headers.contains(name + "_0")) {
        for (int k = 0; k < cols.length; k++) {
          cols[k] = headers.indexOf(name + "_" + k);
          if (cols[k] < 0) {
            throw new BatchError("the CSV header has " + name + "_0 but not " + name + "_" + k);
          }
        }
      } else if (widths.length == 1) {
        int k = 0;
        for (int c = 0; c < headers.size(); c++) {
          if (c != idColumn) {
            if (k == cols.length) {
              throw new BatchError("the CSV header has more feature columns than input '" + name + "' takes ("
                  + cols.length + ")");
            }
            cols[k++] = c;
          }
        }
        if (k != cols.length) {
          throw new BatchError("input '" + name + "' takes " + cols.length + " values per row, the CSV header has "
              + k + " feature columns");
        }
      } else {
        throw new BatchError("the CSV header has no column for input '" + name + "' (" + name + " or " + name
            + "_0 … " + name + "_" + (cols.length - 1) + ")");
      }
      out[input] = cols;
    }
    return out;
  }

  static String storeCell(TensorSpec spec, String cell, Object column, int at, String header) {
    try {
      switch (spec.datatype()) {
        case FP32 -> ((float[]) column)[at] = Float.parseFloat(cell);
        case FP64 -> ((double[]) column)[at] = Double.parseDouble(cell);
        case INT64 -> ((long[]) column)[at] = Long.parseLong(cell);
        case INT32 -> ((int[]) column)[at] = Integer.parseInt(cell);
        case BOOL -> {
          if (!cell.equals("true") && !cell.equals("false")) {
            return "column '" + header + "' takes true or false, got '" + cell + "'";
          }
          ((boolean[]) column)[at] = cell.equals("true");
        }
        default -> throw new IllegalStateException(spec.datatype().name());
      }
      return null;
    } catch (NumberFormatException e) {
      return "column '" + header + "' takes " + (spec.datatype() == Datatype.FP32 || spec.datatype() == Datatype.FP64
          ? "numbers" : "integers") + ", got '" + cell + "'";
    }
  }

  // ---- scoring and output -------------------------------------------------------------------------------------

  private final class Output {
    final InputFormat format;
    final StringBuilder results = new StringBuilder(1 << 16);
    long succeeded;
    long failed;
    List<TensorSpec> outputs;
    ParquetResults parquet;

    Output(InputFormat format) {
      this.format = format;
    }
  }

  private void scoreBatch(Rows rows, int from, int to, Output out) {
    List<Tensor> outputs;
    try {
      outputs = model.apply(tensors(rows, from, to));
    } catch (PierException e) {
      if (to - from == 1 || e.status() >= 500) {
        if (e.status() >= 500) {
          throw e; // the model or the platform failed, not the rows: let the task retry
        }
        rows.error(rows.ids[from], e.getMessage());
        return;
      }
      for (int r = from; r < to; r++) { // one bad row fails its batch: find it, score the rest
        scoreBatch(rows, r, r + 1, out);
      }
      return;
    }
    int n = to - from;
    if (out.format == InputFormat.PARQUET) {
      out.parquet.write(rows.ids, from, outputs, n);
      out.succeeded += n;
      return;
    }
    if (out.format == InputFormat.CSV && out.outputs == null) {
      writeCsvHeader(outputs, out);
    }
    int[] widthsOut = new int[outputs.size()];
    for (int o = 0; o < outputs.size(); o++) {
      widthsOut[o] = outputs.get(o).length() / n;
    }
    StringBuilder s = out.results;
    for (int r = 0; r < n; r++) {
      if (out.format == InputFormat.JSONL) {
        s.append("{\"id\":").append(rows.ids[from + r]);
        for (int o = 0; o < outputs.size(); o++) {
          Tensor t = outputs.get(o);
          s.append(",\"").append(t.name()).append("\":");
          boolean scalar = t.shape().length == 1;
          if (!scalar) {
            s.append('[');
          }
          for (int k = 0; k < widthsOut[o]; k++) {
            if (k > 0) {
              s.append(',');
            }
            value(s, t, r * widthsOut[o] + k, true);
          }
          if (!scalar) {
            s.append(']');
          }
        }
        s.append("}\n");
      } else {
        String id = rows.ids[from + r];
        s.append(id.startsWith("\"") ? csvField(id.substring(1, id.length() - 1).replace("\\\"", "\"")) : id);
        for (int o = 0; o < outputs.size(); o++) {
          for (int k = 0; k < widthsOut[o]; k++) {
            s.append(',');
            value(s, outputs.get(o), r * widthsOut[o] + k, false);
          }
        }
        s.append('\n');
      }
    }
    out.succeeded += n;
  }

  private void writeCsvHeader(List<Tensor> outputs, Output out) {
    out.outputs = new ArrayList<>();
    out.results.append("id");
    for (Tensor t : outputs) {
      out.outputs.add(t.spec());
      long[] shape = t.shape();
      int width = shape.length <= 1 ? 1 : (int) (Tensor.elementCount(shape) / shape[0]);
      if (shape.length <= 1) {
        out.results.append(',').append(t.name());
      } else {
        for (int k = 0; k < width; k++) {
          out.results.append(',').append(t.name()).append('_').append(k);
        }
      }
    }
    out.results.append('\n');
  }

  private List<Tensor> tensors(Rows rows, int from, int to) {
    List<Tensor> out = new ArrayList<>(widths.length);
    for (int i = 0; i < widths.length; i++) {
      TensorSpec spec = inputs.get(i);
      long[] shape = spec.shape();
      shape[0] = to - from;
      int a = from * widths[i];
      int b = to * widths[i];
      Object col = rows.columns[i];
      Object data = switch (col) {
        case float[] f -> Arrays.copyOfRange(f, a, b);
        case double[] d -> Arrays.copyOfRange(d, a, b);
        case long[] l -> Arrays.copyOfRange(l, a, b);
        case int[] n -> Arrays.copyOfRange(n, a, b);
        case boolean[] z -> Arrays.copyOfRange(z, a, b);
        default -> throw new IllegalStateException();
      };
      out.add(new Tensor(spec.name(), spec.datatype(), shape, data));
    }
    return out;
  }

  private static void value(StringBuilder s, Tensor t, int i, boolean json) {
    switch (t.data()) {
      case float[] f -> finite(s, f[i], Float.isFinite(f[i]) ? Float.toString(f[i]) : null, json);
      case double[] d -> finite(s, d[i], Double.isFinite(d[i]) ? Double.toString(d[i]) : null, json);
      case long[] l -> s.append(l[i]);
      case int[] n -> s.append(n[i]);
      case short[] h -> s.append(h[i]);
      case byte[] b -> s.append(b[i]);
      case boolean[] z -> s.append(z[i]);
      case String[] str -> {
        if (json) {
          quote(s, str[i]);
        } else {
          s.append(csvField(str[i]));
        }
      }
      default -> throw new IllegalStateException();
    }
  }

  private static void finite(StringBuilder s, double v, String text, boolean json) {
    s.append(text != null ? text : json ? "null" : Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
  }

  private static String csvField(String v) {
    if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0) {
      return v;
    }
    return "\"" + v.replace("\"", "\"\"") + "\"";
  }

  /** A string as JSON text, the way {@code Rows} keeps string ids. */
  static String quoted(String text) {
    StringBuilder s = new StringBuilder(text.length() + 2);
    quote(s, text);
    return s.toString();
  }

  /** The string a {@link #quoted} id holds. */
  static String unquoted(String json) {
    try (JsonParser p = JSON.createParser(json)) {
      p.nextToken();
      return p.getText();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void quote(StringBuilder s, String text) {
    s.append('"');
    JsonStringEncoder.getInstance().quoteAsString(text, s);
    s.append('"');
  }

  private int inputIndex(String name) {
    for (int i = 0; i < widths.length; i++) {
      if (inputs.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean blank(byte[] d, int from, int to) {
    for (int i = from; i < to; i++) {
      if (d[i] != ' ' && d[i] != '\t' && d[i] != '\r') {
        return false;
      }
    }
    return true;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
