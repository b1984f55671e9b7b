package dev.pier.training.datasets;

import dev.pier.kernel.PierException;
import java.util.Locale;

/** The file formats a dataset may be in. */
public enum DataFormat {
  CSV(".csv"), PARQUET(".parquet");

  private final String extension;

  DataFormat(String extension) {
    this.extension = extension;
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean matches(String key) {
    return key.toLowerCase(Locale.ROOT).endsWith(extension);
  }

  /** {@code format} when given, else the one the key's extension names; a 400 when neither says. */
  public static DataFormat of(String format, String key) {
    if (format != null && !format.isBlank()) {
      for (DataFormat f : values()) {
        if (f.id().equals(format.trim().toLowerCase(Locale.ROOT))) {
          return f;
        }
      }
      throw PierException.badRequest("dataset format must be csv or parquet, not '" + format + "'");
    }
    for (DataFormat f : values()) {
      if (f.matches(key)) {
        return f;
      }
    }
    throw PierException.badRequest("dataset format is required when the uri's extension does not name one"
        + " (.csv, .parquet)");
  }
}
