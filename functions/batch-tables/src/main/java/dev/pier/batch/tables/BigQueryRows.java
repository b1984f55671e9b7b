package dev.pier.batch.tables;

import dev.pier.batch.BatchError;
import dev.pier.batch.TableColumn;
import dev.pier.batch.TableSchema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import dev.pier.batch.bigquery.BigQuerySchema;
import java.util.ArrayList;
import java.util.List;

/**
 * The Lambda path's adapter to {@link BigQuerySchema}: a table output's columns ({@link TableSchema}, the same the
 * Spark path's scored DataFrame has) as BigQuery columns — {@code tinyint} to {@code bigint} as {@code INT64},
 * {@code float} and {@code double} as {@code FLOAT64} (a float widened exactly), {@code boolean} as {@code BOOL},
 * {@code string} as {@code STRING}, an array as a {@code REPEATED} field of its element's (a scored row's values:
 * {@link TableSchema#values}).
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
}
