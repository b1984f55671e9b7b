package dev.pier.batch.tables;

import dev.pier.batch.BatchError;
import dev.pier.batch.S3Uri;
import dev.pier.batch.TableColumn;
import dev.pier.batch.TableMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.model.AlreadyExistsException;
import software.amazon.awssdk.services.glue.model.Column;
import software.amazon.awssdk.services.glue.model.EntityNotFoundException;
import software.amazon.awssdk.services.glue.model.PartitionInput;
import software.amazon.awssdk.services.glue.model.PartitionValueList;
import software.amazon.awssdk.services.glue.model.SerDeInfo;
import software.amazon.awssdk.services.glue.model.StorageDescriptor;
import software.amazon.awssdk.services.glue.model.Table;
import software.amazon.awssdk.services.glue.model.TableInput;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A job's table in the Glue Data Catalog, whichever engine scored it (the Spark path's {@code GlueTables} turns its
 * schema into these columns and calls this): an external Parquet table with one location, partition keys and table
 * parameters, so either engine may append to the other's table; decided before any chunk is scored ({@link #ensure}),
 * its partition registered once every chunk is written ({@link #addPartition}, {@code BatchCreatePartition}; one that
 * exists already is left as it is).
 */
public final class GlueCatalog {
  static final List<Column> PARTITION_KEYS = List.of(Column.builder().name("job_id").type("string").build(),
      Column.builder().name("date").type("string").build());
  /** The table parameter naming the job that created (or last overwrote) the table. */
  static final String CREATED_BY = "pier_job_id";
  /** The partition parameters naming what scored it. */
  static final String ENGINE = "pier_engine";
  static final String VERSION = "pier_model_version";

  private final GlueClient glue;

  public GlueCatalog(GlueClient glue) {
    this.glue = glue;
  }

  /**
   * Creates {@code db.table} at {@code location} with {@code columns} (and the database if missing), or decides
   * whether the existing table takes this job's partition: a table this job created (a resumed job) always; otherwise
   * as {@code mode} says. A {@link BatchError} naming the table, the mode and the difference when refused.
   */
  public void ensure(String qualified, List<TableColumn> columns, String location, TableMode mode, String jobId) {
    String[] parts = qualified.split("\\.", 2);
    List<Column> want = glueColumns(columns);
    Table existing;
    try {
      existing = glue.getTable(b -> b.databaseName(parts[0]).name(parts[1])).table();
    } catch (EntityNotFoundException e) {
      existing = null;
    }
    if (existing != null) {
      List<String> have = describe(existing.storageDescriptor().columns());
      boolean same = have.equals(describe(want)) && describe(existing.partitionKeys()).equals(describe(PARTITION_KEYS));
      boolean ours = jobId.equals(existing.parameters().get(CREATED_BY));
      if (mode == TableMode.OVERWRITE || ours && same) {
        return; // replaced once this job's chunks are written (overwrite); or this job's own table (resumed)
      }
      if (mode == TableMode.ERROR_IF_EXISTS) {
        throw new BatchError("table " + qualified + " exists, and mode error_if_exists (the default) refuses it:"
            + " \"mode\": \"append\" adds this job's partition to it, \"overwrite\" replaces it");
      }
      if (!same) {
        throw new BatchError("table " + qualified + " exists with columns " + have + " partitioned by "
            + describe(existing.partitionKeys()) + "; this job writes " + describe(want)
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
      glue.createTable(b -> b.databaseName(parts[0]).tableInput(input(parts[1], want, location, jobId)));
    } catch (AlreadyExistsException e) {
      ensure(qualified, columns, location, mode, jobId); // created meanwhile by another job: decide again
    }
  }

  /**
   * Mode overwrite, once this job's chunks are written: the table takes this job's columns, every other job's
   * partition is dropped, and their files under {@code location} deleted. Idempotent.
   */
  public void replace(String qualified, List<TableColumn> columns, S3Uri location, String jobId, S3Client s3) {
    String[] parts = qualified.split("\\.", 2);
    glue.updateTable(b -> b.databaseName(parts[0]).tableInput(input(parts[1], glueColumns(columns),
        location.toString(), jobId)));
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
    String keep = location.key() + "job_id=" + jobId + "/";
    for (var o : s3.listObjectsV2Paginator(b -> b.bucket(location.bucket()).prefix(location.key())).contents()) {
      if (!o.key().startsWith(keep)) {
        s3.deleteObject(b -> b.bucket(location.bucket()).key(o.key()));
      }
    }
  }

  /**
   * Registers the job's partition ({@code location}: its folder; parameters: the {@code engine} and the model
   * version that scored it) with {@code BatchCreatePartition}; a partition that exists already (a retried or resumed
   * job) is not an error, any other refusal is.
   */
  public void addPartition(String qualified, List<TableColumn> columns, String jobId, String date, String location,
      String engine, int version) {
    String[] parts = qualified.split("\\.", 2);
    PartitionInput partition = PartitionInput.builder().values(jobId, date)
        .parameters(Map.of(ENGINE, engine, VERSION, Integer.toString(version)))
        .storageDescriptor(descriptor(glueColumns(columns), location)).build();
    var errors = glue.batchCreatePartition(b -> b.databaseName(parts[0]).tableName(parts[1])
        .partitionInputList(partition)).errors();
    for (var e : errors) {
      if (e.errorDetail() == null || !"AlreadyExistsException".equals(e.errorDetail().errorCode())) {
        throw new IllegalStateException("Glue did not register partition job_id=" + jobId + "/date=" + date + " of "
            + qualified + ": " + (e.errorDetail() == null ? "no detail"
            : e.errorDetail().errorCode() + ": " + e.errorDetail().errorMessage()));
      }
    }
  }

  /** The catalog's columns (names lower-cased, as Glue keeps them). */
  static List<Column> glueColumns(List<TableColumn> columns) {
    return columns.stream().map(c -> Column.builder().name(c.catalogName()).type(c.type()).build()).toList();
  }

  private static TableInput input(String name, List<Column> columns, String location, String jobId) {
    return TableInput.builder().name(name).tableType("EXTERNAL_TABLE")
        .parameters(Map.of("classification", "parquet", "EXTERNAL", "TRUE", CREATED_BY, jobId))
        .partitionKeys(PARTITION_KEYS).storageDescriptor(descriptor(columns, location)).build();
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
