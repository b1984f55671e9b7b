package dev.pier.features;

/** Where a feature view's rows come from: Parquet in S3, or rows pushed over HTTP (backed by a Parquet source). */
public sealed interface DataSource {
  String name();

  String description();

  /**
   * Parquet under an S3 location: one file, or a prefix of files (Hive-style {@code key=value/} folders allowed).
   * {@code createdTimestampColumn} (may be null) breaks ties between rows of the same event time: the later wins.
   */
  record Parquet(String name, String path, String timestampField, String createdTimestampColumn, String description)
      implements DataSource {}

  /** Feast's PushSource: rows arrive by {@code POST /push}; {@code batchSource} holds their history. */
  record Push(String name, String batchSource, String description) implements DataSource {}
}
