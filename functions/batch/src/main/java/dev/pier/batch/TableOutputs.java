package dev.pier.batch;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.runtime.Tensor;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The catalogs and warehouses behind table outputs ({@code glue://db.table}, {@code bigquery://project.dataset.table}):
 * what the batch worker needs beyond S3 to create or check a job's table ({@code validate}), write a chunk's rows to
 * it ({@code score-chunk}) and make them the table's ({@code write-results}). Their clients (Glue's, Google's and
 * gRPC) are large, so they live in {@code pier-batch-tables}, which only the batch worker's zip, the plain server and
 * the Spark job carry: the API Lambda's zip has this interface and no implementation ({@link #find} answers null),
 * and its code never loads those classes.
 */
public interface TableOutputs {
  /** Before any chunk is scored: creates or checks the job's table for {@code schema}; a {@link BatchError} if refused. */
  void ensure(BatchJob job, TableSchema schema);

  /** Where chunk {@code index}'s rows go; written again when the chunk is retried, each row in the table once. */
  Chunk chunk(BatchJob job, TableSchema schema, int index);

  /** Once every chunk is written: the rows become the table's; the locations the job's manifest lists. */
  List<String> register(BatchJob job, TableSchema schema);

  /** A failure of the catalog or warehouse worth retrying, as the message of a {@link TransientError}; else null. */
  String transientFailure(RuntimeException e);

  /** A chunk's rows on their way to the table. */
  interface Chunk extends AutoCloseable {
    /** One row: its input values, row {@code offset} of its outputs (null for an error row) and its error. */
    void write(Object[] inputs, List<Tensor> outputs, int offset, String error);

    /** Every row written: they are in the table (or, for a partition of files, where the catalog will find them). */
    void commit();

    @Override
    void close();
  }

  /**
   * Makes the table outputs of a worker ({@code META-INF/services/dev.pier.batch.TableOutputs$Provider} in
   * {@code pier-batch-tables}).
   *
   * <p>{@code env}: the process environment, plus settings the wiring adds ({@code PIER_BIGQUERY_CREDENTIALS}).
   */
  interface Provider {
    TableOutputs create(S3Client s3, BatchSettings settings, AwsClients aws, Map<String, String> env);
  }

  /** The table outputs on the class path, or null where none is (the API Lambda's zip). */
  static TableOutputs find(S3Client s3, BatchSettings settings, AwsClients aws, Map<String, String> env) {
    return ServiceLoader.load(Provider.class, TableOutputs.class.getClassLoader()).findFirst()
        .map(p -> p.create(s3, settings, aws, env)).orElse(null);
  }
}
