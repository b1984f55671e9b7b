package dev.pier.api.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.batch.GlueStandIn;
import dev.pier.batch.TableColumn;
import dev.pier.batch.TableMode;
import dev.pier.batch.tables.IcebergConnection;
import dev.pier.batch.tables.IcebergTable;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.parquet.Parquet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch worker zip's own class path (this profile's, {@code -Plambda,batch-worker}) holds the jars an Iceberg table output needs, at versions that work
 * together: Iceberg's GlueCatalog and S3FileIO through the zip's SDK clients, a data file written by Iceberg's Parquet
 * writer (which loads parquet-avro's and Hadoop's classes), one append committed (Avro manifests) and read back,
 * against the Glue and S3 stand-ins. The batch worker's use of them is {@code GlueTableOutputTest}'s, in pier-batch-tables.
 */
class LambdaBatchWorkerIcebergTest {
  @Test
  void aRowIsCommittedAndReadBackThroughTheZipsIcebergJars(@TempDir Path dir) throws Exception {
    try (GlueStandIn glue = new GlueStandIn(); LocalAws aws = LocalAws.start(dir);
        AwsClients clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
            aws.accessKeyId(), aws.secretAccessKey()))) {
      clients.s3().createBucket(b -> b.bucket("batch"));
      IcebergConnection connection = IcebergConnection.of(aws.region(), glue.endpoint(), aws.s3Endpoint(),
          aws.accessKeyId(), aws.secretAccessKey());
      LocalDate day = LocalDate.of(2026, 12, 7);
      try (var catalog = connection.catalog("s3://batch/tables/")) {
        Table table = IcebergTable.ensure(catalog, "lake.lambda", IcebergTable.schema(List.of(
            new TableColumn("id", "bigint"), new TableColumn("p", "array<float>"))), "s3://batch/tables/lake/lambda",
            TableMode.ERROR_IF_EXISTS, "bj-lambda");
        GenericRecord partition = GenericRecord.create(table.spec().partitionType());
        partition.set(0, "bj-lambda");
        partition.set(1, (int) day.toEpochDay());
        DataWriter<Record> writer = Parquet.writeData(table.io().newOutputFile(table.locationProvider()
                .newDataLocation(table.spec(), partition, "part-00000-bj-lambda.parquet")))
            .forTable(table).withPartition(partition).createWriterFunc(GenericParquetWriter::create).overwrite()
            .build();
        GenericRecord row = GenericRecord.create(table.schema());
        row.setField("id", 7L);
        row.setField("p", List.of(0.5f, 0.25f));
        row.setField("job_id", "bj-lambda");
        row.setField("date", day);
        writer.write(row);
        writer.close();
        DataFile file = writer.toDataFile();
        table.newAppend().appendFile(file).set(IcebergTable.JOB, "bj-lambda").commit();

        Table read = catalog.loadTable(IcebergTable.identifier("lake.lambda"));
        assertThat(IcebergTable.snapshotsOf(read, "bj-lambda")).hasSize(1);
        List<Record> rows = new ArrayList<>();
        try (CloseableIterable<Record> records = Parquet.read(read.io().newInputFile(file.location()))
            .project(read.schema()).createReaderFunc(s -> GenericParquetReaders.buildReader(read.schema(), s))
            .build()) {
          records.forEach(r -> rows.add(r.copy()));
        }
        assertThat(rows).singleElement().satisfies(r -> {
          assertThat(r.getField("id")).isEqualTo(7L);
          assertThat(r.getField("p")).isEqualTo(List.of(0.5f, 0.25f));
          assertThat(r.getField("date")).isEqualTo(day);
        });
      }
    }
  }
}
