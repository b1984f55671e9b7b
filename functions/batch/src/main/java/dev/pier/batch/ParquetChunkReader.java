package dev.pier.batch;

import dev.pier.runtime.pipeline.FeaturePipeline;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.schema.MessageType;

/**
 * The row groups {@code [chunk.start(), chunk.end())} of a Parquet file, read one at a time; where each input's
 * values sit is {@link ParquetColumns}' to say.
 */
final class ParquetChunkReader implements ChunkReader {
  private final ParquetFileReader file;
  private final ChunkPlanner.Chunk chunk;
  private final FeaturePipeline pipeline;
  private final MessageType schema;
  private final ParquetColumns columns;

  /** @param file open on the file; {@code pipeline} the version's feature pipeline, or null */
  ParquetChunkReader(ParquetFileReader file, ChunkPlanner.Chunk chunk, InputColumns layout, FeaturePipeline pipeline) {
    this(file, chunk, layout, pipeline, null);
  }

  /** @param unitColumn a job's unit column (not a feature column), or null */
  ParquetChunkReader(ParquetFileReader file, ChunkPlanner.Chunk chunk, InputColumns layout, FeaturePipeline pipeline,
      String unitColumn) {
    this(file, chunk, layout, pipeline, unitColumn, java.util.List.of());
  }

  /** @param attributeColumns a job's targeting attributes' columns (not feature columns) */
  ParquetChunkReader(ParquetFileReader file, ChunkPlanner.Chunk chunk, InputColumns layout, FeaturePipeline pipeline,
      String unitColumn, java.util.Collection<String> attributeColumns) {
    this.file = file;
    this.chunk = chunk;
    this.pipeline = pipeline;
    this.schema = file.getFooter().getFileMetaData().getSchema();
    this.columns = pipeline != null ? ParquetColumns.forInstances(schema)
        : new ParquetColumns(schema, layout.inputs(), layout.widths(), unitColumn, attributeColumns);
  }

  /** Whether the file's ids are strings (its results then keep them as strings). */
  boolean stringIds() {
    return columns.stringIds();
  }

  /** A targeting attribute's value as the row's instance reads it (numbers, booleans, strings), or null. */
  private Object attribute(Group g, String column) {
    if (!g.getType().containsField(column)) {
      throw new BatchError("the Parquet file has no attribute column '" + column + "'");
    }
    Object v = columns.instance(g).get(column);
    return v instanceof Number n ? (Object) n.doubleValue() : v instanceof String || v instanceof Boolean ? v : null;
  }

  /** The row's unit as text, or null when the row has no value in that column. */
  private static String unit(Group g, String column) {
    if (!g.getType().containsField(column)) {
      throw new BatchError("the Parquet file has no unit column '" + column + "'");
    }
    int field = g.getType().getFieldIndex(column);
    return g.getFieldRepetitionCount(field) == 0 ? null : g.getValueToString(field, 0);
  }

  @Override
  public void read(ChunkRows rows) {
    long rowNumber = chunk.firstLine();
    try {
      for (int rg = (int) chunk.start(); rg < chunk.end(); rg++) {
        PageReadStore pages = file.readRowGroup(rg);
        var records = new ColumnIOFactory().getColumnIO(schema).getRecordReader(pages,
            new GroupRecordConverter(schema));
        for (long i = 0; i < pages.getRowCount(); i++) {
          Group g = records.read();
          String id = columns.id(g, rowNumber++);
          String badUnit = rows.unitColumn != null ? rows.unit(unit(g, rows.unitColumn)) : null;
          if (badUnit != null) {
            rows.error(id, badUnit);
            continue;
          }
          if (rows.attributeColumns != null) {
            rows.attributes(column -> attribute(g, column));
          }
          if (pipeline != null) {
            rows.addInstance(pipeline, columns.instance(g), id);
            continue;
          }
          String problem = null;
          for (int input = 0; input < rows.layout.count() && problem == null; input++) {
            problem = columns.read(g, input, rows.next(), rows.columns[input]);
          }
          if (problem != null) {
            rows.error(id, problem);
          } else {
            rows.accept(id);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
