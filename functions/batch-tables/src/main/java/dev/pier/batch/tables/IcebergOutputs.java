package dev.pier.batch.tables;

import dev.pier.batch.BatchError;
import dev.pier.batch.BatchJob;
import dev.pier.batch.PartitionFiles;
import dev.pier.batch.S3Uri;
import dev.pier.batch.TableOutputs;
import dev.pier.batch.TableSchema;
import dev.pier.runtime.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.List;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.apache.iceberg.aws.glue.GlueCatalog;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code glue://db.table} outputs with {@code "table_format": "iceberg"} on the Lambda path: the table created,
 * checked or replaced as the Spark path does it ({@link IcebergTable}); each chunk one Parquet data file of the table
 * with its metadata recorded under {@code jobs/<id>/iceberg/} of the batch bucket ({@link IcebergChunks}); every
 * chunk's file committed at once in {@link #register}, in one snapshot naming the job, so a retried step commits
 * nothing twice.
 */
public final class IcebergOutputs implements TableOutputs {
  private final S3Client s3;
  private final String bucket;
  private final IcebergConnection connection;

  /** {@code bucket}: the batch bucket (the chunk records); {@code connection}: Iceberg's Glue catalog and files. */
  public IcebergOutputs(S3Client s3, String bucket, IcebergConnection connection) {
    this.s3 = s3;
    this.bucket = bucket;
    this.connection = connection;
  }

  @Override
  public void ensure(BatchJob job, TableSchema schema) {
    try (GlueCatalog catalog = connection.catalog(warehouse(job))) {
      IcebergTable.ensure(catalog, job.table(), IcebergTable.schema(schema.columns()),
          PartitionFiles.tableLocation(job).toString().replaceAll("/$", ""), job.tableMode(), job.id());
    } catch (IllegalArgumentException e) {
      throw new BatchError(e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Chunk chunk(BatchJob job, TableSchema schema, int index) {
    GlueCatalog catalog = connection.catalog(warehouse(job));
    try {
      Table table = catalog.loadTable(IcebergTable.identifier(job.table()));
      IcebergChunks chunks = chunks(job);
      IcebergChunks.ChunkFile out = chunks.open(table, schema, job.id(), LocalDate.parse(PartitionFiles.date(job)),
          index);
      return new Chunk() {
        @Override
        public void write(Object[] inputs, List<Tensor> outputs, int offset, String error) {
          out.write(inputs, outputs, offset, error);
        }

        @Override
        public void commit() {
          DataFile file = out.finish();
          chunks.record(table, index, file);
        }

        @Override
        public void close() {
          try (catalog) {
            out.close();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };
    } catch (RuntimeException e) { // the chunk never opened: nothing else closes the catalog
      close(catalog);
      throw e instanceof NoSuchTableException
          ? new BatchError("Iceberg table " + job.table() + " was dropped while the job wrote it") : e;
    }
  }

  @Override
  public List<String> register(BatchJob job, TableSchema schema) {
    try (GlueCatalog catalog = connection.catalog(warehouse(job))) {
      chunks(job).commit(catalog.loadTable(IcebergTable.identifier(job.table())), job.id(), job.plan().chunks(),
          job.version());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.of();
  }

  @Override
  public String transientFailure(RuntimeException e) {
    return e instanceof CommitFailedException || e instanceof CommitStateUnknownException
        ? "Iceberg: " + e.getMessage() : null;
  }

  private IcebergChunks chunks(BatchJob job) {
    return new IcebergChunks(s3, new S3Uri(bucket, "jobs/" + job.id() + "/iceberg/"));
  }

  /** Iceberg's default warehouse for a job's tables, as the Spark path sets it: {@code tables/} of its bucket. */
  private static String warehouse(BatchJob job) {
    return new S3Uri(job.output().bucket(), "tables/").toString();
  }

  private static void close(GlueCatalog catalog) {
    try {
      catalog.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
