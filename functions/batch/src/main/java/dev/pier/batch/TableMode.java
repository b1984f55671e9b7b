package dev.pier.batch;

import dev.pier.kernel.PierException;
import java.util.Locale;

/**
 * What a job whose output is a table ({@code glue://db.table}, {@code bigquery://project.dataset.table}) does when the
 * table exists, as Spark's save modes:
 * {@link #ERROR_IF_EXISTS} (the default) refuses it; {@link #APPEND} adds the job's partition to a table with the same
 * columns (another schema is refused); {@link #OVERWRITE} replaces the table's columns and its other jobs' partitions
 * (their files included) once the job's own partition is written — a BigQuery table is deleted and recreated when the
 * job starts instead. Every refusal comes before any row is scored.
 */
public enum TableMode {
  ERROR_IF_EXISTS,
  APPEND,
  OVERWRITE;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The mode a request names; null or blank is {@link #ERROR_IF_EXISTS}. */
  public static TableMode parse(String s) {
    if (s == null || s.isBlank()) {
      return ERROR_IF_EXISTS;
    }
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw PierException.badRequest("mode must be error_if_exists (the default), append or overwrite, not '" + s
          + "'");
    }
  }
}
