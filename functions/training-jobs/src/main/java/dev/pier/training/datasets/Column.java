package dev.pier.training.datasets;

/** A dataset column: its name and the type DuckDB reads it as ({@code BIGINT}, {@code DOUBLE}, {@code VARCHAR}, …). */
public record Column(String name, String type) {
  /** Whether XGBoost can take the column as it is (no encoding needed). */
  public boolean numeric() {
    return switch (type.replaceAll("\\(.*", "")) {
      case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
          "FLOAT", "DOUBLE", "DECIMAL", "BOOLEAN" -> true;
      default -> false;
    };
  }
}
