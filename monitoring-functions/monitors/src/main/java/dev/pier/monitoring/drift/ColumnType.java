package dev.pier.monitoring.drift;

/** How a column's values are compared: as numbers on a line, or as unordered categories. */
public enum ColumnType {
  NUMERIC, CATEGORICAL
}
