package dev.pier.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The columns of a job's table ({@code glue://db.table}), the same whichever engine scores the job — the Spark path's:
 * the input's columns as Spark reads the input ({@link InputSchemas}), then one column per model output (a scalar
 * when the output holds one value per row, {@code [-1]} or {@code [-1, 1]}; else an array of the row's values; its
 * type the output's, FP32 a {@code float}), then {@value #ERROR} (null for a scored row). The table is partitioned by
 * {@code job_id} and {@code date} (the job's creation day, UTC); the version scored with is in the job's manifest and
 * the table's partition parameters.
 */
public record TableSchema(List<TableColumn> inputs, List<TableColumn> outputs) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The column holding why a row was not scored. */
  public static final String ERROR = "pier_error";
  /** The partition columns, which no other column may be named. */
  public static final List<String> PARTITIONS = List.of("job_id", "date");

  public TableSchema {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /**
   * The table of rows with {@code inputs}' columns scored by a version of {@code signature}; a {@link BatchError}
   * naming the column when an output would replace an input column or a column is named as a partition column.
   */
  public static TableSchema of(List<TableColumn> inputs, Signature signature) {
    Set<String> names = new HashSet<>();
    for (TableColumn c : inputs) {
      if (PARTITIONS.contains(c.catalogName())) {
        throw new BatchError("the input's column '" + c.name() + "' clashes with the table's partition column '"
            + c.catalogName() + "' (each row's job id and date)");
      }
      if (!names.add(c.catalogName())) {
        throw new BatchError("the input has two columns named '" + c.catalogName() + "' (the catalog's column names"
            + " are not case-sensitive)");
      }
    }
    List<TableColumn> outputs = new ArrayList<>();
    for (TensorSpec spec : signature.outputs()) {
      TableColumn column = new TableColumn(spec.name(), outputType(spec));
      if (!names.add(column.catalogName())) {
        throw new BatchError("output '" + spec.name() + "' would replace the input column '" + spec.name()
            + "': a table holds the input's columns and the outputs side by side");
      }
      outputs.add(column);
    }
    if (names.contains(ERROR)) {
      throw new BatchError("the input's column '" + ERROR + "' clashes with the table's error column");
    }
    return new TableSchema(inputs, outputs);
  }

  /** The table of a JSONL or CSV input's rows (read whole, as Spark infers them) scored by {@code signature}. */
  public static TableSchema infer(InputFormat format, java.io.InputStream in, Signature signature) {
    return of(InputSchemas.of(format, in), signature);
  }

  /** The table of a Parquet input's rows (its footer's schema) scored by {@code signature}. */
  public static TableSchema ofParquet(org.apache.parquet.schema.MessageType schema, Signature signature) {
    return of(InputSchemas.parquet(schema), signature);
  }

  /**
   * A row's values in the table's column order: {@code inputs}, then each output's value (row {@code offset} of
   * {@code outputs}; null for an error row), then {@code error}.
   */
  public Object[] values(Object[] inputs, List<dev.pier.runtime.Tensor> outputs, int offset, String error) {
    Object[] values = new Object[inputs.length + this.outputs.size() + 1];
    System.arraycopy(inputs, 0, values, 0, inputs.length);
    for (int i = 0; i < this.outputs.size(); i++) {
      TableColumn column = this.outputs.get(i);
      dev.pier.runtime.Tensor t = outputs == null ? null : TableParquetWriter.find(outputs, column.name());
      values[inputs.length + i] = t == null ? null : TableParquetWriter.value(t, column, offset);
    }
    values[values.length - 1] = error;
    return values;
  }

  /** Every column in the table's order: inputs, outputs, {@value #ERROR}. */
  public List<TableColumn> columns() {
    List<TableColumn> all = new ArrayList<>(inputs);
    all.addAll(outputs);
    all.add(new TableColumn(ERROR, "string"));
    return all;
  }

  /** Whether an output holds one value per row (a scalar column). */
  static boolean scalar(TensorSpec spec) {
    long[] shape = spec.shape();
    return shape.length <= 1 || shape.length == 2 && shape[1] == 1;
  }

  /** An output's column type, as the Spark path's column of it is named in the catalog. */
  static String outputType(TensorSpec spec) {
    String element = switch (spec.datatype()) {
      case BOOL -> "boolean";
      case INT8 -> "tinyint";
      case INT16, UINT8 -> "smallint";
      case INT32, UINT16 -> "int";
      case INT64, UINT32, UINT64 -> "bigint";
      case FP16, FP32 -> "float";
      case FP64 -> "double";
      case BYTES -> "string";
    };
    return scalar(spec) ? element : "array<" + element + ">";
  }

  public String toJson() {
    var root = JSON.createObjectNode();
    write(root.putArray("inputs"), inputs);
    write(root.putArray("outputs"), outputs);
    return root.toString();
  }

  public static TableSchema fromJson(String json) {
    try {
      JsonNode root = JSON.readTree(json);
      return new TableSchema(read(root.path("inputs")), read(root.path("outputs")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(ArrayNode out, List<TableColumn> columns) {
    columns.forEach(c -> out.addObject().put("name", c.name()).put("type", c.type()));
  }

  private static List<TableColumn> read(JsonNode array) {
    List<TableColumn> out = new ArrayList<>();
    array.forEach(c -> out.add(new TableColumn(c.path("name").asText(), c.path("type").asText())));
    return out;
  }

  /** The columns as {@code name type}, names lower-cased: how a table's columns are compared. */
  public static List<String> describe(List<TableColumn> columns) {
    return columns.stream().map(c -> c.catalogName() + " " + c.type().toLowerCase(Locale.ROOT)).toList();
  }
}
