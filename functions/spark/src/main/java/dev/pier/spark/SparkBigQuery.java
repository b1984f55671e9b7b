package dev.pier.spark;

import com.google.cloud.bigquery.StandardSQLTypeName;
import dev.pier.batch.bigquery.BigQuerySchema;
import java.util.ArrayList;
import java.util.List;
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
 * The Spark path's adapter to {@link BigQuerySchema}: a scored DataFrame's columns as BigQuery columns — Spark's
 * integers {@code INT64}, {@code float} and {@code double} {@code FLOAT64} (a {@code float} widened exactly),
 * {@code boolean} {@code BOOL}, {@code date} {@code DATE}, {@code timestamp} {@code TIMESTAMP}, an array a
 * {@code REPEATED} field of its element's type — and a row as the values {@link BigQuerySchema#encode} takes. Other
 * types (structs, maps, decimals, binary, arrays of arrays) are refused before scoring
 * ({@link IllegalArgumentException} naming the column).
 */
final class SparkBigQuery {
  private SparkBigQuery() {}

  /** The table's columns for rows of {@code schema}. */
  static BigQuerySchema schema(StructType schema) {
    List<BigQuerySchema.Column> out = new ArrayList<>();
    for (StructField f : schema.fields()) {
      BigQuerySchema.checkName(f.name());
      DataType type = f.dataType();
      boolean repeated = type instanceof ArrayType;
      StandardSQLTypeName t = scalar(repeated ? ((ArrayType) type).elementType() : type);
      if (t == null) {
        throw new IllegalArgumentException("column '" + f.name() + "' is " + type.catalogString()
            + ", which a BigQuery output cannot hold (it takes strings, integers, floating point numbers, booleans,"
            + " dates, timestamps and arrays of them)");
      }
      out.add(new BigQuerySchema.Column(f.name(), t, repeated));
    }
    return BigQuerySchema.of(out);
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

  /** A scored row's values, in its columns' order (an array as a {@link List}). */
  static Object[] values(Row row) {
    Object[] values = new Object[row.length()];
    for (int i = 0; i < values.length; i++) {
      if (!row.isNullAt(i)) {
        Object v = row.get(i);
        values[i] = v instanceof scala.collection.Seq<?> ? row.getList(i) : v;
      }
    }
    return values;
  }
}
