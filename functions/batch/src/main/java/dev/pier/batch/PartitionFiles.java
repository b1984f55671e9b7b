package dev.pier.batch;

import dev.pier.runtime.Tensor;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Where a catalog table output's rows live, as the Spark path places them: the table's folder
 * {@code tables/<database>/<table>/} of the job's bucket, the job's partition {@code job_id=<id>/date=<the job's
 * creation day, UTC>/} under it, and one Parquet file of the table's columns per chunk, named by the chunk alone
 * ({@code part-NNNNN.snappy.parquet}): a retried or resumed chunk replaces its own file.
 */
public final class PartitionFiles {
  private PartitionFiles() {}

  /** The table's folder. */
  public static S3Uri tableLocation(BatchJob job) {
    String[] parts = job.table().split("\\.", 2);
    return new S3Uri(job.output().bucket(), "tables/" + parts[0] + "/" + parts[1] + "/");
  }

  /** The job's partition folder. */
  public static S3Uri partition(BatchJob job) {
    return tableLocation(job).resolve("job_id=" + job.id() + "/date=" + date(job) + "/");
  }

  /** The job's partition date: its creation day, UTC. */
  public static String date(BatchJob job) {
    return LocalDate.ofInstant(job.createdAt(), ZoneOffset.UTC).toString();
  }

  /** Chunk {@code index}'s file, put when committed. */
  public static TableOutputs.Chunk chunk(S3Client s3, BatchJob job, TableSchema schema, int index) {
    S3Uri file = partition(job).resolve("part-%05d".formatted(index) + ".snappy.parquet");
    TableParquetWriter out = new TableParquetWriter(schema);
    return new TableOutputs.Chunk() {
      @Override
      public void write(Object[] inputs, List<Tensor> outputs, int offset, String error) {
        out.write(inputs, outputs, offset, error);
      }

      @Override
      public void commit() {
        byte[] bytes = out.finish();
        s3.putObject(b -> b.bucket(file.bucket()).key(file.key()), RequestBody.fromBytes(bytes));
      }

      @Override
      public void close() {}
    };
  }
}
