package dev.pier.batch.tables;

import dev.pier.batch.BatchError;
import dev.pier.batch.BatchJob;
import dev.pier.batch.PartitionFiles;
import dev.pier.batch.S3Uri;
import dev.pier.batch.TableOutputs;
import dev.pier.batch.TableSchema;
import dev.pier.batch.bigquery.BigQueryChunks;
import dev.pier.batch.bigquery.BigQueryConnection;
import dev.pier.batch.bigquery.BigQuerySchema;
import dev.pier.batch.bigquery.BigQueryTables;
import dev.pier.batch.bigquery.BigQueryTarget;
import dev.pier.runtime.Tensor;
import java.time.LocalDate;
import java.util.List;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * {@code bigquery://project.dataset.table} outputs, written as the Spark path writes them: the table created or
 * checked ({@link BigQueryTables}), each chunk one committed Storage Write API stream ({@link BigQueryChunks}) recorded
 * under {@code jobs/<id>/bigquery/} of the batch bucket, so a retried or resumed chunk whose stream was committed is
 * not written again and one whose stream was not is written anew (the old stream's rows never become visible).
 */
public final class BigQueryOutputs implements TableOutputs {
  private final S3Client s3;
  private final String bucket;
  private final BigQueryConnection connection;

  /** {@code bucket}: the batch bucket; {@code connection}: null where BigQuery is not configured. */
  public BigQueryOutputs(S3Client s3, String bucket, BigQueryConnection connection) {
    this.s3 = s3;
    this.bucket = bucket;
    this.connection = connection;
  }

  @Override
  public void ensure(BatchJob job, TableSchema schema) {
    BigQueryTarget target = BigQueryTarget.parse(job.table());
    BigQuerySchema columns = BigQueryRows.schema(schema); // a column BigQuery cannot hold: refused before any chunk
    try {
      new BigQueryTables(connection().tables(target.project(), this::read))
          .ensure(target, columns, job.tableMode(), job.id());
    } catch (IllegalArgumentException e) {
      throw new BatchError(e.getMessage());
    }
  }

  @Override
  public Chunk chunk(BatchJob job, TableSchema schema, int index) {
    BigQueryTarget target = BigQueryTarget.parse(job.table());
    BigQuerySchema columns = BigQueryRows.schema(schema);
    LocalDate date = LocalDate.parse(PartitionFiles.date(job));
    var client = connection().writer(this::read);
    try {
      var chunks = new BigQueryChunks(client, target, columns, s3, new S3Uri(bucket, "jobs/" + job.id() + "/bigquery/"));
      var attempt = chunks.committed(index) ? null : chunks.open(index);
      return new Chunk() {
        @Override
        public void write(Object[] inputs, List<Tensor> outputs, int offset, String error) {
          if (attempt != null) {
            attempt.add(columns.encode(schema.values(inputs, outputs, offset, error), job.id(), date));
          }
        }

        @Override
        public void commit() {
          if (attempt != null) {
            attempt.commit();
          }
        }

        @Override
        public void close() {
          client.close();
        }
      };
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  @Override
  public List<String> register(BatchJob job, TableSchema schema) {
    return List.of(); // each chunk's stream was committed to the table as it was written
  }

  @Override
  public String transientFailure(RuntimeException e) {
    if (e instanceof com.google.api.gax.rpc.ApiException a && a.isRetryable() // the Storage Write API
        || e instanceof com.google.cloud.BaseServiceException b && b.isRetryable()) { // BigQuery's REST API
      return "BigQuery: " + e.getMessage();
    }
    return null;
  }

  private BigQueryConnection connection() {
    if (connection == null) {
      throw new BatchError("this batch worker has no BigQuery connection: bigquery:// outputs cannot be written here");
    }
    return connection;
  }

  /** An S3 object's bytes (a BigQuery key named by an {@code s3://} URI). */
  private byte[] read(S3Uri uri) {
    try {
      return s3.getObjectAsBytes(b -> b.bucket(uri.bucket()).key(uri.key())).asByteArray();
    } catch (NoSuchKeyException e) {
      throw new BatchError("the BigQuery key " + uri + " does not exist");
    }
  }
}
