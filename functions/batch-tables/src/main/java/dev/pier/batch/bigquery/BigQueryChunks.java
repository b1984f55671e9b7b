package dev.pier.batch.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.gax.rpc.BidiStream;
import com.google.api.gax.rpc.NotFoundException;
import com.google.cloud.bigquery.storage.v1.AppendRowsRequest;
import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import com.google.cloud.bigquery.storage.v1.BatchCommitWriteStreamsRequest;
import com.google.cloud.bigquery.storage.v1.BatchCommitWriteStreamsResponse;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteClient;
import com.google.cloud.bigquery.storage.v1.CreateWriteStreamRequest;
import com.google.cloud.bigquery.storage.v1.GetWriteStreamRequest;
import com.google.cloud.bigquery.storage.v1.ProtoRows;
import com.google.cloud.bigquery.storage.v1.StorageError;
import com.google.cloud.bigquery.storage.v1.WriteStream;
import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import dev.pier.batch.S3Uri;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * A job's chunks (the Spark path's partitions, the Lambda path's chunks) written to its BigQuery table exactly once,
 * through the Storage Write API: each attempt at a chunk writes its rows to a new {@code PENDING} stream (appends at explicit offsets, so a row is
 * never appended twice within it), finalizes it and commits it alone with {@code BatchCommitWriteStreams}, which makes
 * all its rows visible at once or none. Before the commit the stream's name is recorded in S3
 * ({@code <markers>part-NNNNN.json}), and after it the commit. A chunk whose record says committed — or names a stream
 * BigQuery reports committed (an attempt that died between the commit and its record) — is not written again; a
 * stream that was never committed is left to expire (BigQuery drops uncommitted pending streams), so a retried or
 * resumed chunk's rows are in the table once. Two attempts of one chunk must not run at the same time (Spark's
 * speculative execution off, its default; the batch state machine runs a chunk's retries one after another).
 */
public final class BigQueryChunks {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Rows and bytes per append request (BigQuery takes up to 10 MB per request). */
  static final int REQUEST_ROWS = 10_000;
  static final int REQUEST_BYTES = 4 << 20;

  private final BigQueryWriteClient client;
  private final BigQueryTarget target;
  private final BigQuerySchema schema;
  private final S3Client s3;
  private final S3Uri markers;

  public BigQueryChunks(BigQueryWriteClient client, BigQueryTarget target, BigQuerySchema schema, S3Client s3,
      S3Uri markers) {
    this.client = client;
    this.target = target;
    this.schema = schema;
    this.s3 = s3;
    this.markers = markers;
  }

  /** Whether the chunk's rows are in the table already. */
  public boolean committed(int chunk) {
    JsonNode marker = marker(chunk);
    if (marker == null) {
      return false;
    }
    if (marker.path("committed").asBoolean()) {
      return true;
    }
    try {
      WriteStream stream = client.getWriteStream(GetWriteStreamRequest.newBuilder()
          .setName(marker.path("stream").asText()).build());
      if (stream.hasCommitTime()) {
        record(chunk, stream.getName(), marker.path("rows").asLong(), true);
        return true;
      }
      return false;
    } catch (NotFoundException e) {
      return false; // an uncommitted stream BigQuery has dropped
    }
  }

  /** A new attempt at {@code chunk}: add its rows, then {@link Chunk#commit()}. */
  public Chunk open(int chunk) {
    return new Chunk(chunk);
  }

  /** One attempt's stream. */
  public final class Chunk {
    private final int chunk;
    private String stream;
    private BidiStream<AppendRowsRequest, AppendRowsResponse> connection;
    private Iterator<AppendRowsResponse> responses;
    private ProtoRows.Builder pending = ProtoRows.newBuilder();
    private long pendingBytes;
    private long offset;

    private Chunk(int chunk) {
      this.chunk = chunk;
    }

    /** Adds one encoded row ({@link BigQuerySchema#encode}). */
    public void add(byte[] row) {
      pending.addSerializedRows(ByteString.copyFrom(row));
      pendingBytes += row.length;
      if (pending.getSerializedRowsCount() >= REQUEST_ROWS || pendingBytes >= REQUEST_BYTES) {
        flush();
      }
    }

    private void flush() {
      if (pending.getSerializedRowsCount() == 0) {
        return;
      }
      if (stream == null) {
        stream = client.createWriteStream(CreateWriteStreamRequest.newBuilder().setParent(target.path())
            .setWriteStream(WriteStream.newBuilder().setType(WriteStream.Type.PENDING)).build()).getName();
        record(chunk, stream, 0, false);
        connection = client.appendRowsCallable().call();
        responses = connection.iterator();
      }
      int rows = pending.getSerializedRowsCount();
      AppendRowsRequest.ProtoData.Builder data = AppendRowsRequest.ProtoData.newBuilder().setRows(pending);
      if (offset == 0) {
        data.setWriterSchema(schema.proto());
      }
      connection.send(AppendRowsRequest.newBuilder().setWriteStream(stream).setOffset(Int64Value.of(offset))
          .setProtoRows(data).build());
      AppendRowsResponse response = responses.next();
      if (response.hasError() || response.getRowErrorsCount() > 0) {
        throw new IllegalStateException("BigQuery refused rows " + offset + "–" + (offset + rows - 1) + " of chunk "
            + chunk + " for bigquery://" + target + ": " + (response.hasError() ? response.getError().getMessage()
            : response.getRowErrorsList().get(0).getMessage()));
      }
      offset += rows;
      pending = ProtoRows.newBuilder();
      pendingBytes = 0;
    }

    /** Finalizes and commits the stream (its rows become visible together), then records the commit. */
    public long commit() {
      flush();
      if (stream == null) {
        record(chunk, null, 0, true); // no rows
        return 0;
      }
      connection.closeSend();
      long rows = client.finalizeWriteStream(stream).getRowCount();
      if (rows != offset) {
        throw new IllegalStateException("BigQuery finalized " + rows + " rows of chunk " + chunk + ", not the "
            + offset + " appended");
      }
      BatchCommitWriteStreamsResponse r = client.batchCommitWriteStreams(BatchCommitWriteStreamsRequest.newBuilder()
          .setParent(target.path()).addWriteStreams(stream).build());
      boolean already = r.getStreamErrorsList().stream() // a retried call whose first try committed it
          .anyMatch(e -> e.getCode() == StorageError.StorageErrorCode.STREAM_ALREADY_COMMITTED);
      if (!r.hasCommitTime() && !already) {
        throw new IllegalStateException("BigQuery did not commit chunk " + chunk + " to bigquery://" + target + ": "
            + (r.getStreamErrorsCount() == 0 ? "no commit time" : r.getStreamErrors(0).getErrorMessage()));
      }
      record(chunk, stream, rows, true);
      return rows;
    }
  }

  private JsonNode marker(int chunk) {
    try {
      return JSON.readTree(s3.getObjectAsBytes(b -> b.bucket(markers.bucket()).key(key(chunk))).asByteArray());
    } catch (NoSuchKeyException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void record(int chunk, String stream, long rows, boolean committed) {
    var node = JSON.createObjectNode().put("stream", stream).put("rows", rows).put("committed", committed);
    s3.putObject(b -> b.bucket(markers.bucket()).key(key(chunk)).contentType("application/json"),
        RequestBody.fromString(node.toString()));
  }

  private String key(int chunk) {
    return markers.key() + String.format("part-%05d.json", chunk);
  }
}
