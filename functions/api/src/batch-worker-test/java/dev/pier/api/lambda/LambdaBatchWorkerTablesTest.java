package dev.pier.api.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.batch.TableOutputs;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The batch worker's zip carries the table outputs its tasks write ({@code glue://}, Iceberg, {@code bigquery://}): the
 * provider the wiring looks up ({@link TableOutputs#find}) is on its class path, with Glue's client.
 * ({@code LambdaApiZipClassesTest} checks the API's zip has neither.)
 */
class LambdaBatchWorkerTablesTest {
  @Test
  void theZipFindsItsTableOutputs() throws Exception {
    assertThat(ServiceLoader.load(TableOutputs.Provider.class).stream().map(p -> p.type().getName()))
        .containsExactly("dev.pier.batch.tables.CatalogTableOutputs$Provider");
    assertThat(Class.forName("software.amazon.awssdk.services.glue.GlueClient")).isNotNull();
  }

  /**
   * {@code "table_format": "iceberg"}: Iceberg's Glue catalog starts with the zip's own jars (its AWS module loads
   * the KMS client's model classes and S3FileIO's when it starts, even unused), and its Parquet writer's classes load.
   */
  @Test
  void icebergsCatalogStartsAndItsParquetWriterLoads() throws Exception {
    var connection = dev.pier.batch.tables.IcebergConnection.of("us-east-1", java.net.URI.create("http://127.0.0.1:9"),
        java.net.URI.create("http://127.0.0.1:9"), "key", "secret");
    try (var catalog = connection.catalog("s3://batch/tables/")) {
      assertThat(catalog.name()).isEqualTo("pier");
    }
    for (String name : new String[] {"org.apache.iceberg.data.parquet.GenericParquetWriter",
        "org.apache.iceberg.parquet.Parquet", "org.apache.parquet.avro.AvroWriteSupport",
        "org.apache.iceberg.aws.s3.S3FileIO"}) {
      assertThat(Class.forName(name)).as(name).isNotNull();
    }
  }
}
