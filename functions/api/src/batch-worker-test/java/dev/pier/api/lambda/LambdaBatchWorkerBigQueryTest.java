package dev.pier.api.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.bigquery.StandardSQLTypeName;
import com.google.cloud.bigquery.storage.v1.AppendRowsRequest;
import com.google.cloud.bigquery.storage.v1.BatchCommitWriteStreamsRequest;
import com.google.cloud.bigquery.storage.v1.CreateWriteStreamRequest;
import com.google.cloud.bigquery.storage.v1.ProtoRows;
import com.google.cloud.bigquery.storage.v1.WriteStream;
import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import dev.pier.batch.TableMode;
import dev.pier.batch.bigquery.BigQuerySchema;
import dev.pier.batch.bigquery.BigQueryStandIn;
import dev.pier.batch.bigquery.BigQueryTables;
import dev.pier.batch.bigquery.BigQueryTarget;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The batch worker zip's own class path (this profile's) holds Google's clients at versions that work together: a table
 * created through the REST client and a row written, finalized and committed through the Storage Write API against
 * {@link BigQueryStandIn}. (Built with the parent's protobuf 4.33.2 the Storage Write API's generated classes refuse
 * to load: {@code Detected incompatible Protobuf Gencode/Runtime versions}.) The batch worker's use of them is
 * {@code BigQueryTableOutputTest}'s, in pier-batch-tables; that the zip finds its table outputs, {@code
 * LambdaBatchWorkerTablesTest}'s.
 */
class LambdaBatchWorkerBigQueryTest {
  @Test
  void aRowIsWrittenThroughTheZipsGoogleClients() throws Exception {
    try (BigQueryStandIn bq = new BigQueryStandIn()) {
      bq.datasets.add("proj-one.scores");
      BigQueryTarget target = BigQueryTarget.parse("bigquery://proj-one.scores.lambda");
      BigQuerySchema schema = BigQuerySchema.of(List.of(
          new BigQuerySchema.Column("id", StandardSQLTypeName.INT64, false),
          new BigQuerySchema.Column("p", StandardSQLTypeName.FLOAT64, true)));
      new BigQueryTables(bq.connection().tables("proj-one", u -> null))
          .ensure(target, schema, TableMode.ERROR_IF_EXISTS, "bj-lambda");
      try (var client = bq.connection().writer(u -> null)) {
        String stream = client.createWriteStream(CreateWriteStreamRequest.newBuilder().setParent(target.path())
            .setWriteStream(WriteStream.newBuilder().setType(WriteStream.Type.PENDING)).build()).getName();
        var connection = client.appendRowsCallable().call();
        ProtoRows rows = ProtoRows.newBuilder().addSerializedRows(ByteString.copyFrom(schema.encode(
            new Object[] {7L, List.of(0.5, 0.25)}, "bj-lambda", LocalDate.of(2026, 12, 7)))).build();
        connection.send(AppendRowsRequest.newBuilder().setWriteStream(stream).setOffset(Int64Value.of(0))
            .setProtoRows(AppendRowsRequest.ProtoData.newBuilder().setWriterSchema(schema.proto()).setRows(rows))
            .build());
        assertThat(connection.iterator().next().hasError()).isFalse();
        connection.closeSend();
        assertThat(client.finalizeWriteStream(stream).getRowCount()).isEqualTo(1);
        assertThat(client.batchCommitWriteStreams(BatchCommitWriteStreamsRequest.newBuilder()
            .setParent(target.path()).addWriteStreams(stream).build()).hasCommitTime()).isTrue();
      }
      assertThat(bq.rows.get("proj-one.scores.lambda")).containsExactly(Map.of("id", 7L, "p", List.of(0.5, 0.25),
          "job_id", "bj-lambda", "date", LocalDate.of(2026, 12, 7)));
    }
  }
}
