package dev.pier.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.pier.batch.tables.IcebergTable;
import dev.pier.batch.TableMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Date;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.iceberg.spark.SparkSchemaUtil;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A job's results as an Apache Iceberg table of the Glue Data Catalog ({@code "table_format": "iceberg"}), written
 * through Iceberg's Spark runtime with its {@code GlueCatalog} and {@code S3FileIO} (the AWS SDK v2, pointed at the
 * stand-ins' endpoints where {@code AWS_ENDPOINT_URL_GLUE} / {@code AWS_ENDPOINT_URL_S3} are set). The table holds the
 * scored rows' columns, then {@code job_id} (string) and {@code date} (the job's UTC day), partitioned by
 * {@code identity(job_id)} and {@code day(date)}. Each wave of chunks is one Iceberg commit whose snapshot summary
 * names the job ({@link #JOB}) and its chunks with their counts ({@link #CHUNKS}): before scoring, chunks a commit
 * already holds (committed, but not recorded in the jobs table when the job stopped) are recorded from it rather than
 * written again, so each chunk is in the table once however often the job is retried or resumed. Spark's task
 * retries within a commit are Iceberg's own concern (only the files of tasks that succeeded are committed).
 */
final class IcebergTables {
  /** The Spark catalog name the job registers Iceberg's Glue catalog under. */
  static final String CATALOG = "pier_iceberg";
  /** Snapshot summary property: the job whose chunks the snapshot added. */
  static final String JOB = IcebergTable.JOB;
  /** Snapshot summary property: the chunks the snapshot added, as the JSON array of their counts. */
  static final String CHUNKS = "pier.chunks";
  /** Table property: the job that created (or last replaced) the table. */
  static final String CREATED_BY = IcebergTable.CREATED_BY;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Catalog catalog;
  private final TableIdentifier id;
  private final String qualified;

  /** The catalog {@link #configure} registered on {@code spark}, for the table {@code db.table}. */
  IcebergTables(SparkSession spark, String qualified) {
    this.catalog = Spark3Util.loadIcebergCatalog(spark, CATALOG);
    this.qualified = qualified;
    this.id = IcebergTable.identifier(qualified);
  }

  /**
   * Registers Iceberg's Glue catalog as {@link #CATALOG} on the session (Spark loads a catalog when it is first used,
   * so it may be set on a running session). {@code env}: {@code AWS_REGION} and the endpoints of local stand-ins.
   */
  static void configure(SparkSession spark, String warehouse, Map<String, String> env) {
    String p = "spark.sql.catalog." + CATALOG;
    var conf = spark.conf();
    conf.set(p, "org.apache.iceberg.spark.SparkCatalog");
    conf.set(p + ".catalog-impl", "org.apache.iceberg.aws.glue.GlueCatalog");
    conf.set(p + ".io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
    conf.set(p + ".warehouse", warehouse);
    conf.set(p + ".http-client.type", "urlconnection"); // the SDK HTTP client the connector carries
    // the Glue catalog itself (namespaces included), and each table as Glue has it now: no cached copies
    conf.set(p + ".cache-enabled", "false");
    String region = env.get("AWS_REGION");
    if (region != null && !region.isBlank()) {
      conf.set(p + ".client.region", region);
    }
    String glue = env.get("AWS_ENDPOINT_URL_GLUE");
    if (glue != null && !glue.isBlank()) {
      conf.set(p + ".glue.endpoint", glue);
    }
    String s3 = env.get("AWS_ENDPOINT_URL_S3");
    if (s3 != null && !s3.isBlank()) {
      conf.set(p + ".s3.endpoint", s3);
      conf.set(p + ".s3.path-style-access", "true");
    }
  }

  /** The table's Spark schema for scored rows of schema {@code scored}: their columns, then job_id and date. */
  static StructType tableSchema(StructType scored) {
    for (String reserved : List.of("job_id", "date")) {
      if (List.of(scored.fieldNames()).stream().anyMatch(n -> n.equalsIgnoreCase(reserved))) {
        throw new IllegalArgumentException("the scored rows have a column '" + reserved + "', which an Iceberg"
            + " table output adds itself (its partition columns are job_id and date): rename it in the input");
      }
    }
    return scored.add("job_id", DataTypes.StringType).add("date", DataTypes.DateType).asNullable();
  }

  /**
   * Before scoring: creates the table at {@code location} (and the Glue database if missing), or decides whether the
   * existing one may take this job's rows — the Lambda path's checks ({@link IcebergTable#ensure}) on the Iceberg
   * schema of the scored rows' Spark schema. Throws {@link IllegalArgumentException} naming the table and the
   * difference when refused.
   */
  Table ensure(StructType scored, String location, TableMode mode, String jobId) {
    return IcebergTable.ensure(catalog, qualified, SparkSchemaUtil.convert(tableSchema(scored)), location, mode,
        jobId);
  }

  /**
   * The chunks of job {@code jobId} the table holds: chunk number to its counts line (as the job records it), from
   * the summaries of the snapshots of the table's current history.
   */
  Map<Integer, String> committed(String jobId) {
    Map<Integer, String> out = new TreeMap<>();
    for (Snapshot s : IcebergTable.snapshotsOf(catalog.loadTable(id), jobId)) {
      if (s.summary().get(CHUNKS) != null) { // the Spark path's commits (the Lambda path's name no chunks)
        try {
          for (JsonNode c : JSON.readTree(s.summary().get(CHUNKS))) {
            out.put(c.get("partition").asInt(), c.toString());
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return out;
  }

  /**
   * Appends the scored rows of one wave in one commit, its snapshot naming the job and the chunks ({@code counts}:
   * one JSON line per chunk, as the jobs table records them). Each task writes its own files (no shuffle: a job's
   * rows all fall in one partition).
   */
  void append(Dataset<Row> scored, String jobId, LocalDate date, List<String> counts) {
    ArrayNode chunks = JSON.createArrayNode();
    try {
      for (String c : counts) {
        chunks.add(JSON.readTree(c));
      }
      scored.withColumn("job_id", functions.lit(jobId)).withColumn("date", functions.lit(Date.valueOf(date)))
          .writeTo(CATALOG + "." + qualified).option("distribution-mode", "none")
          .option("snapshot-property." + JOB, jobId).option("snapshot-property." + CHUNKS, chunks.toString())
          .append();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
      throw new IllegalStateException("Iceberg table " + qualified + " was dropped while the job wrote it", e);
    }
  }
}
