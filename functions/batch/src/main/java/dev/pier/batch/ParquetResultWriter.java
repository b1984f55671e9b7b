package dev.pier.batch;

import dev.pier.runtime.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * One chunk's results as a Parquet file (Snappy-compressed, in memory: a chunk is bounded by
 * {@code pier.batch.chunk-rows}): an {@code id} column — integers, or strings when the input's ids are strings — and
 * one column per model output value, named as in CSV results ({@code label}, {@code probabilities_0 …}). The schema
 * is fixed by the first scored batch.
 */
final class ParquetResultWriter implements ResultWriter {
  private final boolean stringIds;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
  private ParquetWriter<Group> writer;
  private SimpleGroupFactory groups;
  private String[][] columns;
  private String[] arms;
  private int[] versions;

  ParquetResultWriter(boolean stringIds) {
    this.stringIds = stringIds;
  }

  /** Adds {@code model_version} (INT32) and {@code experiment_arm} (optional string) after {@code id}. */
  @Override
  public void armColumns(String[] arms, int[] versions) {
    this.arms = arms;
    this.versions = versions;
  }

  @Override
  public void write(String[] ids, int idOffset, List<Tensor> outputs, int n) {
    try {
      if (writer == null) {
        open(outputs, n);
      }
      for (int r = 0; r < n; r++) {
        Group g = groups.newGroup();
        String id = ids[idOffset + r];
        if (stringIds) {
          g.append("id", id.startsWith("\"") ? RowIds.unquoted(id) : id);
        } else {
          g.append("id", Long.parseLong(id));
        }
        if (arms != null) {
          g.append("model_version", versions[idOffset + r]);
          if (arms[idOffset + r] != null) {
            g.append("experiment_arm", arms[idOffset + r]);
          }
        }
        for (int o = 0; o < outputs.size(); o++) {
          Tensor t = outputs.get(o);
          int width = columns[o].length;
          for (int k = 0; k < width; k++) {
            append(g, columns[o][k], t, r * width + k);
          }
        }
        writer.write(g);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The file's bytes; empty when no row was scored. */
  @Override
  public byte[] finish() {
    if (writer == null) {
      return new byte[0];
    }
    try {
      writer.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private void open(List<Tensor> outputs, int n) throws IOException {
    var schema = Types.buildMessage();
    if (stringIds) {
      schema.required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("id");
    } else {
      schema.required(PrimitiveTypeName.INT64).named("id");
    }
    if (arms != null) {
      schema.required(PrimitiveTypeName.INT32).named("model_version");
      schema.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("experiment_arm");
    }
    columns = new String[outputs.size()][];
    for (int o = 0; o < outputs.size(); o++) {
      Tensor t = outputs.get(o);
      int width = t.shape().length <= 1 ? 1 : t.length() / n;
      columns[o] = new String[width];
      for (int k = 0; k < width; k++) {
        String name = t.shape().length <= 1 ? t.name() : t.name() + "_" + k;
        columns[o][k] = name;
        switch (t.data()) {
          case float[] f -> schema.required(PrimitiveTypeName.FLOAT).named(name);
          case double[] d -> schema.required(PrimitiveTypeName.DOUBLE).named(name);
          case long[] l -> schema.required(PrimitiveTypeName.INT64).named(name);
          case int[] i -> schema.required(PrimitiveTypeName.INT32).named(name);
          case short[] s -> schema.required(PrimitiveTypeName.INT32).named(name);
          case byte[] b -> schema.required(PrimitiveTypeName.INT32).named(name);
          case boolean[] z -> schema.required(PrimitiveTypeName.BOOLEAN).named(name);
          case String[] s -> schema.required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType())
              .named(name);
          default -> throw new IllegalStateException(t.data().getClass().getName());
        }
      }
    }
    MessageType type = schema.named("result");
    groups = new SimpleGroupFactory(type);
    writer = ExampleParquetWriter.builder(new InMemoryOutputFile(bytes))
        .withConf(new PlainParquetConfiguration())
        .withType(type)
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        .build();
  }

  private static void append(Group g, String column, Tensor t, int i) {
    switch (t.data()) {
      case float[] f -> g.append(column, f[i]);
      case double[] d -> g.append(column, d[i]);
      case long[] l -> g.append(column, l[i]);
      case int[] n -> g.append(column, n[i]);
      case short[] s -> g.append(column, (int) s[i]);
      case byte[] b -> g.append(column, (int) b[i]);
      case boolean[] z -> g.append(column, z[i]);
      case String[] s -> g.append(column, s[i]);
      default -> throw new IllegalStateException();
    }
  }
}
