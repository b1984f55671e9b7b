package dev.pier.batch;

import java.util.List;

/**
 * Rows already in memory (a batch of a Spark partition's rows), read by column name. A value is a {@link Number}, a
 * {@link Boolean}, a {@link String}, a {@link List} of those (an array column: a row's values of a {@code [-1, n]}
 * input), or null.
 */
public interface RowSource {
  int size();

  /** The names of the columns: what a feature pipeline's instances are made of. */
  List<String> columns();

  /** Row {@code row}'s value of column {@code column}; null when it is null or there is no such column. */
  Object value(int row, String column);
}
