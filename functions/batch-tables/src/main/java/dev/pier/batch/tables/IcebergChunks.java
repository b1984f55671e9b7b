package dev.pier.batch.tables;

import dev.pier.batch.S3Uri;
import dev.pier.batch.TableParquetWriter;
import dev.pier.batch.TableSchema;
import dev.pier.batch.TableColumn;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.runtime.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.ContentFileParser;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The Lambda path's rows in an Iceberg table, exactly once however often a step is retried: each chunk writes one
 * Parquet data file through Iceberg's writer (its column metrics with it), named by job and chunk under the table's
 * data location, and records that file's metadata ({@link ContentFileParser}'s JSON) at
 * {@code jobs/<id>/iceberg/part-NNNNN.json} of the batch bucket — a retried chunk replaces both. Nothing is in the
 * table until {@link #commit}: every chunk's file in one append whose snapshot summary names the job
 * ({@link IcebergTable#JOB}); a retried commit that finds such a snapshot commits nothing.
 */
final class IcebergChunks {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Snapshot summary properties beside the job: what scored the rows. */
  static final String ENGINE = "pier.engine";
  static final String VERSION = "pier.model-version";

  private final S3Client s3;
  private final S3Uri records;

  /** {@code records}: the folder of the job's chunk records ({@code jobs/<id>/iceberg/}). */
  IcebergChunks(S3Client s3, S3Uri records) {
    this.s3 = s3;
    this.records = records;
  }

  /** The data file of chunk {@code chunk} of job {@code jobId} (created on {@code date}), open for its rows. */
  ChunkFile open(Table table, TableSchema columns, String jobId, LocalDate date, int chunk) {
    return new ChunkFile(table, columns, jobId, date, chunk);
  }

  /** Records a chunk's finished data file (replacing a retried chunk's record). */
  void record(Table table, int chunk, DataFile file) {
    String json = ContentFileParser.toJson(file, table.spec());
    s3.putObject(b -> b.bucket(records.bucket()).key(recordKey(chunk)).contentType("application/json"),
        RequestBody.fromString(json));
  }

  /**
   * Appends chunks {@code 0 … chunks-1}'s data files in one commit naming {@code jobId}; false (nothing committed) when
   * a snapshot of the table's history names the job already (a retried or resumed step).
   */
  boolean commit(Table table, String jobId, int chunks, int version) {
    if (!IcebergTable.snapshotsOf(table, jobId).isEmpty()) {
      return false;
    }
    AppendFiles append = table.newAppend();
    for (int c = 0; c < chunks; c++) {
      append.appendFile(read(table.spec(), c));
    }
    append.set(IcebergTable.JOB, jobId).set(ENGINE, "lambda").set(VERSION, Integer.toString(version)).commit();
    return true;
  }

  private DataFile read(PartitionSpec spec, int chunk) {
    try {
      String json = s3.getObjectAsBytes(b -> b.bucket(records.bucket()).key(recordKey(chunk))).asUtf8String();
      return (DataFile) ContentFileParser.fromJson(JSON.readTree(json), spec);
    } catch (NoSuchKeyException e) {
      throw new IllegalStateException("chunk " + chunk + " has no Iceberg data file recorded at s3://"
          + records.bucket() + "/" + recordKey(chunk));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String recordKey(int chunk) {
    return records.key() + "part-%05d".formatted(chunk) + ".json";
  }

  /** One chunk's rows, written as one Parquet data file of the table (the table's schema and partition). */
  static final class ChunkFile implements AutoCloseable {
    private final TableSchema columns;
    private final Schema schema;
    private final int[] positions;
    private final int jobIdAt;
    private final int dateAt;
    private final String jobId;
    private final LocalDate date;
    private final DataWriter<Record> writer;
    private boolean closed;

    private ChunkFile(Table table, TableSchema columns, String jobId, LocalDate date, int chunk) {
      this.columns = columns;
      this.schema = table.schema();
      this.jobId = jobId;
      this.date = date;
      List<TableColumn> all = columns.columns();
      positions = new int[all.size()];
      for (int i = 0; i < all.size(); i++) {
        positions[i] = position(all.get(i).name());
      }
      jobIdAt = position("job_id");
      dateAt = position("date");
      GenericRecord partition = GenericRecord.create(table.spec().partitionType());
      partition.set(0, jobId);
      partition.set(1, (int) date.toEpochDay());
      String path = table.locationProvider().newDataLocation(table.spec(), partition,
          "part-%05d-%s.parquet".formatted(chunk, jobId));
      try {
        writer = Parquet.writeData(table.io().newOutputFile(path)).forTable(table).withPartition(partition)
            .createWriterFunc(GenericParquetWriter::create).overwrite().build();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private int position(String name) {
      Types.NestedField f = schema.caseInsensitiveFindField(name);
      if (f == null) {
        throw new IllegalStateException("the Iceberg table has no column '" + name + "'");
      }
      return schema.columns().indexOf(f);
    }

    /**
     * Appends a row: its input values, its outputs (row {@code offset} of {@code outputs}; null for an error row) and
     * its error (null for a scored row).
     */
    void write(Object[] inputs, List<Tensor> outputs, int offset, String error) {
      GenericRecord r = GenericRecord.create(schema);
      int c = 0;
      for (; c < inputs.length; c++) {
        r.set(positions[c], coerce(inputs[c], schema.columns().get(positions[c]).type()));
      }
      for (TableColumn column : columns.outputs()) {
        Tensor t = outputs == null ? null : TableParquetWriter.find(outputs, column.name());
        if (t != null) {
          r.set(positions[c], coerce(TableParquetWriter.value(t, column, offset),
              schema.columns().get(positions[c]).type()));
        }
        c++;
      }
      r.set(positions[c], error);
      r.set(jobIdAt, jobId);
      r.set(dateAt, date);
      writer.write(r);
    }

    /** The finished file: path, size, record count, column metrics and partition. */
    DataFile finish() {
      close();
      return writer.toDataFile();
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        try {
          writer.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }

    /** A value as Iceberg's generic writer takes it for a column of {@code type}. */
    private static Object coerce(Object v, Type type) {
      if (v == null) {
        return null;
      }
      return switch (type.typeId()) {
        case LONG -> ((Number) v).longValue();
        case INTEGER -> ((Number) v).intValue();
        case DOUBLE -> ((Number) v).doubleValue();
        case FLOAT -> ((Number) v).floatValue();
        case STRING -> v.toString();
        case LIST -> {
          List<Object> out = new ArrayList<>();
          for (Object e : (List<?>) v) {
            out.add(coerce(e, type.asListType().elementType()));
          }
          yield out;
        }
        default -> v;
      };
    }
  }
}
