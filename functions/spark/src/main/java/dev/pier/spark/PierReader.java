package dev.pier.spark;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * {@code spark.read}, scored: reads a source as Spark's {@link DataFrameReader} would (format, options, schema) and
 * scores what it reads with a registered version, as {@link PierSpark#score(Dataset, String, ScoringOptions)} does —
 * {@code PierSpark.read(spark).model("fraud@production").parquet("s3://…/rows/")}. Each call returns a new reader
 * (this one is unchanged); nothing is read or resolved until {@link #load}, {@link #table} or a format's shortcut,
 * and the version is resolved and the input's columns checked there, on the driver, before any task runs. The
 * PySpark wrapper ({@code pier_spark.read(spark)}) drives this class through py4j.
 */
public final class PierReader {
  private final SparkSession spark;
  private final String reference;
  private final ScoringOptions scoring;
  private final String format;
  private final Map<String, String> options;
  private final StructType schema;

  PierReader(SparkSession spark) {
    this(spark, null, null, null, Map.of(), null);
  }

  private PierReader(SparkSession spark, String reference, ScoringOptions scoring, String format,
      Map<String, String> options, StructType schema) {
    this.spark = spark;
    this.reference = reference;
    this.scoring = scoring;
    this.format = format;
    this.options = Map.copyOf(options);
    this.schema = schema;
  }

  /** The version to score with: {@code "model@alias"} or {@code "model/N"}. */
  public PierReader model(String ref) {
    VersionRef.parse(ref); // refuses a missing or malformed reference here, not at load
    return new PierReader(spark, ref, scoring, format, options, schema);
  }

  /** Where the registry is and how rows are scored; {@link ScoringOptions#fromEnvironment()} when not set. */
  public PierReader scoringOptions(ScoringOptions o) {
    return new PierReader(spark, reference, o, format, options, schema);
  }

  public PierReader batchRows(int rows) {
    return scoringOptions(scoring().withBatchRows(rows));
  }

  public PierReader failOnError(boolean fail) {
    return scoringOptions(scoring().withFailOnError(fail));
  }

  public PierReader outputPrefix(String prefix) {
    return scoringOptions(scoring().withOutputPrefix(prefix));
  }

  /** The source's format, as {@link DataFrameReader#format}: parquet (Spark's default), json, csv, orc, ... */
  public PierReader format(String source) {
    return new PierReader(spark, reference, scoring, source, options, schema);
  }

  /** A read option, as {@link DataFrameReader#option(String, String)}. */
  public PierReader option(String key, String value) {
    Map<String, String> next = new LinkedHashMap<>(options);
    next.put(key, value);
    return new PierReader(spark, reference, scoring, format, next, schema);
  }

  public PierReader options(Map<String, String> more) {
    Map<String, String> next = new LinkedHashMap<>(options);
    next.putAll(more);
    return new PierReader(spark, reference, scoring, format, next, schema);
  }

  /**
   * The input's schema as a DDL string ({@code "id BIGINT, input ARRAY<FLOAT>"}), as
   * {@link DataFrameReader#schema(String)}.
   */
  public PierReader schema(String ddl) {
    return schema(StructType.fromDDL(ddl));
  }

  public PierReader schema(StructType s) {
    return new PierReader(spark, reference, scoring, format, options, s);
  }

  /** The input's schema as Spark's JSON form of a StructType (what PySpark's {@code StructType.json()} gives). */
  public PierReader schemaJson(String json) {
    if (!(DataType.fromJson(json) instanceof StructType s)) {
      throw new IllegalArgumentException("the schema must be a struct, not " + json);
    }
    return schema(s);
  }

  /** Reads the source (the {@code path} option, or none for sources that need none) and scores it. */
  public Dataset<Row> load() {
    return score(reader().load());
  }

  public Dataset<Row> load(String path) {
    return score(reader().load(path));
  }

  public Dataset<Row> load(String... paths) {
    return score(reader().load(paths));
  }

  /** Several paths from PySpark (py4j passes a Python list as a {@code java.util.List}, not as varargs). */
  public Dataset<Row> load(List<String> paths) {
    return load(paths.toArray(String[]::new));
  }

  /** Reads a table of the session's catalog and scores it. */
  public Dataset<Row> table(String name) {
    return score(reader().table(name));
  }

  public Dataset<Row> parquet(String... paths) {
    return format("parquet").load(paths);
  }

  public Dataset<Row> json(String... paths) {
    return format("json").load(paths);
  }

  public Dataset<Row> csv(String... paths) {
    return format("csv").load(paths);
  }

  private DataFrameReader reader() {
    if (reference == null) {
      throw new IllegalStateException("name the version to score with before reading: .model(\"fraud@production\")"
          + " or .model(\"fraud/3\")");
    }
    DataFrameReader r = spark.read();
    if (format != null) {
      r = r.format(format);
    }
    if (schema != null) {
      r = r.schema(schema);
    }
    return r.options(options);
  }

  private Dataset<Row> score(Dataset<Row> df) {
    return PierSpark.score(df, reference, scoring());
  }

  private ScoringOptions scoring() {
    return scoring != null ? scoring : ScoringOptions.fromEnvironment();
  }
}
