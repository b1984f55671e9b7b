package dev.pier.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.NewVersion;
import dev.pier.registry.RegistryTable;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The connector in {@code local[2]} against the embedded stand-ins (DynamoDB registry, S3 artifact store), with the
 * iris ONNX model: each row's output columns hold bit for bit what the runtime's prediction pipeline answers for that
 * row alone (what {@code /predict} runs), bad rows get an error column, and refusals come before any task runs.
 */
class PierSparkTest {
  static final Path IRIS = Path.of("../../tests/fixtures/models/iris-mlp.onnx");
  static final StructType SCHEMA = new StructType(new StructField[] {
      new StructField("id", DataTypes.LongType, false, org.apache.spark.sql.types.Metadata.empty()),
      new StructField("input", DataTypes.createArrayType(DataTypes.FloatType, true), true,
          org.apache.spark.sql.types.Metadata.empty())});

  static Path dir;
  static LocalAws aws;
  static AwsClients clients;
  static ModelRegistry registry;
  static ScoringOptions options;
  static SparkSession spark;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("pier-spark-test");
    aws = LocalAws.start(dir.resolve("data"));
    AwsSettings settings = new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey());
    clients = new AwsClients(settings);
    RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
    ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
    registry.register("iris", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), IRIS, null);
    registry.setAlias("iris", "production", 1);
    options = ScoringOptions.local(settings, "registry", "artifacts").withBatchRows(16);
    spark = SparkSession.builder().master("local[2]").appName("pier-spark-test")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
    clients.close();
    aws.close();
  }

  private static Dataset<Row> frame(List<Row> rows) {
    return spark.createDataFrame(rows, SCHEMA).repartition(2);
  }

  private static List<Row> irisRows(int n) {
    Random random = new Random(7);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(RowFactory.create((long) i, List.of(4 + random.nextFloat() * 4, 2 + random.nextFloat() * 2,
          1 + random.nextFloat() * 6, random.nextFloat() * 2.5f)));
    }
    return rows;
  }

  /** What the runtime's prediction pipeline answers for one row alone. */
  private static InferenceResponse predictOne(float[] features) {
    return ScoringRuntime.of(options).predictions.infer("iris", "1", new InferenceRequest("one",
        List.of(new Tensor("input", Datatype.FP32, new long[] {1, 4}, features)), List.of()));
  }

  @Test
  void everyRowsOutputsAreBitForBitWhatThePredictionPipelineAnswersForThatRow() {
    List<Row> rows = irisRows(200);
    List<Row> scored = PierSpark.score(frame(rows), "iris@production", options).collectAsList();

    assertThat(scored).hasSize(200);
    Dataset<Row> out = PierSpark.score(frame(rows), "iris@production", options);
    List<String> outputs = new ArrayList<>(Arrays.asList(out.schema().fieldNames()).subList(2,
        out.schema().size() - 1));
    assertThat(outputs).isNotEmpty();
    assertThat(out.schema().apply(outputs.getFirst()).metadata().getLong("pier.version")).isEqualTo(1);
    for (Row row : scored) {
      assertThat(row.<String>getAs("pier_error")).isNull();
      List<Float> in = row.getList(1);
      float[] features = new float[4];
      for (int k = 0; k < 4; k++) {
        features[k] = in.get(k);
      }
      InferenceResponse expected = predictOne(features);
      for (Tensor t : expected.outputs()) {
        Object actual = row.getAs(t.name());
        assertThat(bits(actual)).as("output %s of row %s", t.name(), row.getLong(0)).isEqualTo(bits(t.data()));
      }
    }
  }

  /** A value as the raw bits of each element, so -0.0/NaN and the last ulp count. */
  private static List<Long> bits(Object value) {
    List<Long> out = new ArrayList<>();
    switch (value) {
      case float[] f -> { for (float x : f) out.add((long) Float.floatToRawIntBits(x)); }
      case long[] l -> { for (long x : l) out.add(x); }
      case int[] n -> { for (int x : n) out.add((long) x); }
      case double[] d -> { for (double x : d) out.add(Double.doubleToRawLongBits(x)); }
      case Float x -> out.add((long) Float.floatToRawIntBits(x));
      case Long x -> out.add(x);
      case Integer x -> out.add((long) x);
      case scala.collection.Seq<?> seq -> scala.jdk.javaapi.CollectionConverters.asJava(seq)
          .forEach(e -> out.addAll(bits(e)));
      default -> throw new AssertionError("unexpected " + value.getClass());
    }
    return out;
  }

  @Test
  void aBadRowGetsAnErrorColumnAndTheOthersAreScored() {
    List<Row> rows = new ArrayList<>(irisRows(20));
    rows.add(RowFactory.create(100L, List.of(1f, 2f, 3f)));
    rows.add(RowFactory.create(101L, null));
    List<Row> scored = PierSpark.score(frame(rows), "iris/1", options).collectAsList();

    assertThat(scored).hasSize(22);
    Map<Long, String> errors = new java.util.HashMap<>();
    scored.forEach(r -> errors.put(r.getLong(0), r.getAs("pier_error")));
    assertThat(errors.get(100L)).isEqualTo("column 'input' has 3 values, input 'input' takes 4");
    assertThat(errors.get(101L)).isEqualTo("column 'input' is null");
    assertThat(scored.stream().filter(r -> r.getAs("pier_error") == null)).hasSize(20);
  }

  @Test
  void failOnErrorFailsTheJobNamingTheRowsProblem() {
    List<Row> rows = new ArrayList<>(irisRows(5));
    rows.add(RowFactory.create(100L, List.of(1f, 2f, 3f)));
    Dataset<Row> out = PierSpark.score(frame(rows), "iris/1", options.withFailOnError(true));

    assertThatThrownBy(out::collectAsList).hasStackTraceContaining("could not be scored (failOnError)")
        .hasStackTraceContaining("column 'input' has 3 values, input 'input' takes 4");
  }

  @Test
  void aMissingColumnIsNamedBeforeAnythingIsScored() {
    Dataset<Row> df = frame(irisRows(3)).withColumnRenamed("input", "features");

    assertThatThrownBy(() -> PierSpark.score(df, "iris/1", options))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the DataFrame has no column 'input'")
        .hasMessageContaining("its columns: id, features");
  }

  @Test
  void aColumnThatCannotBeConvertedIsRefusedBeforeAnythingIsScored() {
    Dataset<Row> df = frame(irisRows(3)).withColumn("input", org.apache.spark.sql.functions.current_date());

    assertThatThrownBy(() -> PierSpark.score(df, "iris/1", options))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("column 'input' is date, which cannot be converted to input 'input' (FP32)");
  }

  @Test
  void anUnknownVersionOrModelIsAClearError() {
    Dataset<Row> df = frame(irisRows(3));

    assertThatThrownBy(() -> PierSpark.score(df, "iris/9", options))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("cannot score with iris/9: ");
    assertThatThrownBy(() -> PierSpark.score(df, "nosuch@production", options))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("cannot score with nosuch@production: ");
    assertThatThrownBy(() -> PierSpark.score(df, "iris/one", options))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("'iris/one': a version is a positive number");
  }

  @Test
  void theReaderReadsAsSparkReadWouldAndScoresWhatItReads() throws Exception {
    Path parquet = dir.resolve("read-parquet");
    frame(irisRows(50)).write().parquet(parquet.toString());
    Path json = dir.resolve("read.jsonl");
    Files.writeString(json, "{\"id\":1,\"input\":[5.1,3.5,1.4,0.2]}\n{\"id\":2,\"input\":[1.0]}\n");

    List<Row> read = PierSpark.read(spark).model("iris@production").scoringOptions(options).parquet(parquet.toString())
        .orderBy("id").collectAsList();
    List<Row> scored = PierSpark.score(spark.read().parquet(parquet.toString()), "iris@production", options)
        .orderBy("id").collectAsList();
    assertThat(read).hasSize(50).isEqualTo(scored);

    // format, options and schema as spark.read takes them; each call leaves the reader it was made on unchanged
    PierReader base = PierSpark.read(spark).model("iris/1").scoringOptions(options);
    PierReader jsonReader = base.format("json").schema("id BIGINT, input ARRAY<FLOAT>").outputPrefix("p_");
    Dataset<Row> fromJson = jsonReader.load(json.toString());
    assertThat(fromJson.schema().fieldNames()).startsWith("id", "input").contains("pier_error")
        .anyMatch(n -> n.startsWith("p_"));
    assertThat(fromJson.schema().apply("input").dataType())
        .isEqualTo(DataTypes.createArrayType(DataTypes.FloatType, true));
    assertThat(base.format("json").schemaJson(SCHEMA.json()).load(json.toString()).schema().apply("input")
        .dataType()).isEqualTo(DataTypes.createArrayType(DataTypes.FloatType, true)); // PySpark's StructType
    List<Row> rows = fromJson.orderBy("id").collectAsList();
    assertThat(rows.get(0).<String>getAs("pier_error")).isNull();
    assertThat(rows.get(1).<String>getAs("pier_error")).isEqualTo("column 'input' has 1 values, input 'input' takes 4");
    // with no format, Spark's default (Parquet) reads the JSON file, and fails
    assertThatThrownBy(() -> base.load(json.toString()).collectAsList()).hasStackTraceContaining("Parquet");
    assertThat(base.failOnError(true).format("json").load(List.of(json.toString())).schema().size())
        .isEqualTo(fromJson.schema().size());

    // refused before anything is read: no version named, a malformed one, one that does not exist
    assertThatThrownBy(() -> PierSpark.read(spark).parquet(parquet.toString()))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("name the version to score with");
    assertThatThrownBy(() -> PierSpark.read(spark).model("iris/one"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("'iris/one': a version is a positive number");
    assertThatThrownBy(() -> PierSpark.read(spark).model("iris/9").scoringOptions(options)
        .parquet(parquet.toString())).hasMessageStartingWith("cannot score with iris/9: ");
  }
}
