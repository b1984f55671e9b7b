package dev.pier.batch;

import com.google.cloud.bigquery.StandardSQLTypeName;
import dev.pier.batch.bigquery.BigQuerySchema;
import dev.pier.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The Lambda path's adapter to {@link BigQuerySchema}: a table output's columns ({@link TableSchema}, the same the
 * Spark path's scored DataFrame has) as BigQuery columns — {@code tinyint} to {@code bigint} as {@code INT64},
 * {@code float} and {@code double} as {@code FLOAT64} (a float widened exactly), {@code boolean} as {@code BOOL},
 * {@code string} as {@code STRING}, an array as a {@code REPEATED} field of its element's — and a scored row as the
 * values {@link BigQuerySchema#encode} takes: its input values, its outputs, its error.
 */
final class BigQueryRows {
  private BigQueryRows() {}

  /** The BigQuery table of a job's table columns; an {@link BatchError} naming a column BigQuery cannot hold. */
  static BigQuerySchema schema(TableSchema table) {
    List<BigQuerySchema.Column> columns = new ArrayList<>();
    for (TableColumn c : table.columns()) {
      StandardSQLTypeName type = switch (c.elementType()) {
        case "bigint", "int", "smallint", "tinyint" -> StandardSQLTypeName.INT64;
        case "double", "float" -> StandardSQLTypeName.FLOAT64;
        case "boolean" -> StandardSQLTypeName.BOOL;
        case "string" -> StandardSQLTypeName.STRING;
        case "date" -> StandardSQLTypeName.DATE;
        case "timestamp" -> StandardSQLTypeName.TIMESTAMP;
        default -> throw new BatchError("column '" + c.name() + "' is " + c.type() + ", which a BigQuery output"
            + " cannot hold (it takes strings, integers, floating point numbers, booleans, dates, timestamps and"
            + " arrays of them)");
      };
      columns.add(new BigQuerySchema.Column(c.name(), type, c.array()));
    }
    try {
      return BigQuerySchema.of(columns);
    } catch (IllegalArgumentException e) {
      throw new BatchError(e.getMessage());
    }
  }

  /**
   * A row's values in the table's column order: {@code inputs}, then each output's value (row {@code offset} of
   * {@code outputs}; null for an error row), then {@code error}.
   */
  static Object[] values(TableSchema table, Object[] inputs, List<Tensor> outputs, int offset, String error) {
    List<TableColumn> outputColumns = table.outputs();
    Object[] values = new Object[inputs.length + outputColumns.size() + 1];
    System.arraycopy(inputs, 0, values, 0, inputs.length);
    for (int i = 0; i < outputColumns.size(); i++) {
      TableColumn column = outputColumns.get(i);
      Tensor t = outputs == null ? null : TableParquetWriter.find(outputs, column.name());
      values[inputs.length + i] = t == null ? null : TableParquetWriter.value(t, column, offset);
    }
    values[values.length - 1] = error;
    return values;
  }
}
