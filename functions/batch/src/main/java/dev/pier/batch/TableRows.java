package dev.pier.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.statemachines.CsvRows;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.schema.MessageType;

/**
 * A chunk's rows for a table output: every input column's value in the column's type ({@link TableSchema#inputs()}),
 * so the table gets the input's columns as well as the outputs, and, as a {@link RowSource}, what the scorer reads
 * (the same way it reads a Spark partition's rows). A line that is not a JSON object, or a CSV record with another
 * number of fields than the header, is an error row with its reason and null columns.
 */
final class TableRows implements RowSource {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<TableColumn> columns;
  private final Map<String, Integer> index = new HashMap<>();
  private final List<Object[]> rows = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  private final List<String> ids = new ArrayList<>();

  private TableRows(List<TableColumn> columns) {
    this.columns = columns;
    for (int c = 0; c < columns.size(); c++) {
      index.put(columns.get(c).name(), c);
    }
  }

  /** The lines of a JSONL chunk ({@code firstLine}: the first's line number, a row's id when it has none). */
  static TableRows jsonl(byte[] data, long firstLine, List<TableColumn> columns) {
    TableRows out = new TableRows(columns);
    long line = firstLine;
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(data),
        StandardCharsets.UTF_8))) {
      String text;
      while ((text = reader.readLine()) != null) {
        if (text.isBlank()) {
          line++;
          continue;
        }
        JsonNode row;
        try {
          row = JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          row = null;
        }
        Object[] values = new Object[columns.size()];
        if (row == null || !row.isObject()) {
          out.add(values, Long.toString(line++), "line is not a JSON object");
          continue;
        }
        for (int c = 0; c < columns.size(); c++) {
          values[c] = json(row.get(columns.get(c).name()), columns.get(c).type());
        }
        JsonNode id = row.get("id");
        out.add(values, id == null || id.isNull() ? Long.toString(line) : id.isNumber() ? id.toString()
            : RowIds.quoted(id.asText()), null);
        line++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** The records of a CSV chunk under {@code header}. */
  static TableRows csv(byte[] data, long firstLine, String header, List<TableColumn> columns) {
    TableRows out = new TableRows(columns);
    List<String> names = CsvRows.parse(header).stream().findFirst().orElse(List.of());
    long line = firstLine;
    for (List<String> record : CsvRows.parse(new String(data, StandardCharsets.UTF_8))) {
      Object[] values = new Object[columns.size()];
      String id = RowIds.csv(record, names.indexOf("id"), line++);
      if (record.size() != names.size()) {
        out.add(values, id, "the row has " + record.size() + " fields, the header " + names.size());
        continue;
      }
      for (int c = 0; c < columns.size(); c++) {
        String cell = record.get(names.indexOf(columns.get(c).name()));
        values[c] = cell.isEmpty() ? null : text(cell, columns.get(c).type());
      }
      out.add(values, id, null);
    }
    return out;
  }

  /** The row groups {@code [chunk.start(), chunk.end())} of a Parquet file. */
  static TableRows parquet(ParquetFileReader file, ChunkPlanner.Chunk chunk, List<TableColumn> columns) {
    TableRows out = new TableRows(columns);
    MessageType schema = file.getFooter().getFileMetaData().getSchema();
    long line = chunk.firstLine();
    try {
      for (int rg = (int) chunk.start(); rg < chunk.end(); rg++) {
        PageReadStore pages = file.readRowGroup(rg);
        var records = new ColumnIOFactory().getColumnIO(schema).getRecordReader(pages,
            new GroupRecordConverter(schema));
        for (long i = 0; i < pages.getRowCount(); i++) {
          Group g = records.read();
          Object[] values = new Object[columns.size()];
          for (int c = 0; c < columns.size(); c++) {
            values[c] = parquet(g, columns.get(c));
          }
          Integer id = out.index.get("id");
          Object value = id == null ? null : values[id];
          out.add(values, value == null ? Long.toString(line) : value instanceof String text ? RowIds.quoted(text)
              : value.toString(), null);
          line++;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private void add(Object[] values, String id, String error) {
    rows.add(values);
    ids.add(id);
    errors.add(error);
  }

  /** Row {@code row}'s values, in the columns' order. */
  Object[] values(int row) {
    return rows.get(row);
  }

  /** Why row {@code row} could not be read, or null. */
  String error(int row) {
    return errors.get(row);
  }

  /** Row {@code row}'s id as JSON text ({@link RowIds}): its {@code id} column's value, or its line number. */
  String id(int row) {
    return ids.get(row);
  }

  @Override
  public int size() {
    return rows.size();
  }

  @Override
  public List<String> columns() {
    return columns.stream().map(TableColumn::name).toList();
  }

  @Override
  public Object value(int row, String column) {
    Integer c = index.get(column);
    return c == null ? null : rows.get(row)[c];
  }

  /** A JSON value as a column of {@code type} holds it (a value Spark would read as null is null). */
  private static Object json(JsonNode v, String type) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (type.startsWith("array<")) {
      if (!v.isArray()) {
        return null;
      }
      String element = type.substring(6, type.length() - 1);
      List<Object> out = new ArrayList<>(v.size());
      v.forEach(e -> out.add(json(e, element)));
      return out;
    }
    return switch (type) {
      case "bigint" -> v.isIntegralNumber() ? (Object) v.longValue() : null;
      case "int" -> v.isIntegralNumber() ? (Object) v.intValue() : null;
      case "double" -> v.isNumber() ? (Object) v.doubleValue() : null;
      case "boolean" -> v.isBoolean() ? (Object) v.booleanValue() : null;
      default -> v.isTextual() ? v.textValue() : v.toString();
    };
  }

  /** A CSV cell as a column of {@code type} holds it. */
  private static Object text(String cell, String type) {
    try {
      return switch (type) {
        case "int" -> Integer.parseInt(cell);
        case "bigint" -> Long.parseLong(cell);
        case "double" -> Double.parseDouble(cell);
        case "boolean" -> Boolean.parseBoolean(cell);
        default -> cell;
      };
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A Parquet field's value: a primitive, or a list of primitives (null elements kept). */
  private static Object parquet(Group g, TableColumn column) {
    if (!g.getType().containsField(column.name())) {
      return null;
    }
    int field = g.getType().getFieldIndex(column.name());
    if (g.getFieldRepetitionCount(field) == 0) {
      return null;
    }
    if (!column.array()) {
      return primitive(g, field, 0, column.type());
    }
    Group list = g.getGroup(field, 0);
    int n = list.getFieldRepetitionCount(0);
    List<Object> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Group element = list.getGroup(0, i);
      out.add(element.getFieldRepetitionCount(0) == 0 ? null : primitive(element, 0, 0, column.elementType()));
    }
    return out;
  }

  private static Object primitive(Group g, int field, int index, String type) {
    return switch (type) {
      case "bigint" -> g.getLong(field, index);
      case "int", "smallint", "tinyint" -> g.getInteger(field, index);
      case "double" -> g.getDouble(field, index);
      case "float" -> g.getFloat(field, index);
      case "boolean" -> g.getBoolean(field, index);
      default -> g.getString(field, index);
    };
  }
}
