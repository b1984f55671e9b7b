package dev.pier.batch;

import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.pipeline.FeaturePipeline;
import dev.pier.statemachines.CsvRows;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CSV rows under the file's header (the chunk plan carries it; chunks after the first start mid-file): an optional
 * {@code id} column and, per input, a column named after it (one value per row), columns
 * {@code <input>_0 … <input>_<k-1>}, or — for a model with one input — all other columns in order. With a feature
 * pipeline, header names are features: an empty cell is null, {@code true}/{@code false} a boolean, a numeric cell a
 * number, anything else a string.
 */
final class CsvChunkReader implements ChunkReader {
  private final byte[] data;
  private final long firstLine;
  private final List<String> headers;
  private final FeaturePipeline pipeline;

  /** @param pipeline the version's feature pipeline, or null to read model inputs by column */
  CsvChunkReader(byte[] data, long firstLine, String header, FeaturePipeline pipeline) {
    this.data = data;
    this.firstLine = firstLine;
    this.headers = CsvRows.parse(header).stream().findFirst().orElse(List.of());
    this.pipeline = pipeline;
  }

  @Override
  public void read(ChunkRows rows) {
    int idColumn = headers.indexOf("id");
    int unitColumn = rows.unitColumn == null ? -1 : headers.indexOf(rows.unitColumn);
    if (rows.unitColumn != null && unitColumn < 0) {
      throw new BatchError("the CSV header has no unit column '" + rows.unitColumn + "'");
    }
    java.util.Set<Integer> attributeColumns = new java.util.HashSet<>();
    if (rows.attributeColumns != null) {
      for (String column : rows.attributeColumns.values()) {
        if (!headers.contains(column)) {
          throw new BatchError("the CSV header has no attribute column '" + column + "'");
        }
        attributeColumns.add(headers.indexOf(column));
      }
    }
    int[][] columnsOf = pipeline == null ? columns(rows.layout, idColumn, unitColumn, attributeColumns) : null;
    long line = firstLine;
    for (List<String> record : CsvRows.parse(new String(data, StandardCharsets.UTF_8))) {
      String id = RowIds.csv(record, idColumn, line++);
      String badUnit = unitColumn >= 0 && record.size() == headers.size()
          ? rows.unit(record.get(unitColumn).trim()) : null;
      if (badUnit == null && unitColumn >= 0 && record.size() == headers.size()) {
        rows.attributes(column -> ChunkRows.textValue(record.get(headers.indexOf(column)).trim()));
      }
      if (record.size() != headers.size()) {
        rows.error(id, "the row has " + record.size() + " fields, the header " + headers.size());
      } else if (badUnit != null) {
        rows.error(id, badUnit);
      } else if (pipeline != null) {
        rows.addInstance(pipeline, instance(record), id);
      } else {
        readRow(record, id, columnsOf, rows);
      }
    }
  }

  private Map<String, Object> instance(List<String> record) {
    Map<String, Object> instance = new HashMap<>();
    for (int c = 0; c < headers.size(); c++) {
      String cell = record.get(c).trim();
      instance.put(headers.get(c), cell.isEmpty() ? null : cell.equals("true") || cell.equals("false")
          ? (Object) Boolean.valueOf(cell) : number(cell));
    }
    return instance;
  }

  private static Object number(String cell) {
    try {
      return Double.parseDouble(cell);
    } catch (NumberFormatException e) {
      return cell;
    }
  }

  private void readRow(List<String> record, String id, int[][] columnsOf, ChunkRows rows) {
    InputColumns layout = rows.layout;
    String problem = null;
    int row = rows.next();
    for (int input = 0; input < layout.count() && problem == null; input++) {
      TensorSpec spec = layout.spec(input);
      int width = layout.width(input);
      for (int k = 0; k < width && problem == null; k++) {
        String cell = record.get(columnsOf[input][k]).trim();
        problem = InputColumns.storeText(spec, cell, rows.columns[input], row * width + k,
            headers.get(columnsOf[input][k]));
      }
    }
    if (problem != null) {
      rows.error(id, problem);
    } else {
      rows.accept(id);
    }
  }

  /** For each input, the header positions of its values; a header that cannot feed the model is a BatchError. */
  private int[][] columns(InputColumns layout, int idColumn, int unitColumn, java.util.Set<Integer> attributeColumns) {
    int[][] out = new int[layout.count()][];
    for (int input = 0; input < layout.count(); input++) {
      String name = layout.spec(input).name();
      int[] cols = new int[layout.width(input)];
      if (cols.length == 1 && headers.contains(name)) {
        cols[0] = headers.indexOf(name);
      } else if (headers.contains(name + "_0")) {
        for (int k = 0; k < cols.length; k++) {
          cols[k] = headers.indexOf(name + "_" + k);
          if (cols[k] < 0) {
            throw new BatchError("the CSV header has " + name + "_0 but not " + name + "_" + k);
          }
        }
      } else if (layout.count() == 1) {
        int k = 0;
        for (int c = 0; c < headers.size(); c++) {
          if (c != idColumn && c != unitColumn && !attributeColumns.contains(c)) {
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
}
