package dev.pier.batch;

import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Where a Parquet file's rows keep each model input, by the same rules as CSV: a column named after the input (a
 * number, or a list of numbers for inputs such as {@code [-1, 4]}), columns {@code <input>_0 … <input>_<k-1>}, or —
 * for a model with a single input — all other top-level columns in order; an optional {@code id} column (integer or
 * string) is passed through. A file whose columns cannot feed the model is refused as a whole ({@link BatchError});
 * a row with a null or a value of the wrong kind (a string that is no number) is one error row.
 */
final class ParquetColumns {
  /** Where one input's values come from: {@code fields} of width 1 each, or one list field of {@code width}. */
  private record Source(int[] fields, boolean list) {}

  private final List<TensorSpec> inputs;
  private final int[] widths;
  private final Source[] sources;
  private final int idField;
  private final int unitField;
  private final java.util.Set<Integer> attributeFields;
  private final boolean stringIds;
  private final MessageType schema;

  ParquetColumns(MessageType schema, List<TensorSpec> inputs, int[] widths) {
    this(schema, inputs, widths, null);
  }

  /** @param unitColumn a job's unit column, which is not a feature column either (null: none) */
  ParquetColumns(MessageType schema, List<TensorSpec> inputs, int[] widths, String unitColumn) {
    this(schema, inputs, widths, unitColumn, List.of());
  }

  /** @param attributeColumns a job's targeting attributes' columns, not feature columns either */
  ParquetColumns(MessageType schema, List<TensorSpec> inputs, int[] widths, String unitColumn,
      java.util.Collection<String> attributeColumns) {
    this.unitField = unitColumn != null && schema.containsField(unitColumn) ? schema.getFieldIndex(unitColumn) : -1;
    this.attributeFields = new java.util.HashSet<>();
    for (String column : attributeColumns) {
      if (schema.containsField(column)) {
        attributeFields.add(schema.getFieldIndex(column));
      }
    }
    this.schema = schema;
    this.inputs = inputs;
    this.widths = widths;
    this.idField = schema.containsField("id") ? schema.getFieldIndex("id") : -1;
    if (idField >= 0) {
      Type id = schema.getType(idField);
      if (!id.isPrimitive() || id.isRepetition(Type.Repetition.REPEATED)
          || !switch (id.asPrimitiveType().getPrimitiveTypeName()) {
            case INT32, INT64, BINARY -> true;
            default -> false;
          }) {
        throw new BatchError("the Parquet column 'id' must be an integer or a string, not " + id);
      }
      this.stringIds = id.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY;
    } else {
      this.stringIds = false;
    }
    this.sources = new Source[inputs.size()];
    for (int i = 0; i < sources.length; i++) {
      sources[i] = source(i);
    }
  }

  /** A file whose rows are named raw features for a feature pipeline: only the {@code id} column is special. */
  static ParquetColumns forInstances(MessageType schema) {
    return new ParquetColumns(schema, List.of(), new int[0]);
  }

  /**
   * A row as the predict API's instance: each top-level column by name, numbers as doubles, booleans, strings,
   * timestamps as ISO-8601 text, nulls (a list or group column as its text).
   */
  Map<String, Object> instance(Group g) {
    Map<String, Object> out = new HashMap<>();
    for (int f = 0; f < schema.getFieldCount(); f++) {
      Type t = schema.getType(f);
      Object v = null;
      if (g.getFieldRepetitionCount(f) > 0) {
        v = !t.isPrimitive() || t.isRepetition(Type.Repetition.REPEATED) ? g.getValueToString(f, 0)
            : switch (t.asPrimitiveType().getPrimitiveTypeName()) {
              case INT32 -> (double) g.getInteger(f, 0);
              case INT64 -> t.getLogicalTypeAnnotation()
                  instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts
                  ? timestamp(g.getLong(f, 0), ts.getUnit()) : (Object) (double) g.getLong(f, 0);
              case FLOAT -> (double) g.getFloat(f, 0);
              case DOUBLE -> g.getDouble(f, 0);
              case BOOLEAN -> g.getBoolean(f, 0);
              default -> g.getValueToString(f, 0);
            };
      }
      out.put(t.getName(), v);
    }
    return out;
  }

  /** A Parquet timestamp as ISO-8601 UTC text (so a point-in-time job reads it as the moment it is). */
  private static String timestamp(long value, LogicalTypeAnnotation.TimeUnit unit) {
    java.time.Instant t = switch (unit) {
      case MILLIS -> java.time.Instant.ofEpochMilli(value);
      case MICROS -> java.time.Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000L),
          Math.floorMod(value, 1_000_000L) * 1000L);
      case NANOS -> java.time.Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000_000L),
          Math.floorMod(value, 1_000_000_000L));
    };
    return t.toString();
  }

  /** Whether the file's ids are strings (else integers or row numbers): the results' id column has that type. */
  boolean stringIds() {
    return stringIds;
  }

  MessageType schema() {
    return schema;
  }

  private Source source(int input) {
    String name = inputs.get(input).name();
    int width = widths[input];
    if (schema.containsField(name)) {
      Type t = schema.getType(name);
      if (t.isPrimitive() && !t.isRepetition(Type.Repetition.REPEATED)) {
        if (width != 1) {
          throw new BatchError("input '" + name + "' takes " + width + " values per row; the Parquet column '" + name
              + "' holds one (use a list column or " + name + "_0 … " + name + "_" + (width - 1) + ")");
        }
        return new Source(new int[] {scalar(schema.getFieldIndex(name))}, false);
      }
      listElement(t); // refuses what is no list of numbers
      return new Source(new int[] {schema.getFieldIndex(name)}, true);
    }
    int[] fields = new int[width];
    if (schema.containsField(name + "_0")) {
      for (int k = 0; k < width; k++) {
        if (!schema.containsField(name + "_" + k)) {
          throw new BatchError("the Parquet file has column " + name + "_0 but not " + name + "_" + k);
        }
        fields[k] = scalar(schema.getFieldIndex(name + "_" + k));
      }
      return new Source(fields, false);
    }
    if (inputs.size() == 1) {
      List<Integer> others = new ArrayList<>();
      for (int f = 0; f < schema.getFieldCount(); f++) {
        if (f != idField && f != unitField && !attributeFields.contains(f)) {
          others.add(f);
        }
      }
      if (others.size() != width) {
        throw new BatchError("input '" + name + "' takes " + width + " values per row, the Parquet file has "
            + others.size() + " feature columns");
      }
      for (int k = 0; k < width; k++) {
        fields[k] = scalar(others.get(k));
      }
      return new Source(fields, false);
    }
    throw new BatchError("the Parquet file has no column for input '" + name + "' (" + name + " or " + name
        + "_0 … " + name + "_" + (width - 1) + ")");
  }

  private int scalar(int field) {
    Type t = schema.getType(field);
    if (!t.isPrimitive() || t.isRepetition(Type.Repetition.REPEATED)) {
      throw new BatchError("the Parquet column '" + t.getName() + "' must hold one number per row, not " + t);
    }
    return field;
  }

  /** The element type of a list column: the standard three-level LIST, or a repeated primitive. */
  private static PrimitiveType listElement(Type t) {
    if (t.isPrimitive()) {
      return t.asPrimitiveType(); // a repeated primitive: the legacy two-level list
    }
    GroupType g = t.asGroupType();
    if (g.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation
        && g.getFieldCount() == 1 && g.getType(0).isRepetition(Type.Repetition.REPEATED)) {
      Type repeated = g.getType(0);
      if (repeated.isPrimitive()) {
        return repeated.asPrimitiveType();
      }
      GroupType element = repeated.asGroupType();
      if (element.getFieldCount() == 1 && element.getType(0).isPrimitive()) {
        return element.getType(0).asPrimitiveType();
      }
    }
    throw new BatchError("the Parquet column '" + t.getName() + "' must be a number or a list of numbers, not " + t);
  }

  /** The row's id as JSON text (a number or a quoted string), or {@code rowNumber} when the file has no ids. */
  String id(Group row, long rowNumber) {
    if (idField < 0 || row.getFieldRepetitionCount(idField) == 0) {
      return Long.toString(rowNumber);
    }
    return switch (schema.getType(idField).asPrimitiveType().getPrimitiveTypeName()) {
      case INT32 -> Integer.toString(row.getInteger(idField, 0));
      case INT64 -> Long.toString(row.getLong(idField, 0));
      default -> RowIds.quoted(row.getString(idField, 0));
    };
  }

  /** Stores the row's values for {@code input} at {@code row} of its column; returns a problem or null. */
  String read(Group g, int input, int row, Object column) {
    TensorSpec spec = inputs.get(input);
    Source source = sources[input];
    int width = widths[input];
    int at = row * width;
    if (!source.list()) {
      for (int k = 0; k < width; k++) {
        int f = source.fields()[k];
        String name = schema.getFieldName(f);
        if (g.getFieldRepetitionCount(f) == 0) {
          return "column '" + name + "' is null";
        }
        String bad = store(spec, g, f, 0, schema.getType(f).asPrimitiveType(), column, at + k, name);
        if (bad != null) {
          return bad;
        }
      }
      return null;
    }
    int f = source.fields()[0];
    String name = schema.getFieldName(f);
    Type t = schema.getType(f);
    if (t.isPrimitive()) { // repeated primitive
      int n = g.getFieldRepetitionCount(f);
      if (n != width) {
        return "input '" + name + "' needs " + width + " values per row, got " + n;
      }
      for (int k = 0; k < n; k++) {
        String bad = store(spec, g, f, k, t.asPrimitiveType(), column, at + k, name);
        if (bad != null) {
          return bad;
        }
      }
      return null;
    }
    if (g.getFieldRepetitionCount(f) == 0) {
      return "column '" + name + "' is null";
    }
    Group list = g.getGroup(f, 0);
    int n = list.getFieldRepetitionCount(0);
    if (n != width) {
      return "input '" + name + "' needs " + width + " values per row, got " + n;
    }
    Type repeated = list.getType().getType(0);
    for (int k = 0; k < n; k++) {
      String bad;
      if (repeated.isPrimitive()) {
        bad = store(spec, list, 0, k, repeated.asPrimitiveType(), column, at + k, name);
      } else {
        Group element = list.getGroup(0, k);
        if (element.getFieldRepetitionCount(0) == 0) {
          return "input '" + name + "' has a null at position " + k;
        }
        bad = store(spec, element, 0, 0, element.getType().getType(0).asPrimitiveType(), column, at + k, name);
      }
      if (bad != null) {
        return bad;
      }
    }
    return null;
  }

  private static String store(TensorSpec spec, Group g, int field, int index, PrimitiveType type, Object column,
      int at, String name) {
    Datatype target = spec.datatype();
    switch (type.getPrimitiveTypeName()) {
      case BINARY -> {
        // strings take the CSV cell rules: "5.1" is a number, "x" is an error row
        return InputColumns.storeText(spec, g.getString(field, index).trim(), column, at, name);
      }
      case BOOLEAN -> {
        if (target != Datatype.BOOL) {
          return "column '" + name + "' holds booleans, input '" + spec.name() + "' takes numbers";
        }
        ((boolean[]) column)[at] = g.getBoolean(field, index);
        return null;
      }
      case INT32, INT64 -> {
        long v = type.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT32
            ? g.getInteger(field, index) : g.getLong(field, index);
        switch (target) {
          case FP32 -> ((float[]) column)[at] = v;
          case FP64 -> ((double[]) column)[at] = v;
          case INT64 -> ((long[]) column)[at] = v;
          case INT32 -> {
            if (v != (int) v) {
              return "column '" + name + "' value " + v + " does not fit input '" + spec.name() + "' (INT32)";
            }
            ((int[]) column)[at] = (int) v;
          }
          default -> {
            return "column '" + name + "' holds integers, input '" + spec.name() + "' takes booleans";
          }
        }
        return null;
      }
      case FLOAT, DOUBLE -> {
        double v = type.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.FLOAT
            ? g.getFloat(field, index) : g.getDouble(field, index);
        switch (target) {
          case FP32 -> ((float[]) column)[at] = (float) v;
          case FP64 -> ((double[]) column)[at] = v;
          default -> {
            return "column '" + name + "' holds floating-point numbers, input '" + spec.name() + "' takes "
                + (target == Datatype.BOOL ? "booleans" : "integers");
          }
        }
        return null;
      }
      default -> {
        return "column '" + name + "' is " + type.getPrimitiveTypeName() + ", which batch scoring does not read";
      }
    }
  }
}
