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
import software.amazon.awssdk.services.glue.model.PartitionValueList;
import software.amazon.awssdk.services.glue.model.Table;
import software.amazon.awssdk.services.glue.model.TableInput;
import software.amazon.awssdk.services.s3.S3Client;
import dev.pier.batch.S3Uri;
import dev.pier.batch.TableMode;

/**
 * A job's results as a table of the Glue Data Catalog (which Athena queries): an external Parquet table partitioned by
 * {@code job_id} and {@code date}, each job adding its partition. What a job does with a table that exists is its
 * {@link TableMode}, decided before anything is scored. Partitions are added idempotently (a retried job's partition
 * exists already).
 */
final class GlueTables {
  static final List<Column> PARTITION_KEYS = List.of(Column.builder().name("job_id").type("string").build(),
      Column.builder().name("date").type("string").build());

  /** The table parameter naming the job that created (or last overwrote) the table. */
  static final String CREATED_BY = "pier_job_id";

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
   * Before scoring: creates {@code db.table} at {@code location} with {@code schema}'s columns (and the database if
   * missing), or decides whether the existing table may take this job's partition: a table this job created (a
   * resumed job) always; otherwise as {@code mode} says ({@link TableMode}). Throws {@link IllegalArgumentException}
   * naming the table, the mode and the difference when refused.
   */
  void ensure(String qualified, StructType schema, String location, TableMode mode, String jobId) {
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
      boolean same = have.equals(want) && describe(existing.partitionKeys()).equals(describe(PARTITION_KEYS));
      boolean ours = jobId.equals(existing.parameters().get(CREATED_BY));
      if (mode == TableMode.OVERWRITE || ours && same) {
        return; // replaced once this job's partition is written (overwrite); or this job's own table (resumed)
      }
      if (mode == TableMode.ERROR_IF_EXISTS) {
        throw new IllegalArgumentException("table " + qualified + " exists, and mode error_if_exists (the default)"
            + " refuses it: \"mode\": \"append\" adds this job's partition to it, \"overwrite\" replaces it");
      }
      if (!same) {
        throw new IllegalArgumentException("table " + qualified + " exists with columns " + have
            + " partitioned by " + describe(existing.partitionKeys()) + "; this job writes " + want
            + " partitioned by [job_id string, date string], which mode append cannot add to it");
      }
      return;
    }
    try {
      glue.createDatabase(b -> b.databaseInput(d -> d.name(parts[0])));
    } catch (AlreadyExistsException e) {
      // there already
    }
    try {
      glue.createTable(b -> b.databaseName(parts[0]).tableInput(input(parts[1], columns, location, jobId)));
    } catch (AlreadyExistsException e) {
      ensure(qualified, schema, location, mode, jobId); // created meanwhile by another job: decide again
    }
  }

  /**
   * Mode overwrite, after this job's partition is written: the table takes this job's columns, and every other job's
   * partition is dropped from it, their files under {@code location} deleted. Idempotent (a resumed job repeats it).
   */
  void replace(String qualified, StructType schema, String location, String jobId, S3Client s3) {
    String[] parts = qualified.split("\\.", 2);
    glue.updateTable(b -> b.databaseName(parts[0]).tableInput(input(parts[1], columns(schema), location, jobId)));
    List<List<String>> others = new ArrayList<>();
    for (var page : glue.getPartitionsPaginator(b -> b.databaseName(parts[0]).tableName(parts[1]))) {
      for (var p : page.partitions()) {
        if (!p.values().isEmpty() && !p.values().get(0).equals(jobId)) {
          others.add(p.values());
        }
      }
    }
    for (int i = 0; i < others.size(); i += 25) { // BatchDeletePartition takes 25 at most
      List<List<String>> batch = others.subList(i, Math.min(others.size(), i + 25));
      glue.batchDeletePartition(b -> b.databaseName(parts[0]).tableName(parts[1]).partitionsToDelete(batch.stream()
          .map(v -> PartitionValueList.builder().values(v).build()).toList()));
    }
    S3Uri root = S3Uri.parse(location, "table location");
    String keep = root.key() + "job_id=" + jobId + "/";
    for (var o : s3.listObjectsV2Paginator(b -> b.bucket(root.bucket()).prefix(root.key())).contents()) {
      if (!o.key().startsWith(keep)) {
        s3.deleteObject(b -> b.bucket(root.bucket()).key(o.key()));
      }
    }
  }

  private static TableInput input(String name, List<Column> columns, String location, String jobId) {
    return TableInput.builder().name(name).tableType("EXTERNAL_TABLE")
        .parameters(java.util.Map.of("classification", "parquet", "EXTERNAL", "TRUE", CREATED_BY, jobId))
        .partitionKeys(PARTITION_KEYS).storageDescriptor(descriptor(columns, location)).build();
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
