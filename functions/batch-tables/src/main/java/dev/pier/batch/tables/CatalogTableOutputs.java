package dev.pier.batch.tables;

import dev.pier.batch.BatchJob;
import dev.pier.batch.BatchSettings;
import dev.pier.batch.TableOutputs;
import dev.pier.batch.TableSchema;
import dev.pier.batch.bigquery.BigQueryConnection;
import dev.pier.kernel.aws.AwsClients;
import java.net.URI;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A job's table output by its scheme and format: {@code bigquery://} to {@link BigQueryOutputs}, a catalog table to
 * {@link GlueOutputs}, or to {@link IcebergOutputs} with {@code "table_format": "iceberg"}.
 */
public final class CatalogTableOutputs implements TableOutputs {
  private final TableOutputs glue;
  private final TableOutputs iceberg;
  private final TableOutputs bigQuery;

  public CatalogTableOutputs(TableOutputs glue, TableOutputs iceberg, TableOutputs bigQuery) {
    this.glue = glue;
    this.iceberg = iceberg;
    this.bigQuery = bigQuery;
  }

  @Override
  public void ensure(BatchJob job, TableSchema schema) {
    of(job).ensure(job, schema);
  }

  @Override
  public Chunk chunk(BatchJob job, TableSchema schema, int index) {
    return of(job).chunk(job, schema, index);
  }

  @Override
  public List<String> register(BatchJob job, TableSchema schema) {
    return of(job).register(job, schema);
  }

  @Override
  public String transientFailure(RuntimeException e) {
    for (TableOutputs outputs : List.of(bigQuery, iceberg, glue)) {
      String message = outputs.transientFailure(e);
      if (message != null) {
        return message;
      }
    }
    return null;
  }

  private TableOutputs of(BatchJob job) {
    return job.bigQuery() ? bigQuery : job.iceberg() ? iceberg : glue;
  }

  /**
   * What {@link TableOutputs#find} makes: Glue at {@code AWS_ENDPOINT_URL_GLUE} where set (a stand-in, as the Spark
   * path reads it), else Glue's own endpoint in the region; Iceberg's Glue catalog and files the same way, with the
   * worker's S3 endpoint and keys; BigQuery as {@code PIER_BIGQUERY_*} say
   * ({@link BigQueryConnection#fromEnvironment}); streams and chunk records in the batch bucket.
   */
  public static final class Provider implements TableOutputs.Provider {
    @Override
    public TableOutputs create(S3Client s3, BatchSettings settings, AwsClients aws, Map<String, String> env) {
      String endpoint = env.get("AWS_ENDPOINT_URL_GLUE");
      URI glueEndpoint = endpoint == null || endpoint.isBlank() ? null : URI.create(endpoint.strip());
      AwsClients.AwsSettings a = aws.settings();
      IcebergConnection iceberg = IcebergConnection.of(a.region(), glueEndpoint, a.s3Endpoint(), a.accessKeyId(),
          a.secretAccessKey());
      return new CatalogTableOutputs(new GlueOutputs(s3, () -> aws.client(GlueClient.builder(), glueEndpoint)),
          new IcebergOutputs(s3, settings.bucket(), iceberg),
          new BigQueryOutputs(s3, settings.bucket(), BigQueryConnection.fromEnvironment(env)));
    }
  }
}
