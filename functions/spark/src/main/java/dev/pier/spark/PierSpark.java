package dev.pier.spark;

import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.pipeline.FeaturePipeline;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Scores a DataFrame with a registered version inside Spark: {@code PierSpark.score(df, "fraud@production")}. The
 * version is resolved once, on the driver, and every executor scores with that version number; each executor JVM
 * loads its artifact once from the registry's S3 store (SHA-256 verified) and scores its partitions in batches through
 * the same engines, feature pipeline and prediction pipeline as {@code /predict}. The result is the input's columns,
 * one column per model output, and an error column (null for a scored row) — one bad row never fails the job unless
 * {@link ScoringOptions#failOnError()}. The output columns' metadata name the model and version scored with.
 *
 * <p>Everything the job can be refused for is refused here, before any executor scores: an unknown version, a column
 * an input needs that the DataFrame lacks (named), a column whose type cannot be converted to the input's.
 */
public final class PierSpark {
  private PierSpark() {}

  /**
   * {@code spark.read}, scored: {@code PierSpark.read(spark).model("fraud@production").parquet(path)} reads as
   * {@code spark.read()} would and scores what it reads ({@link PierReader}).
   */
  public static PierReader read(org.apache.spark.sql.SparkSession spark) {
    return new PierReader(spark);
  }

  /** With {@link ScoringOptions#fromEnvironment()}. */
  public static Dataset<Row> score(Dataset<Row> df, String version) {
    return score(df, version, ScoringOptions.fromEnvironment());
  }

  public static Dataset<Row> score(Dataset<Row> df, String version, ScoringOptions options) {
    return plan(df.schema(), version, options).apply(df);
  }

  /** A job resolved and checked on the driver: the version it scores with, and its output schema. */
  public record Job(ScoringOptions options, String model, int version, StructType input, List<OutputColumn> outputs,
      StructType schema) {
    public Dataset<Row> apply(Dataset<Row> df) {
      Dataset<Row> out = df.mapPartitions(new PartitionScorer(options, model, version, input, outputs),
          Encoders.row(schema));
      for (int i = input.size(); i < schema.size(); i++) { // the encoder does not carry column metadata
        out = out.withMetadata(schema.fields()[i].name(), schema.fields()[i].metadata());
      }
      return out;
    }

    /** The version number the job scores with. */
    public int versionNumber() {
      return version;
    }
  }

  /** Resolves {@code ref} once and checks {@code input} against the version's signature. */
  public static Job plan(StructType input, String ref, ScoringOptions options) {
    VersionRef parsed = VersionRef.parse(ref);
    ScoringRuntime runtime = ScoringRuntime.of(options);
    ModelVersion version;
    try {
      version = runtime.predictions.resolve(parsed.model(), parsed.reference());
    } catch (PierException e) {
      throw new IllegalArgumentException("cannot score with " + parsed + ": " + e.getMessage(), e);
    }
    if (version.onEndpoint()) {
      throw new IllegalArgumentException(parsed + " is version " + version.version()
          + ", placed on an endpoint: the Spark connector runs versions in process");
    }
    Signature signature = runtime.predictions.signature(version);
    FeaturePipeline pipeline = runtime.featurePipeline(version);
    if (pipeline == null) {
      for (TensorSpec spec : signature.inputs()) {
        checkColumn(input, spec, version);
      }
    }
    List<OutputColumn> outputs = new ArrayList<>();
    List<StructField> fields = new ArrayList<>(List.of(input.fields()));
    Metadata meta = new MetadataBuilder().putString("pier.model", version.model())
        .putLong("pier.version", version.version()).putString("pier.reference", parsed.toString()).build();
    for (TensorSpec spec : signature.outputs()) {
      OutputColumn column = OutputColumn.of(spec, options.outputPrefix());
      if (List.of(input.fieldNames()).contains(column.column())) {
        throw new IllegalArgumentException("output '" + spec.name() + "' would replace the input column '"
            + column.column() + "': set an output prefix");
      }
      outputs.add(column);
      fields.add(new StructField(column.column(), column.sparkType(), true, meta));
    }
    fields.add(new StructField(options.errorColumn(), DataTypes.StringType, true, meta));
    return new Job(options, version.model(), version.version(), input, List.copyOf(outputs),
        new StructType(fields.toArray(StructField[]::new)));
  }

  private static void checkColumn(StructType input, TensorSpec spec, ModelVersion version) {
    dev.pier.batch.ChunkScorer.rowWidth(spec); // refuses what batch scoring cannot feed
    String name = spec.name();
    if (!List.of(input.fieldNames()).contains(name)) {
      throw new IllegalArgumentException("the DataFrame has no column '" + name + "', which input '" + name
          + "' of " + version.model() + "/" + version.version() + " needs (its columns: "
          + String.join(", ", input.fieldNames()) + ")");
    }
    DataType type = input.apply(name).dataType();
    DataType element = type instanceof ArrayType a ? a.elementType() : type;
    boolean convertible = element instanceof NumericType || element instanceof StringType
        || element instanceof BooleanType;
    if (!convertible) {
      throw new IllegalArgumentException("column '" + name + "' is " + type.simpleString() + ", which cannot be"
          + " converted to input '" + name + "' (" + spec.datatype() + ")");
    }
  }
}
