package dev.pier.batch;

import java.util.Locale;

/**
 * A column of a job's table: its name as the rows hold it and its Hive type as the Glue Data Catalog and Athena name
 * it ({@code bigint}, {@code double}, {@code string}, {@code array<float>} …) — Spark's {@code catalogString} of the
 * same column, so a table is the same whichever engine wrote it.
 */
public record TableColumn(String name, String type) {
  /** The name as the catalog keeps it (lower case). */
  public String catalogName() {
    return name.toLowerCase(Locale.ROOT);
  }

  /** Whether the column holds an array (its element type: {@link #elementType()}). */
  public boolean array() {
    return type.startsWith("array<");
  }

  /** The element type of an array column; the type itself otherwise. */
  public String elementType() {
    return array() ? type.substring("array<".length(), type.length() - 1) : type;
  }
}
