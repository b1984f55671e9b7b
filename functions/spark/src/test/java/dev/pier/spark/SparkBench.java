package dev.pier.spark;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.local.DemoModel;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.NewVersion;
import dev.pier.registry.RegistryTable;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.onnx.OnnxEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import static org.apache.spark.sql.functions.*;

/**
 * {@code ./pier bench spark}: ROWS rows × 8 columns (id, four features, the model's {@code input} array of them, a
 * segment string and a weight) scored by the connector in {@code local[*]} with the demo model (iris MLP, ONNX),
 * against the stand-ins; then the raw engine call (ONNX Runtime through the runtime's LoadedModel, same batch size,
 * one thread) on the same number of rows. Prints rows/s for both and the connector's per-row overhead: its wall time
 * per row on all cores minus the raw engine's per row on one core, times the cores. The connector's figure includes
 * generating its input, which is also timed alone (every column computed, no scoring).
 *
 * <p>Usage: {@code SparkBench [ROWS] [BATCH_ROWS]}. Not a test: a benchmark main on the test class path.
 */
public final class SparkBench {
  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
    Path dir = Files.createTempDirectory("pier-spark-bench");
    Path model = dir.resolve("demo.onnx");
    try (var in = DemoModel.open()) {
      Files.copy(in, model);
    }
    try (LocalAws aws = LocalAws.start(dir.resolve("data"))) {
      AwsSettings s = new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(), aws.accessKeyId(),
          aws.secretAccessKey());
      try (AwsClients clients = new AwsClients(s)) {
        RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
        ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
        artifacts.createBucketIfMissing();
        ModelRegistry registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
        registry.register("demo", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), model, null);
        registry.setAlias("demo", "production", 1);
        ScoringOptions options = ScoringOptions.local(s, "registry", "artifacts").withBatchRows(batch);

        SparkSession spark = SparkSession.builder().master("local[*]").appName("pier-spark-bench")
            .config("spark.ui.enabled", "false").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        int cores = spark.sparkContext().defaultParallelism();
        Dataset<Row> df = spark.range(0, rows, 1, cores).toDF("id")
            .withColumn("f0", expr("cast(4 + (id % 40) / 10.0D as float)"))
            .withColumn("f1", expr("cast(2 + (id % 20) / 10.0D as float)"))
            .withColumn("f2", expr("cast(1 + (id % 60) / 10.0D as float)"))
            .withColumn("f3", expr("cast((id % 25) / 10.0D as float)"))
            .withColumn("input", array(col("f0"), col("f1"), col("f2"), col("f3")))
            .withColumn("segment", expr("concat('s', cast(id % 7 as string))"))
            .withColumn("weight", expr("cast(id % 3 as double)"));
        System.out.printf("rows: %,d × %d columns, %d partitions (local[*], %d cores), batch %d rows%n", rows,
            df.columns().length, cores, cores, batch);
        // warm-up: load the model in this JVM and let the JIT compile the scoring path
        PierSpark.score(df.limit(200_000), "demo@production", options).filter(col("pier_error").isNull()).count();
        // the input alone, every column computed (10.0D: a double; Spark reads 10.0 as a DECIMAL, whose division
        // per row cost more than the scoring being measured)
        String everyColumn = "sum(f0 + f1 + f2 + f3 + size(input) + length(segment) + weight)";
        df.selectExpr(everyColumn).collect();
        long g0 = System.nanoTime();
        df.selectExpr(everyColumn).collect();
        double inputSeconds = (System.nanoTime() - g0) / 1e9;
        System.out.printf("input alone (generated, every column): %.1f s: %,.0f rows/s%n", inputSeconds,
            rows / inputSeconds);
        long t0 = System.nanoTime();
        long scored = PierSpark.score(df, "demo@production", options).filter(col("pier_error").isNull()).count();
        double seconds = (System.nanoTime() - t0) / 1e9;
        double connector = rows / seconds;
        System.out.printf("connector: %,d rows scored in %.1f s: %,.0f rows/s%n", scored, seconds, connector);
        spark.stop();

        LoadedModel loaded = new OnnxEngine(1).load(model);
        float[] x = new float[batch * 4];
        for (int i = 0; i < batch; i++) {
          x[i * 4] = 4 + (i % 40) / 10f;
          x[i * 4 + 1] = 2 + (i % 20) / 10f;
          x[i * 4 + 2] = 1 + (i % 60) / 10f;
          x[i * 4 + 3] = (i % 25) / 10f;
        }
        List<Tensor> inputs = List.of(new Tensor("input", Datatype.FP32, new long[] {batch, 4}, x));
        long calls = Math.max(1, Math.min(rows, 20_000_000L) / batch);
        for (int i = 0; i < Math.min(calls, 2000); i++) {
          loaded.infer(inputs, List.of());
        }
        long t1 = System.nanoTime();
        for (long i = 0; i < calls; i++) {
          loaded.infer(inputs, List.of());
        }
        double rawSeconds = (System.nanoTime() - t1) / 1e9;
        double raw = calls * batch / rawSeconds;
        System.out.printf("raw engine (one thread, batch %d): %,.0f rows/s%n", batch, raw);
        double overheadNs = (cores / connector - 1 / raw) * 1e9;
        System.out.printf("per-row overhead of the connector over the raw engine call: %.0f ns per row per core"
            + " (connector %.0f ns/row/core, engine %.0f ns/row)%n", overheadNs, cores / connector * 1e9, 1e9 / raw);
      }
    }
  }
}
