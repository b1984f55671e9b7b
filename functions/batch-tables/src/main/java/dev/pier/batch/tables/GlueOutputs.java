package dev.pier.batch.tables;

import dev.pier.batch.BatchJob;
import dev.pier.batch.PartitionFiles;
import dev.pier.batch.TableMode;
import dev.pier.batch.TableOutputs;
import dev.pier.batch.TableSchema;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code glue://db.table} outputs: the table in the Glue Data Catalog ({@link GlueCatalog}), each chunk a Parquet file
 * under the job's partition ({@link PartitionFiles}), the partition registered once every chunk is written. The Glue
 * client is made when the first such job needs it.
 */
public final class GlueOutputs implements TableOutputs {
  private final S3Client s3;
  private final Supplier<GlueClient> clients;
  private volatile GlueCatalog catalog;

  public GlueOutputs(S3Client s3, Supplier<GlueClient> clients) {
    this.s3 = s3;
    this.clients = clients;
  }

  @Override
  public void ensure(BatchJob job, TableSchema schema) {
    catalog().ensure(job.table(), schema.columns(), PartitionFiles.tableLocation(job).toString(), job.tableMode(),
        job.id());
  }

  @Override
  public Chunk chunk(BatchJob job, TableSchema schema, int index) {
    return PartitionFiles.chunk(s3, job, schema, index);
  }

  @Override
  public List<String> register(BatchJob job, TableSchema schema) {
    if (job.tableMode() == TableMode.OVERWRITE) {
      catalog().replace(job.table(), schema.columns(), PartitionFiles.tableLocation(job), job.id(), s3);
    }
    String partition = PartitionFiles.partition(job).toString();
    catalog().addPartition(job.table(), schema.columns(), job.id(), PartitionFiles.date(job), partition,
        job.engine().id(), job.version());
    return List.of(partition);
  }

  @Override
  public String transientFailure(RuntimeException e) {
    return null; // the Glue SDK's client failures are SdkClientExceptions, which the worker retries already
  }

  private GlueCatalog catalog() {
    GlueCatalog c = catalog;
    if (c == null) {
      synchronized (this) {
        if (catalog == null) {
          catalog = new GlueCatalog(clients.get());
        }
        c = catalog;
      }
    }
    return c;
  }
}
