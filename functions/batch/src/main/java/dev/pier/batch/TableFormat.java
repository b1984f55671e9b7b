package dev.pier.batch;

import dev.pier.kernel.PierException;
import java.util.Locale;

/**
 * How a {@code glue://db.table} output holds its rows: {@link #PARQUET} (the default) an external Parquet table whose
 * partitions are {@code job_id=…/date=…} folders; {@link #ICEBERG} an Apache Iceberg table in the Glue catalog,
 * partitioned by {@code identity(job_id)} and {@code day(date)}, each chunk in it once: the Spark path commits a
 * snapshot per wave of chunks, the Lambda path one for all of a job's chunks (pier-batch-tables' {@code IcebergChunks}).
 */
public enum TableFormat {
  PARQUET,
  ICEBERG;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The format a request names; null or blank is {@link #PARQUET}. */
  public static TableFormat parse(String s) {
    if (s == null || s.isBlank()) {
      return PARQUET;
    }
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw PierException.badRequest("table_format must be parquet (the default) or iceberg, not '" + s + "'");
    }
  }
}
