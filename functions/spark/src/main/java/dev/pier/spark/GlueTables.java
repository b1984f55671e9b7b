package dev.pier.spark;

import dev.pier.batch.BatchError;
import dev.pier.batch.tables.GlueCatalog;
import dev.pier.batch.S3Uri;
import dev.pier.batch.TableColumn;
import dev.pier.batch.TableMode;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A Spark job's results as a table of the Glue Data Catalog (which Athena queries): the Lambda path's
 * {@link GlueCatalog} — one external Parquet table partitioned by {@code job_id} and {@code date} whichever engine
 * writes it — given the scored rows' Spark schema as its columns (Hive type names: Spark's {@code catalogString}).
 * Refusals are {@link IllegalArgumentException}s naming the table, the mode and the difference.
 */
final class GlueTables {
  private final GlueCatalog catalog;

  GlueTables(GlueClient glue) {
    this.catalog = new GlueCatalog(glue);
  }

  /** The table's columns of a Spark schema. */
  static List<TableColumn> columns(StructType schema) {
    List<TableColumn> out = new ArrayList<>();
    for (StructField f : schema.fields()) {
      out.add(new TableColumn(f.name(), f.dataType().catalogString()));
    }
    return out;
  }

  /** Before scoring: creates the table or decides whether it takes this job's partition ({@link GlueCatalog#ensure}). */
  void ensure(String qualified, StructType schema, String location, TableMode mode, String jobId) {
    try {
      catalog.ensure(qualified, columns(schema), location, mode, jobId);
    } catch (BatchError e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  /** Mode overwrite, after this job's partition is written ({@link GlueCatalog#replace}). */
  void replace(String qualified, StructType schema, String location, String jobId, S3Client s3) {
    catalog.replace(qualified, columns(schema), S3Uri.parse(location, "table location"), jobId, s3);
  }

  /** Adds the job's partition ({@code location}: its folder); no-op when it exists. */
  void addPartition(String qualified, StructType schema, String jobId, String date, String location, int version) {
    catalog.addPartition(qualified, columns(schema), jobId, date, location, "spark", version);
  }
}
