package dev.pier.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.statemachines.CsvRows;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * An input file's columns as Spark reads them (what a table output of the Spark path holds), so that the Lambda path
 * writes the same table: JSON lines as {@code spark.read().json} infers them over the whole file (fields sorted by
 * name; integers {@code bigint}, other numbers {@code double}, {@code boolean}, {@code string}, arrays of those;
 * integers and other numbers together {@code double}, anything else mixed {@code string}, a field only ever null
 * {@code string}); CSV as {@code spark.read().option("header", true).option("inferSchema", true).csv}: the header's
 * order, each column the narrowest of {@code int}, {@code bigint}, {@code double}, {@code boolean}, else
 * {@code string} (empty cells ignored); Parquet as its schema says. What a table cannot hold (nested objects, binary,
 * timestamps in Parquet) is a {@link BatchError} naming the column, before any chunk is scored. Not done as Spark
 * does: CSV cells Spark would read as timestamps stay strings here.
 */
final class InputSchemas {
  private static final ObjectMapper JSON = new ObjectMapper();

  private InputSchemas() {}

  static List<TableColumn> of(InputFormat format, InputStream in) {
    return switch (format) {
      case JSONL -> jsonl(in);
      case CSV -> csv(in);
      case PARQUET -> throw new IllegalArgumentException("a Parquet file's columns come from its footer: parquet()");
    };
  }

  /** The fields of every JSON object line, merged. */
  static List<TableColumn> jsonl(InputStream in) {
    Map<String, String> types = new TreeMap<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        JsonNode row;
        try {
          row = line.isBlank() ? null : JSON.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          continue; // a malformed line is an error row when its chunk is scored, and adds no column
        }
        if (row == null || !row.isObject()) {
          continue;
        }
        var fields = row.fields();
        while (fields.hasNext()) {
          var f = fields.next();
          types.merge(f.getKey(), jsonType(f.getKey(), f.getValue()), InputSchemas::merge);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<TableColumn> out = new ArrayList<>();
    types.forEach((name, type) -> out.add(new TableColumn(name, finish(type))));
    return out;
  }

  /** The type Spark infers for one JSON value ({@code null} for a null; {@code array<null>} for an empty array). */
  private static String jsonType(String name, JsonNode v) {
    if (v.isNull()) {
      return "null";
    } else if (v.isIntegralNumber()) {
      return v.canConvertToLong() ? "bigint" : "double";
    } else if (v.isNumber()) {
      return "double";
    } else if (v.isBoolean()) {
      return "boolean";
    } else if (v.isTextual()) {
      return "string";
    } else if (v.isArray()) {
      String element = "null";
      for (JsonNode e : v) {
        String t = jsonType(name, e);
        if (t.startsWith("array<")) {
          throw new BatchError("column '" + name + "' holds arrays of arrays, which a table output cannot hold");
        }
        element = merge(element, t);
      }
      return "array<" + element + ">";
    }
    throw new BatchError("column '" + name + "' holds objects, which a table output cannot hold (it takes strings,"
        + " numbers, booleans and arrays of them)");
  }

  /** Two types of one column, widened as Spark's JSON inference does. */
  static String merge(String a, String b) {
    if (a.equals(b) || b.equals("null")) {
      return a;
    }
    if (a.equals("null")) {
      return b;
    }
    if (a.startsWith("array<") && b.startsWith("array<")) {
      return "array<" + merge(a.substring(6, a.length() - 1), b.substring(6, b.length() - 1)) + ">";
    }
    List<String> numbers = List.of("int", "bigint", "double");
    if (numbers.contains(a) && numbers.contains(b)) {
      return numbers.get(Math.max(numbers.indexOf(a), numbers.indexOf(b)));
    }
    return "string";
  }

  private static String finish(String type) {
    return type.replace("null", "string");
  }

  /** A CSV file's header and the narrowest type of each column over every record. */
  static List<TableColumn> csv(InputStream in) {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String header = reader.readLine();
      List<String> names = header == null ? List.of()
          : CsvRows.parse(header).stream().findFirst().orElse(List.of());
      String[] types = new String[names.size()];
      java.util.Arrays.fill(types, "null");
      StringBuilder record = new StringBuilder();
      String line;
      while ((line = reader.readLine()) != null) {
        record.append(line);
        if (!balanced(record)) {
          record.append('\n'); // a quoted field spanning lines
          continue;
        }
        for (List<String> cells : CsvRows.parse(record.toString())) {
          for (int c = 0; c < Math.min(cells.size(), types.length); c++) {
            types[c] = csvType(types[c], cells.get(c));
          }
        }
        record.setLength(0);
      }
      List<TableColumn> out = new ArrayList<>();
      for (int c = 0; c < names.size(); c++) {
        out.add(new TableColumn(names.get(c), finish(types[c])));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean balanced(CharSequence s) {
    int quotes = 0;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '"') {
        quotes++;
      }
    }
    return quotes % 2 == 0;
  }

  /** A column's type so far, widened by one more cell (Spark's CSV inference, timestamps aside). */
  static String csvType(String so, String cell) {
    if (cell.isEmpty() || so.equals("string")) {
      return so;
    }
    String t;
    if (cell.matches("[+-]?\\d+") && fits(cell, true)) {
      t = "int";
    } else if (cell.matches("[+-]?\\d+") && fits(cell, false)) {
      t = "bigint";
    } else if (isDouble(cell)) {
      t = "double";
    } else if (cell.equalsIgnoreCase("true") || cell.equalsIgnoreCase("false")) {
      t = "boolean";
    } else {
      t = "string";
    }
    return merge(so, t);
  }

  private static boolean fits(String digits, boolean integer) {
    try {
      if (integer) {
        Integer.parseInt(digits);
      } else {
        Long.parseLong(digits);
      }
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static boolean isDouble(String cell) {
    try {
      Double.parseDouble(cell);
      return !cell.endsWith("d") && !cell.endsWith("D") && !cell.endsWith("f") && !cell.endsWith("F");
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** A Parquet file's top-level columns, as Spark types them. */
  static List<TableColumn> parquet(MessageType schema) {
    List<TableColumn> out = new ArrayList<>();
    for (Type field : schema.getFields()) {
      String type;
      if (field.isPrimitive()) {
        type = primitive(field.getName(), field.asPrimitiveType());
      } else {
        PrimitiveType element = listElement(field.asGroupType());
        if (element == null) {
          throw new BatchError("column '" + field.getName() + "' is a nested group, which a table output cannot"
              + " hold (it takes strings, numbers, booleans and lists of them)");
        }
        type = "array<" + primitive(field.getName(), element) + ">";
      }
      out.add(new TableColumn(field.getName(), type));
    }
    return out;
  }

  /** The element of a standard three-level LIST of primitives, or null. */
  static PrimitiveType listElement(GroupType g) {
    if (!(g.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation)
        || g.getFieldCount() != 1 || g.getType(0).isPrimitive()) {
      return null;
    }
    GroupType repeated = g.getType(0).asGroupType();
    return repeated.getFieldCount() == 1 && repeated.getType(0).isPrimitive()
        ? repeated.getType(0).asPrimitiveType() : null;
  }

  private static String primitive(String name, PrimitiveType p) {
    LogicalTypeAnnotation a = p.getLogicalTypeAnnotation();
    String type = switch (p.getPrimitiveTypeName()) {
      case INT64 -> a == null || a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation ? "bigint" : null;
      case INT32 -> a == null ? "int" : a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i
          ? switch (i.getBitWidth()) {
            case 8 -> "tinyint";
            case 16 -> "smallint";
            default -> "int";
          } : null;
      case DOUBLE -> "double";
      case FLOAT -> "float";
      case BOOLEAN -> "boolean";
      case BINARY -> a instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation ? "string" : null;
      default -> null;
    };
    if (type == null) {
      throw new BatchError("column '" + name + "' is " + p + ", which a table output of the Lambda path cannot"
          + " hold (it takes strings, integers, floating point numbers, booleans and lists of them)");
    }
    return type;
  }
}
