package dev.pier.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.model.AlreadyExistsException;
import software.amazon.awssdk.services.glue.model.Column;
import software.amazon.awssdk.services.glue.model.EntityNotFoundException;
import software.amazon.awssdk.services.glue.model.SerDeInfo;
import software.amazon.awssdk.services.glue.model.StorageDescriptor;
import software.amazon.awssdk.services.glue.model.Table;

/**
 * A job's results as a table of the Glue Data Catalog (which Athena queries): an external Parquet table partitioned by
 * {@code job_id} and {@code date}, each job adding its partition. A table that exists with other columns is refused
 * before anything is scored; one with the same columns gets the job's partition (jobs append). Partitions are added
 * idempotently (a retried job's partition exists already).
 */
final class GlueTables {
  static final List<Column> PARTITION_KEYS = List.of(Column.builder().name("job_id").type("string").build(),
      Column.builder().name("date").type("string").build());

  private final GlueClient glue;

  GlueTables(GlueClient glue) {
    this.glue = glue;
  }

  /** The Glue columns of a Spark schema (Hive type names, as Athena reads them). */
  static List<Column> columns(StructType schema) {
    List<Column> out = new ArrayList<>();
    for (StructField f : schema.fields()) {
      out.add(Column.builder().name(f.name().toLowerCase(java.util.Locale.ROOT)).type(f.dataType().catalogString())
          .build());
    }
    return out;
  }

  /**
   * Creates {@code db.table} at {@code location} with {@code schema}'s columns, or checks an existing one has them;
   * throws {@link IllegalArgumentException} naming the difference otherwise. Creates the database if missing.
   */
  void ensure(String qualified, StructType schema, String location) {
    String[] parts = qualified.split("\\.", 2);
    List<Column> columns = columns(schema);
    Table existing;
    try {
      existing = glue.getTable(b -> b.databaseName(parts[0]).name(parts[1])).table();
    } catch (EntityNotFoundException e) {
      existing = null;
    }
    if (existing != null) {
      List<String> have = describe(existing.storageDescriptor().columns());
      List<String> want = describe(columns);
      if (!have.equals(want) || !describe(existing.partitionKeys()).equals(describe(PARTITION_KEYS))) {
        throw new IllegalArgumentException("table " + qualified + " exists with columns " + have
            + " partitioned by " + describe(existing.partitionKeys()) + "; this job writes " + want
            + " partitioned by [job_id string, date string]");
      }
      return;
    }
    try {
      glue.createDatabase(b -> b.databaseInput(d -> d.name(parts[0])));
    } catch (AlreadyExistsException e) {
      // there already
    }
    try {
      glue.createTable(b -> b.databaseName(parts[0]).tableInput(t -> t.name(parts[1]).tableType("EXTERNAL_TABLE")
          .parameters(java.util.Map.of("classification", "parquet", "EXTERNAL", "TRUE"))
          .partitionKeys(PARTITION_KEYS).storageDescriptor(descriptor(columns, location))));
    } catch (AlreadyExistsException e) {
      ensure(qualified, schema, location); // created meanwhile by another job: it must match as well
    }
  }

  /** Adds the job's partition ({@code location}: the partition's folder); no-op when it exists. */
  void addPartition(String qualified, StructType schema, String jobId, String date, String location) {
    String[] parts = qualified.split("\\.", 2);
    try {
      glue.createPartition(b -> b.databaseName(parts[0]).tableName(parts[1]).partitionInput(p -> p
          .values(jobId, date).storageDescriptor(descriptor(columns(schema), location))));
    } catch (AlreadyExistsException e) {
      // a retried job: its partition was added already
    }
  }

  private static StorageDescriptor descriptor(List<Column> columns, String location) {
    return StorageDescriptor.builder().columns(columns).location(location)
        .inputFormat("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat")
        .outputFormat("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat")
        .serdeInfo(SerDeInfo.builder()
            .serializationLibrary("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe").build())
        .build();
  }

  private static List<String> describe(List<Column> columns) {
    return columns.stream().map(c -> c.name() + " " + c.type()).toList();
  }
}
