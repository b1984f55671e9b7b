package dev.pier.spark;

import dev.pier.batch.ChunkScorer;
import dev.pier.batch.RowSource;
import dev.pier.runtime.Tensor;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * What each task runs on its partition: reads up to {@code chunkRows} rows, scores them with the batch path's
 * {@link ChunkScorer} (model calls of {@code batchRows} through the runtime's prediction pipeline; a bad row found
 * and left out of its batch), and yields each row with its output columns and error column. The executor's
 * {@link ScoringRuntime} loads the version's artifact once per JVM.
 */
final class PartitionScorer implements MapPartitionsFunction<Row, Row> {
  private final ScoringOptions options;
  private final String model;
  private final int version;
  private final StructType input;
  private final List<OutputColumn> outputs;

  PartitionScorer(ScoringOptions options, String model, int version, StructType input, List<OutputColumn> outputs) {
    this.options = options;
    this.model = model;
    this.version = version;
    this.input = input;
    this.outputs = outputs;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    ScoringRuntime runtime = ScoringRuntime.of(options);
    ChunkScorer scorer = runtime.scorer(runtime.predictions.resolve(model, Integer.toString(version)),
        options.batchRows());
    return new Iterator<>() {
      private final Row[] chunk = new Row[options.chunkRows()];
      private Row[] out = new Row[0];
      private int next;

      @Override
      public boolean hasNext() {
        if (next < out.length) {
          return true;
        }
        int n = 0;
        while (n < chunk.length && rows.hasNext()) {
          chunk[n++] = rows.next();
        }
        if (n == 0) {
          return false;
        }
        out = score(scorer, Arrays.copyOf(chunk, n));
        next = 0;
        return true;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return out[next++];
      }
    };
  }

  private Row[] score(ChunkScorer scorer, Row[] rows) {
    ChunkScorer.ScoredRows scored = scorer.scoreRows(new SparkRows(rows, input));
    int width = input.size();
    Row[] out = new Row[rows.length];
    for (int r = 0; r < rows.length; r++) {
      Object[] values = new Object[width + outputs.size() + 1];
      for (int c = 0; c < width; c++) {
        values[c] = rows[r].get(c);
      }
      List<Tensor> tensors = scored.outputs(r);
      if (tensors == null) {
        if (options.failOnError()) {
          throw new IllegalArgumentException("row " + r + " of a partition of " + model + "/" + version
              + " could not be scored (failOnError): " + scored.error(r));
        }
        values[width + outputs.size()] = scored.error(r);
      } else {
        for (int o = 0; o < outputs.size(); o++) {
          Tensor t = find(tensors, outputs.get(o).output());
          values[width + o] = t == null ? null : outputs.get(o).value(t, scored.offset(r), (int) t.shape()[0]);
        }
      }
      out[r] = RowFactory.create(values);
    }
    return out;
  }

  private static Tensor find(List<Tensor> tensors, String name) {
    for (Tensor t : tensors) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    return null;
  }

  /** A chunk of Spark rows read by column name; array columns as lists, nested rows refused by the driver. */
  private record SparkRows(Row[] rows, StructType schema, Map<String, Integer> index, List<String> columns)
      implements RowSource {
    SparkRows(Row[] rows, StructType schema) {
      this(rows, schema, indexOf(schema), List.of(schema.fieldNames()));
    }

    private static Map<String, Integer> indexOf(StructType schema) {
      Map<String, Integer> m = new java.util.HashMap<>();
      String[] names = schema.fieldNames();
      for (int i = 0; i < names.length; i++) {
        m.put(names[i], i);
      }
      return m;
    }

    @Override
    public int size() {
      return rows.length;
    }

    @Override
    public Object value(int row, String column) {
      Integer i = index.get(column);
      if (i == null || rows[row].isNullAt(i)) {
        return null;
      }
      Object v = rows[row].get(i);
      if (v instanceof scala.collection.Seq<?> seq) {
        return scala.jdk.javaapi.CollectionConverters.asJava(seq); // a view, not a copy
      }
      return v;
    }
  }
}
