package dev.pier.spark;

import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import com.google.cloud.bigquery.storage.v1.ProtoSchema;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import java.io.Serializable;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampType;

/**
 * A scored DataFrame's columns as a BigQuery table's: each Spark column as a field of the same name (an array as a
 * {@code REPEATED} field of its element's type: BigQuery has no nullable arrays), then the partition columns
 * {@code job_id} ({@code STRING}) and {@code date} ({@code DATE}); and each row as the Storage Write API's protocol
 * buffer message of those fields. Spark's integers are {@code INT64}, {@code float} and {@code double}
 * {@code FLOAT64} (a {@code float} widened exactly), {@code boolean} {@code BOOL}, {@code date} {@code DATE},
 * {@code timestamp} {@code TIMESTAMP}. Other types (structs, maps, decimals, binary, arrays of arrays) and names
 * BigQuery does not take are refused before scoring ({@link IllegalArgumentException} naming the column).
 */
final class BigQuerySchema implements Serializable {
  static final String JOB_ID = "job_id";
  static final String DATE = "date";

  private final List<Column> columns;
  private transient Descriptors.Descriptor descriptor;

  /** One Spark column: its BigQuery type, whether repeated. */
  private record Column(String name, StandardSQLTypeName type, boolean repeated) implements Serializable {}

  private BigQuerySchema(List<Column> columns) {
    this.columns = columns;
  }

  /** The table's columns for rows of {@code schema}. */
  static BigQuerySchema of(StructType schema) {
    List<Column> out = new ArrayList<>();
    for (StructField f : schema.fields()) {
      String name = f.name();
      if (!name.matches("[A-Za-z_][A-Za-z0-9_]{0,299}")) {
        throw new IllegalArgumentException("column '" + name + "' cannot be a BigQuery column name (letters, digits"
            + " and underscores, not starting with a digit)");
      }
      if (name.equalsIgnoreCase(JOB_ID) || name.equalsIgnoreCase(DATE)) {
        throw new IllegalArgumentException("column '" + name + "' clashes with the table's partition column '"
            + name.toLowerCase(Locale.ROOT) + "' (each row's job id and date)");
      }
      DataType type = f.dataType();
      boolean repeated = type instanceof ArrayType;
      StandardSQLTypeName t = scalar(repeated ? ((ArrayType) type).elementType() : type);
      if (t == null) {
        throw new IllegalArgumentException("column '" + name + "' is " + type.catalogString()
            + ", which a BigQuery output cannot hold (it takes strings, integers, floating point numbers, booleans,"
            + " dates, timestamps and arrays of them)");
      }
      out.add(new Column(name, t, repeated));
    }
    out.add(new Column(JOB_ID, StandardSQLTypeName.STRING, false));
    out.add(new Column(DATE, StandardSQLTypeName.DATE, false));
    return new BigQuerySchema(List.copyOf(out));
  }

  private static StandardSQLTypeName scalar(DataType t) {
    if (t instanceof StringType) {
      return StandardSQLTypeName.STRING;
    } else if (t instanceof LongType || t instanceof IntegerType || t instanceof ShortType || t instanceof ByteType) {
      return StandardSQLTypeName.INT64;
    } else if (t instanceof DoubleType || t instanceof FloatType) {
      return StandardSQLTypeName.FLOAT64;
    } else if (t instanceof BooleanType) {
      return StandardSQLTypeName.BOOL;
    } else if (t instanceof DateType) {
      return StandardSQLTypeName.DATE;
    } else if (t instanceof TimestampType) {
      return StandardSQLTypeName.TIMESTAMP;
    }
    return null;
  }

  /** The table's schema. */
  Schema table() {
    List<Field> fields = new ArrayList<>();
    for (Column c : columns) {
      fields.add(Field.newBuilder(c.name(), c.type())
          .setMode(c.repeated() ? Field.Mode.REPEATED : Field.Mode.NULLABLE).build());
    }
    return Schema.of(fields);
  }

  /** A table's fields as {@code name TYPE MODE}, names lower-cased (BigQuery's are case-insensitive). */
  static List<String> describe(Schema schema) {
    List<String> out = new ArrayList<>();
    for (Field f : schema.getFields()) {
      out.add(f.getName().toLowerCase(Locale.ROOT) + " " + f.getType().getStandardType() + " "
          + (f.getMode() == null ? Field.Mode.NULLABLE : f.getMode()));
    }
    return out;
  }

  /** The writer schema sent with the first rows of a stream. */
  ProtoSchema proto() {
    return ProtoSchema.newBuilder().setProtoDescriptor(message()).build();
  }

  private DescriptorProto message() {
    DescriptorProto.Builder m = DescriptorProto.newBuilder().setName("PierRow");
    for (int i = 0; i < columns.size(); i++) {
      Column c = columns.get(i);
      m.addField(FieldDescriptorProto.newBuilder().setName(c.name()).setNumber(i + 1)
          .setLabel(c.repeated() ? FieldDescriptorProto.Label.LABEL_REPEATED : FieldDescriptorProto.Label.LABEL_OPTIONAL)
          .setType(switch (c.type()) {
            case STRING -> FieldDescriptorProto.Type.TYPE_STRING;
            case INT64, TIMESTAMP -> FieldDescriptorProto.Type.TYPE_INT64;
            case FLOAT64 -> FieldDescriptorProto.Type.TYPE_DOUBLE;
            case BOOL -> FieldDescriptorProto.Type.TYPE_BOOL;
            case DATE -> FieldDescriptorProto.Type.TYPE_INT32;
            default -> throw new IllegalStateException("no protocol buffer type for " + c.type());
          }));
    }
    return m.build();
  }

  private Descriptors.Descriptor descriptor() {
    if (descriptor == null) {
      try {
        descriptor = Descriptors.FileDescriptor.buildFrom(FileDescriptorProto.newBuilder().setName("pier_row.proto")
            .addMessageType(message()).build(), new Descriptors.FileDescriptor[0]).findMessageTypeByName("PierRow");
      } catch (Descriptors.DescriptorValidationException e) {
        throw new IllegalStateException(e);
      }
    }
    return descriptor;
  }

  /**
   * A row of the scored DataFrame (its columns in this schema's order) as a message, with its job id and date. A null
   * is an unset field; an array with a null element (which BigQuery cannot hold) is written without its nulls.
   */
  byte[] encode(Row row, String jobId, LocalDate date) {
    Descriptors.Descriptor d = descriptor();
    DynamicMessage.Builder m = DynamicMessage.newBuilder(d);
    int n = columns.size() - 2;
    for (int i = 0; i < n; i++) {
      if (row.isNullAt(i)) {
        continue;
      }
      Column c = columns.get(i);
      Descriptors.FieldDescriptor f = d.getFields().get(i);
      if (c.repeated()) {
        for (Object v : row.getList(i)) {
          if (v != null) {
            m.addRepeatedField(f, value(c.type(), v));
          }
        }
      } else {
        m.setField(f, value(c.type(), row.get(i)));
      }
    }
    m.setField(d.getFields().get(n), jobId);
    m.setField(d.getFields().get(n + 1), (int) date.toEpochDay());
    return m.build().toByteArray();
  }

  private static Object value(StandardSQLTypeName type, Object v) {
    return switch (type) {
      case STRING -> v.toString();
      case INT64 -> ((Number) v).longValue();
      case FLOAT64 -> ((Number) v).doubleValue();
      case BOOL -> (Boolean) v;
      case DATE -> (int) (v instanceof java.sql.Date s ? s.toLocalDate() : (LocalDate) v).toEpochDay();
      case TIMESTAMP -> {
        java.time.Instant t = v instanceof java.sql.Timestamp s ? s.toInstant() : (java.time.Instant) v;
        yield t.getEpochSecond() * 1_000_000 + t.getNano() / 1_000;
      }
      default -> throw new IllegalStateException("no value for " + type);
    };
  }
}
