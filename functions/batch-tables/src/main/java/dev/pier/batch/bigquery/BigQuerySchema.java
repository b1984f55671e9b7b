package dev.pier.batch.bigquery;

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

/**
 * A job's rows as a BigQuery table's, whichever engine scored them: each column as a field of the same name (an
 * array as a {@code REPEATED} field of its element's type: BigQuery has no nullable arrays), then the partition columns
 * {@code job_id} ({@code STRING}) and {@code date} ({@code DATE}); and each row as the Storage Write API's protocol
 * buffer message of those fields. The engines' adapters give the columns and each row's values: the Spark path's
 * from a scored DataFrame's schema and rows, the Lambda path's from its table columns and scored chunk
 * ({@code dev.pier.batch.BigQueryRows}). Names BigQuery does not take, and the partition columns' names, are
 * refused before scoring ({@link IllegalArgumentException} naming the column).
 */
public final class BigQuerySchema implements Serializable {
  public static final String JOB_ID = "job_id";
  public static final String DATE = "date";

  private final List<Column> columns;
  private transient Descriptors.Descriptor descriptor;

  /**
   * One column: its BigQuery type ({@code STRING}, {@code INT64}, {@code FLOAT64}, {@code BOOL}, {@code DATE},
   * {@code TIMESTAMP}) and whether repeated (an array of that type).
   */
  public record Column(String name, StandardSQLTypeName type, boolean repeated) implements Serializable {}

  private BigQuerySchema(List<Column> columns) {
    this.columns = columns;
  }

  /** The table's columns: {@code columns}, then {@code job_id} and {@code date}. */
  public static BigQuerySchema of(List<Column> columns) {
    List<Column> out = new ArrayList<>();
    for (Column c : columns) {
      checkName(c.name());
      if (!SUPPORTED.contains(c.type())) {
        throw new IllegalArgumentException("column '" + c.name() + "' is " + c.type() + ", which a BigQuery output"
            + " cannot hold");
      }
      out.add(c);
    }
    out.add(new Column(JOB_ID, StandardSQLTypeName.STRING, false));
    out.add(new Column(DATE, StandardSQLTypeName.DATE, false));
    return new BigQuerySchema(List.copyOf(out));
  }

  /**
   * Refuses a column name BigQuery does not take (letters, digits and underscores, not starting with a digit) or one
   * of the partition columns' ({@link IllegalArgumentException} naming it).
   */
  public static void checkName(String name) {
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]{0,299}")) {
      throw new IllegalArgumentException("column '" + name + "' cannot be a BigQuery column name (letters, digits"
          + " and underscores, not starting with a digit)");
    }
    if (name.equalsIgnoreCase(JOB_ID) || name.equalsIgnoreCase(DATE)) {
      throw new IllegalArgumentException("column '" + name + "' clashes with the table's partition column '"
          + name.toLowerCase(Locale.ROOT) + "' (each row's job id and date)");
    }
  }

  private static final java.util.Set<StandardSQLTypeName> SUPPORTED = java.util.EnumSet.of(StandardSQLTypeName.STRING,
      StandardSQLTypeName.INT64, StandardSQLTypeName.FLOAT64, StandardSQLTypeName.BOOL, StandardSQLTypeName.DATE,
      StandardSQLTypeName.TIMESTAMP);

  /** The columns a row's values are given for ({@link #encode}): the table's, less {@code job_id} and {@code date}. */
  public List<Column> rowColumns() {
    return columns.subList(0, columns.size() - 2);
  }

  /** The table's schema. */
  public Schema table() {
    List<Field> fields = new ArrayList<>();
    for (Column c : columns) {
      fields.add(Field.newBuilder(c.name(), c.type())
          .setMode(c.repeated() ? Field.Mode.REPEATED : Field.Mode.NULLABLE).build());
    }
    return Schema.of(fields);
  }

  /** A table's fields as {@code name TYPE MODE}, names lower-cased (BigQuery's are case-insensitive). */
  public static List<String> describe(Schema schema) {
    List<String> out = new ArrayList<>();
    for (Field f : schema.getFields()) {
      out.add(f.getName().toLowerCase(Locale.ROOT) + " " + f.getType().getStandardType() + " "
          + (f.getMode() == null ? Field.Mode.NULLABLE : f.getMode()));
    }
    return out;
  }

  /** The writer schema sent with the first rows of a stream. */
  public ProtoSchema proto() {
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
   * A row's values ({@link #rowColumns()}' order) as a message, with its job id and date. A value is a
   * {@link String}, a {@link Number}, a {@link Boolean}, a {@link LocalDate} or {@link java.sql.Date}, an
   * {@link java.time.Instant} or {@link java.sql.Timestamp}, or for a repeated column a {@link List} of them. A null
   * is an unset field; an array with a null element (which BigQuery cannot hold) is written without its nulls.
   */
  public byte[] encode(Object[] values, String jobId, LocalDate date) {
    Descriptors.Descriptor d = descriptor();
    DynamicMessage.Builder m = DynamicMessage.newBuilder(d);
    int n = columns.size() - 2;
    if (values.length != n) {
      throw new IllegalArgumentException("a row of " + values.length + " values for " + n + " columns");
    }
    for (int i = 0; i < n; i++) {
      if (values[i] == null) {
        continue;
      }
      Column c = columns.get(i);
      Descriptors.FieldDescriptor f = d.getFields().get(i);
      if (c.repeated()) {
        for (Object v : (List<?>) values[i]) {
          if (v != null) {
            m.addRepeatedField(f, value(c.type(), v));
          }
        }
      } else {
        m.setField(f, value(c.type(), values[i]));
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
