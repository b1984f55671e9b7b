package dev.pier.batch;

import dev.pier.kernel.tensor.Datatype;
import dev.pier.runtime.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * One chunk of a table output as a Snappy-compressed Parquet file (in memory: a chunk is bounded by
 * {@code pier.batch.chunk-rows}) with the table's columns ({@link TableSchema}), every one optional and arrays as the
 * standard three-level LIST, as Spark writes them: the row's input values, its outputs (null for an error row), and
 * {@value TableSchema#ERROR}.
 */
public final class TableParquetWriter {
  private final TableSchema schema;
  private final List<TableColumn> columns;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
  private final SimpleGroupFactory groups;
  private final ParquetWriter<Group> writer;

  TableParquetWriter(TableSchema schema) {
    this.schema = schema;
    this.columns = schema.columns();
    MessageType type = parquetSchema(columns);
    groups = new SimpleGroupFactory(type);
    try {
      writer = ExampleParquetWriter.builder(new InMemoryOutputFile(bytes))
          .withConf(new PlainParquetConfiguration())
          .withType(type)
          .withCompressionCodec(CompressionCodecName.SNAPPY)
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The Parquet schema of a table's columns. */
  static MessageType parquetSchema(List<TableColumn> columns) {
    Types.MessageTypeBuilder b = Types.buildMessage();
    for (TableColumn c : columns) {
      if (c.array()) {
        b.addField(Types.optionalList().element(primitive(c.elementType(), Type.Repetition.OPTIONAL).named("element"))
            .named(c.name()));
      } else {
        b.addField(primitive(c.type(), Type.Repetition.OPTIONAL).named(c.name()));
      }
    }
    return b.named("spark_schema");
  }

  private static Types.PrimitiveBuilder<org.apache.parquet.schema.PrimitiveType> primitive(String type,
      Type.Repetition repetition) {
    return switch (type) {
      case "bigint" -> Types.primitive(PrimitiveTypeName.INT64, repetition);
      case "int" -> Types.primitive(PrimitiveTypeName.INT32, repetition);
      case "smallint" -> Types.primitive(PrimitiveTypeName.INT32, repetition).as(LogicalTypeAnnotation.intType(16));
      case "tinyint" -> Types.primitive(PrimitiveTypeName.INT32, repetition).as(LogicalTypeAnnotation.intType(8));
      case "double" -> Types.primitive(PrimitiveTypeName.DOUBLE, repetition);
      case "float" -> Types.primitive(PrimitiveTypeName.FLOAT, repetition);
      case "boolean" -> Types.primitive(PrimitiveTypeName.BOOLEAN, repetition);
      case "string" -> Types.primitive(PrimitiveTypeName.BINARY, repetition).as(LogicalTypeAnnotation.stringType());
      default -> throw new IllegalStateException("no Parquet type for " + type);
    };
  }

  /**
   * Appends a row: its input values, its outputs (row {@code offset} of {@code outputs}, a batch of {@code rows} rows;
   * null for an error row) and its error (null for a scored row).
   */
  void write(Object[] inputs, List<Tensor> outputs, int offset, String error) {
    Group g = groups.newGroup();
    int c = 0;
    for (; c < inputs.length; c++) {
      append(g, columns.get(c), inputs[c]);
    }
    for (TableColumn column : schema.outputs()) {
      Tensor t = outputs == null ? null : find(outputs, column.name());
      if (t != null) {
        append(g, column, value(t, column, offset));
      }
      c++;
    }
    if (error != null) {
      g.append(TableSchema.ERROR, error);
    }
    try {
      writer.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The file's bytes. */
  byte[] finish() {
    try {
      writer.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  public static Tensor find(List<Tensor> tensors, String name) {
    for (Tensor t : tensors) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    return null;
  }

  /** Row {@code row} of a batch's output tensor as the column's value: a scalar, or a list of the row's values. */
  public static Object value(Tensor t, TableColumn column, int row) {
    int rows = t.shape().length == 0 ? 1 : (int) t.shape()[0];
    int width = t.length() / Math.max(1, rows);
    if (!column.array()) {
      return element(t, row * width);
    }
    List<Object> values = new java.util.ArrayList<>(width);
    for (int k = 0; k < width; k++) {
      values.add(element(t, row * width + k));
    }
    return values;
  }

  /** One value, unsigned integers widened as the Spark path widens them. */
  private static Object element(Tensor t, int i) {
    Datatype type = t.datatype();
    return switch (t.data()) {
      case float[] f -> f[i];
      case double[] d -> d[i];
      case long[] l -> l[i];
      case int[] n -> type == Datatype.UINT32 ? Integer.toUnsignedLong(n[i]) : (Object) n[i];
      case short[] s -> type == Datatype.UINT16 ? Short.toUnsignedInt(s[i]) : (Object) (int) s[i];
      case byte[] b -> type == Datatype.UINT8 ? Byte.toUnsignedInt(b[i]) : (Object) (int) b[i];
      case boolean[] z -> z[i];
      case String[] s -> s[i];
      default -> throw new IllegalStateException("output '" + t.name() + "' holds " + t.data().getClass());
    };
  }

  private static void append(Group g, TableColumn column, Object value) {
    if (value == null) {
      return;
    }
    if (column.array()) {
      Group list = g.addGroup(column.name());
      for (Object v : (List<?>) value) {
        Group element = list.addGroup("list");
        if (v != null) {
          appendScalar(element, "element", column.elementType(), v);
        }
      }
      return;
    }
    appendScalar(g, column.name(), column.type(), value);
  }

  private static void appendScalar(Group g, String field, String type, Object v) {
    switch (type) {
      case "bigint" -> g.append(field, ((Number) v).longValue());
      case "int", "smallint", "tinyint" -> g.append(field, ((Number) v).intValue());
      case "double" -> g.append(field, ((Number) v).doubleValue());
      case "float" -> g.append(field, ((Number) v).floatValue());
      case "boolean" -> g.append(field, (Boolean) v);
      default -> g.append(field, v.toString());
    }
  }
}
