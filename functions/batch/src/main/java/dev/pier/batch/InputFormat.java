package dev.pier.batch;

import dev.pier.kernel.PierException;
import java.util.Locale;

/** The file formats batch jobs read, and write their results in. */
public enum InputFormat {
  /** One JSON object per line: the model's input names to the row's values, plus an optional {@code id}. */
  JSONL(".jsonl"),
  /** A header row, then one row per record (RFC 4180 quoting). */
  CSV(".csv"),
  /** Apache Parquet: one column per input (or a list column), optional {@code id}; chunks are row groups. */
  PARQUET(".parquet");

  private final String extension;

  InputFormat(String extension) {
    this.extension = extension;
  }

  public String extension() {
    return extension;
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static InputFormat parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw PierException.badRequest("format must be jsonl, csv or parquet, not '" + s + "'");
    }
  }

  /**
   * The format a key's extension names ({@code .jsonl}, {@code .ndjson}, {@code .json}, {@code .csv},
   * {@code .parquet}, {@code .pq}), or null.
   */
  public static InputFormat ofKey(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    if (k.endsWith(".jsonl") || k.endsWith(".ndjson") || k.endsWith(".json")) {
      return JSONL;
    }
    if (k.endsWith(".csv")) {
      return CSV;
    }
    if (k.endsWith(".parquet") || k.endsWith(".pq")) {
      return PARQUET;
    }
    return null;
  }
}
