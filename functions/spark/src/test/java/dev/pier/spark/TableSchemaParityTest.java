package dev.pier.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.batch.InputFormat;
import dev.pier.batch.TableColumn;
import dev.pier.batch.TableSchema;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A table output holds the same columns whichever engine scores the job: the Lambda path's {@link TableSchema} (its
 * own reading of the input) against what Spark itself infers for the same JSONL, CSV and Parquet files, and each
 * output's column type against the connector's {@link OutputColumn}, for every datatype and shape.
 */
class TableSchemaParityTest {
  static SparkSession spark;
  static Path dir;
  /** A model whose outputs cannot clash with the files' columns. */
  static final Signature SIGNATURE = new Signature(List.of(new TensorSpec("input", Datatype.FP32,
      new long[] {-1, 4})), List.of(new TensorSpec("score_out", Datatype.FP32, new long[] {-1})));

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("pier-table-parity");
    spark = SparkSession.builder().master("local[1]").appName("pier-table-parity")
        .config("spark.ui.enabled", "false").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static List<String> spark(StructType schema) {
    List<String> out = new ArrayList<>();
    for (StructField f : schema.fields()) {
      out.add(f.name() + " " + f.dataType().catalogString());
    }
    return out;
  }

  private static List<String> lambda(List<TableColumn> columns) {
    return columns.stream().map(c -> c.name() + " " + c.type()).toList();
  }

  private static List<String> inferred(InputFormat format, Path file) throws Exception {
    try (InputStream in = Files.newInputStream(file)) {
      return lambda(TableSchema.infer(format, in, SIGNATURE).inputs());
    }
  }

  @Test
  void jsonLinesReadAsSparkInfersThem() throws Exception {
    Path file = dir.resolve("rows.jsonl");
    Files.writeString(file, """
        {"id": 1, "x": 1, "name": "a", "flag": true, "maybe": null, "tags": ["p"], "nums": [1, 2], "mixed": 3, "empty": []}
        {"id": 2, "x": 2.5, "name": "b", "flag": false, "nums": [1.5], "mixed": "three", "zeta": 1, "big": 12345678901}

        {"id": 3, "x": -4, "Upper": "u", "nums": [], "tags": [], "input": [5.1, 3.5, 1.4, 0.2]}
        """);
    List<String> expected = spark(spark.read().json(file.toString()).schema());
    assertThat(inferred(InputFormat.JSONL, file)).isEqualTo(expected)
        .contains("x double", "mixed string", "maybe string", "empty array<string>", "nums array<double>",
            "big bigint");
  }

  @Test
  void csvReadAsSparksInferSchemaReadsIt() throws Exception {
    Path file = dir.resolve("rows.csv");
    Files.writeString(file, """
        a,b,c,d,e,f,g,h
        1,12345678901,1.5,true,x,,1,-2
        2,3,2,FALSE,"y, quoted",7,2.25,3
        -3,4,1e3,true,z,,3,
        """);
    List<String> expected = spark(spark.read().option("header", "true").option("inferSchema", "true")
        .csv(file.toString()).schema());
    assertThat(inferred(InputFormat.CSV, file)).isEqualTo(expected)
        .contains("a int", "b bigint", "c double", "d boolean", "e string", "f int", "g double", "h int");
  }

  @Test
  void parquetColumnsAsSparkReadsThem() throws Exception {
    StructType schema = new StructType(new StructField[] {
        new StructField("id", DataTypes.LongType, false, Metadata.empty()),
        new StructField("i", DataTypes.IntegerType, true, Metadata.empty()),
        new StructField("s", DataTypes.ShortType, true, Metadata.empty()),
        new StructField("b", DataTypes.ByteType, true, Metadata.empty()),
        new StructField("d", DataTypes.DoubleType, true, Metadata.empty()),
        new StructField("f", DataTypes.FloatType, true, Metadata.empty()),
        new StructField("z", DataTypes.BooleanType, true, Metadata.empty()),
        new StructField("t", DataTypes.StringType, true, Metadata.empty()),
        new StructField("input", DataTypes.createArrayType(DataTypes.FloatType, true), true, Metadata.empty())});
    Path out = dir.resolve("rows.parquet");
    spark.createDataFrame(List.of(RowFactory.create(1L, 2, (short) 3, (byte) 4, 5.0, 6f, true, "t",
        List.of(1f, 2f, 3f, 4f))), schema).coalesce(1).write().parquet(out.toString());
    Path part;
    try (var files = Files.list(out)) {
      part = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    var footer = org.apache.parquet.hadoop.ParquetFileReader.readFooter(new org.apache.hadoop.conf.Configuration(),
        new org.apache.hadoop.fs.Path(part.toUri()));
    List<String> lambda = lambda(TableSchema.ofParquet(footer.getFileMetaData().getSchema(), SIGNATURE).inputs());
    assertThat(lambda).isEqualTo(spark(spark.read().parquet(out.toString()).schema()));
  }

  @Test
  void everyOutputIsTypedAsTheConnectorTypesItsColumn() {
    for (Datatype type : Datatype.values()) {
      for (long[] shape : List.of(new long[] {-1}, new long[] {-1, 1}, new long[] {-1, 3}, new long[] {-1, -1})) {
        TensorSpec spec = new TensorSpec("out", type, shape);
        String lambda = TableSchema.of(List.of(), new Signature(List.of(), List.of(spec))).outputs().getFirst()
            .type();
        assertThat(lambda).as("%s %s", type, java.util.Arrays.toString(shape))
            .isEqualTo(OutputColumn.of(spec, "").sparkType().catalogString());
      }
    }
  }
}
