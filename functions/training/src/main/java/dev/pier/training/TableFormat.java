package dev.pier.training;

import dev.pier.kernel.PierException;
import java.util.Locale;

/** The file formats a training table is read from. */
public enum TableFormat {
  PARQUET,
  /** RFC 4180 CSV with a header row. */
  CSV;

  /** {@code "parquet"} or {@code "csv"} (any case); anything else is a 400 naming it. */
  public static TableFormat of(String name) {
    if (name != null) {
      switch (name.toLowerCase(Locale.ROOT)) {
        case "parquet" -> {
          return PARQUET;
        }
        case "csv" -> {
          return CSV;
        }
        default -> { }
      }
    }
    throw PierException.badRequest("unknown dataset format '" + name + "': parquet or csv");
  }
}
