package dev.pier.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.batch.BatchJob;
import dev.pier.batch.BatchJobs;
import dev.pier.batch.JobState;
import dev.pier.batch.TableFormat;
import dev.pier.kernel.PierException;
import dev.pier.local.LocalAws;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.aws.glue.GlueCatalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.util.SnapshotUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code "table_format": "iceberg"} with a {@code glue://db.table} output: a Spark job (local mode's child JVM, with
 * Iceberg's Spark runtime on its class path as a cluster provides it) writes an Iceberg table through Iceberg's
 * GlueCatalog and S3FileIO against the Glue and S3 stand-ins; the test reads it back with Iceberg's Java API (its own
 * GlueCatalog): the rows and the model's outputs, the partitions, the snapshots after a job resumed with chunks
 * committed but not recorded, and the refusals before scoring.
 */
class IcebergTableTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static SparkJobFixture spark;
  static GlueCatalog catalog;

  @BeforeAll
  static void start() throws Exception {
    spark = new SparkJobFixture("pier-iceberg-test", SparkJobFixture.buildClasspath());
    LocalAws aws = spark.aws;
    // the reader: Iceberg's own GlueCatalog in this JVM, on the same stand-ins
    System.setProperty("aws.accessKeyId", aws.accessKeyId()); // Glue's client: the SDK's default credentials
    System.setProperty("aws.secretAccessKey", aws.secretAccessKey());
    catalog = new GlueCatalog();
    catalog.initialize("reader", Map.of("warehouse", "s3://batch/tables", "glue.endpoint",
        spark.glue.endpoint().toString(), "io-impl", "org.apache.iceberg.aws.s3.S3FileIO", "s3.endpoint",
        aws.s3Endpoint().toString(), "s3.path-style-access", "true", "s3.access-key-id", aws.accessKeyId(),
        "s3.secret-access-key", aws.secretAccessKey(), "client.region", aws.region(), "http-client.type",
        "urlconnection"));
  }

  @AfterAll
  static void stop() throws Exception {
    catalog.close();
    spark.close();
  }

  private static BatchJob submit(String input, String output, String mode) throws Exception {
    return spark.jobs.submit(new BatchJobs.Submission("iris", "1", input, output, null, null, null, "spark", null, mode,
        "iceberg"));
  }

  private static void put(String key, int rows, int badEvery) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < rows; i++) {
      s.append(badEvery > 0 && i % badEvery == badEvery - 1 ? "{\"id\":" + i + ",\"input\":[5.1,3.5]}\n"
          : "{\"id\":" + i + ",\"input\":[5.1,3.5,1.4," + (i % 25 / 10.0) + "]}\n");
    }
    spark.clients.s3().putObject(b -> b.bucket("batch").key(key), RequestBody.fromString(s.toString()));
  }

  private static List<Record> rows(Table t) throws Exception {
    List<Record> out = new ArrayList<>();
    try (CloseableIterable<Record> records = IcebergGenerics.read(t).build()) {
      records.forEach(out::add);
    }
    return out;
  }

  /** How many chunks a snapshot's commit added. */
  private static int chunksOf(Snapshot s) {
    try {
      return JSON.readTree(s.summary().get(IcebergTables.CHUNKS)).size();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The snapshots of the table's current history that job {@code id} committed. */
  private static List<Snapshot> snapshotsOf(Table t, String id) {
    List<Snapshot> out = new ArrayList<>();
    if (t.currentSnapshot() != null) {
      SnapshotUtil.ancestorsOf(t.currentSnapshot().snapshotId(), t::snapshot).forEach(s -> {
        if (id.equals(s.summary().get(IcebergTables.JOB))) {
          out.add(s);
        }
      });
    }
    return out;
  }

  @Test
  void anIcebergTableHoldsEachRowOncePartitionedByJobAndDayEvenWhenTheJobIsResumedAfterACommitItDidNotRecord()
      throws Exception {
    put("in/ice.jsonl", 6000, 1000); // about 220 KB: four partitions of 64 KB, two waves of two (local[2])
    BatchJob done = spark.awaitFinal(submit("s3://batch/in/ice.jsonl", "glue://scores.iris_ice", null).id());
    assertThat(done.error()).as(spark.log(done)).isNull();
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.tableFormat()).isEqualTo(TableFormat.ICEBERG);
    assertThat(done.succeeded()).isEqualTo(5994);
    assertThat(done.failed()).isEqualTo(6);
    int chunks = done.plan().chunks();
    assertThat(chunks).isGreaterThanOrEqualTo(4);

    // the Glue table is Iceberg's: its metadata file under the table's location
    JsonNode g = spark.glue.tables.get("scores.iris_ice");
    assertThat(g.path("Parameters").path("table_type").asText()).isEqualToIgnoringCase("iceberg");
    assertThat(g.path("Parameters").path("metadata_location").asText())
        .startsWith("s3://batch/tables/scores/iris_ice/metadata/");

    Table t = catalog.loadTable(TableIdentifier.of("scores", "iris_ice"));
    assertThat(t.spec().fields().stream().map(f -> f.transform() + "(" + t.schema().findColumnName(f.sourceId())
        + ")").toList()).containsExactly("identity(job_id)", "day(date)");
    assertThat(t.properties()).containsEntry(IcebergTables.CREATED_BY, done.id());
    LocalDate day = LocalDate.ofInstant(done.createdAt(), ZoneOffset.UTC);
    List<FileScanTask> files = new ArrayList<>();
    try (var tasks = t.newScan().planFiles()) {
      tasks.forEach(files::add);
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(chunks).allSatisfy(f -> {
      assertThat(f.file().partition().get(0, String.class)).isEqualTo(done.id());
      assertThat(f.file().partition().get(1, Integer.class)).isEqualTo((int) day.toEpochDay());
      assertThat(f.file().location()).startsWith("s3://batch/tables/scores/iris_ice/data/job_id=" + done.id()
          + "/date_day=" + day + "/");
    });
    List<Snapshot> snapshots = snapshotsOf(t, done.id());
    assertThat(snapshots).hasSizeGreaterThanOrEqualTo(2); // one commit per wave
    assertThat(snapshots.stream().mapToInt(IcebergTableTest::chunksOf).sum())
        .isEqualTo(chunks);

    // every row once, with the model's outputs as PredictionService answers them
    List<Record> rows = rows(t);
    assertThat(rows.stream().map(r -> (Long) r.getField("id")).sorted().toList())
        .isEqualTo(java.util.stream.LongStream.range(0, 6000).boxed().toList());
    assertThat(rows).allMatch(r -> r.getField("job_id").equals(done.id()) && r.getField("date").equals(day));
    for (Record r : rows) {
      if (r.getField("pier_error") != null) {
        assertThat(r.getField("pier_error")).isEqualTo("column 'input' has 2 values, input 'input' takes 4");
        continue;
      }
      @SuppressWarnings("unchecked")
      List<Double> input = (List<Double>) r.getField("input");
      float[] features = new float[4];
      for (int k = 0; k < 4; k++) {
        features[k] = input.get(k).floatValue();
      }
      var expected = spark.predictions.infer("iris", "1", new dev.pier.runtime.InferenceRequest("one",
          List.of(new dev.pier.runtime.Tensor("input", dev.pier.kernel.tensor.Datatype.FP32, new long[] {1, 4},
              features)), List.of()));
      for (var out : expected.outputs()) {
        Object value = r.getField(out.name());
        List<Double> actual = (value instanceof List<?> l ? l : List.of(value)).stream()
            .map(x -> ((Number) x).doubleValue()).toList();
        List<Double> want = new ArrayList<>();
        switch (out.data()) {
          case float[] f -> { for (float x : f) want.add((double) x); }
          case long[] l -> { for (long x : l) want.add((double) x); }
          default -> throw new AssertionError("unexpected output " + out.data().getClass());
        }
        assertThat(actual).as("output %s of row %s", out.name(), r.getField("id")).isEqualTo(want);
      }
    }
    JsonNode manifest = JSON.readTree(spark.clients.s3().getObjectAsBytes(b -> b.bucket("batch")
        .key(done.manifest().key())).asByteArray());
    assertThat(manifest.get("table").asText()).isEqualTo("glue://scores.iris_ice");
    assertThat(manifest.get("results_format").asText()).isEqualTo("iceberg");

    // A job stopped after its last wave's commit but before it recorded that wave's chunks, and before the first
    // wave's were recorded either: the table rolled back to its first commit (so the last wave is not in it), the
    // job's chunk records and counts removed, and the job resumed. It must record the first wave's chunks from the
    // table without writing them again, and score and commit the rest once.
    Snapshot first = snapshots.get(snapshots.size() - 1); // ancestors come newest first
    t.manageSnapshots().rollbackTo(first.snapshotId()).commit();
    int firstWave = chunksOf(first);
    for (int c = 0; c < chunks; c++) {
      Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("job#" + done.id()),
          "sk", AttributeValue.fromS("chunk#%06d".formatted(c)));
      spark.clients.dynamoDb().deleteItem(b -> b.tableName("jobs").key(key));
    }
    Map<String, AttributeValue> zero = new HashMap<>(Map.of(":r", AttributeValue.fromS("RUNNING"),
        ":z", AttributeValue.fromN("0")));
    spark.clients.dynamoDb().updateItem(b -> b.tableName("jobs").key(Map.of("pk",
        AttributeValue.fromS("job#" + done.id()), "sk", AttributeValue.fromS("job")))
        .updateExpression("SET #s = :r, succeeded = :z, failed = :z, scoring_ms = :z REMOVE finished_at")
        .expressionAttributeNames(Map.of("#s", "state"))
        .expressionAttributeValues(zero));
    assertThat(spark.table.require(done.id()).state()).isEqualTo(JobState.RUNNING);
    spark.jobs.resumeUnfinished();
    BatchJob resumed = spark.awaitFinal(done.id());
    assertThat(resumed.error()).as(spark.log(resumed)).isNull();
    assertThat(resumed.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(spark.log(resumed)).contains("pier-spark: " + firstWave + " partitions found committed to Iceberg table"
        + " scores.iris_ice and recorded without scoring them again");
    assertThat(resumed.succeeded()).isEqualTo(5994);
    assertThat(resumed.failed()).isEqualTo(6);
    Table after = catalog.loadTable(TableIdentifier.of("scores", "iris_ice"));
    // every commit after the table's creation was an UpdateTable conditional on the Glue table's VersionId; one based
    // on a version that is no longer the table's is refused, as Glue refuses it
    assertThat(spark.glue.versionedUpdates.get()).isGreaterThanOrEqualTo(3); // the job's commits and the rollback
    try (var sdk = software.amazon.awssdk.services.glue.GlueClient.builder().endpointOverride(spark.glue.endpoint())
        .region(software.amazon.awssdk.regions.Region.of(spark.aws.region()))
        .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
      var current = sdk.getTable(b -> b.databaseName("scores").name("iris_ice")).table();
      assertThatThrownBy(() -> sdk.updateTable(b -> b.databaseName("scores").versionId("0").tableInput(ti -> ti
          .name("iris_ice").parameters(current.parameters()))))
          .isInstanceOf(software.amazon.awssdk.services.glue.model.ConcurrentModificationException.class);
      assertThat(sdk.getTable(b -> b.databaseName("scores").name("iris_ice")).table().versionId())
          .isEqualTo(current.versionId());
    }
    assertThat(rows(after).stream().map(r -> (Long) r.getField("id")).sorted().toList())
        .isEqualTo(java.util.stream.LongStream.range(0, 6000).boxed().toList()); // each once
    List<Snapshot> now = snapshotsOf(after, done.id());
    assertThat(now.get(now.size() - 1).snapshotId()).isEqualTo(first.snapshotId()); // the first wave kept, not redone
    assertThat(now.stream().mapToInt(IcebergTableTest::chunksOf).sum())
        .isEqualTo(chunks);
  }

  @Test
  void anExistingTableIsRefusedBeforeScoringUnlessModeAppendMatchesItAndAPlainGlueTableIsNotWrittenAsIceberg()
      throws Exception {
    put("in/ice-a.jsonl", 50, 0);
    BatchJob first = spark.awaitFinal(submit("s3://batch/in/ice-a.jsonl", "glue://scores.iris_modes", null).id());
    assertThat(first.state()).as(spark.log(first)).isEqualTo(JobState.SUCCEEDED);
    spark.clients.s3().putObject(b -> b.bucket("batch").key("in/ice-other.jsonl"), RequestBody.fromString(
        "{\"id\":\"a\",\"input\":[5.1,3.5,1.4,0.2],\"note\":\"x\"}\n"));

    // a Spark job refused before scoring (one job: the decision is IcebergTable.ensure, shared with the Lambda path,
    // whose every mode and refusal GlueTableOutputTest runs; the others are checked below without a Spark job)
    BatchJob other = spark.awaitFinal(submit("s3://batch/in/ice-other.jsonl", "glue://scores.iris_modes", "append")
        .id());
    assertThat(other.state()).isEqualTo(JobState.FAILED);
    assertThat(other.error()).startsWith("Iceberg table scores.iris_modes exists with columns [id bigint, input"
        + " array<double>").contains("partitioned by [identity(job_id), day(date)]")
        .endsWith("which mode append cannot add to it");
    assertThat(other.done()).isZero();
    Table t = catalog.loadTable(TableIdentifier.of("scores", "iris_modes"));
    assertThat(t.snapshots()).hasSize(1);
    // the table the Spark job made, as the Spark path converts its schema: refused by mode error_if_exists
    org.apache.iceberg.Schema sparkSchema = org.apache.iceberg.spark.SparkSchemaUtil.convert(
        IcebergTables.tableSchema(new org.apache.spark.sql.types.StructType(java.util.Arrays.stream(
            org.apache.iceberg.spark.SparkSchemaUtil.convert(t.schema()).fields())
            .filter(f -> !List.of("job_id", "date").contains(f.name()))
            .toArray(org.apache.spark.sql.types.StructField[]::new))));
    assertThatThrownBy(() -> dev.pier.batch.tables.IcebergTable.ensure(catalog, "scores.iris_modes", sparkSchema,
        "s3://batch/tables/scores/iris_modes", dev.pier.batch.TableMode.ERROR_IF_EXISTS, "another-job"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("table scores.iris_modes exists, and mode error_if_exists (the default) refuses it: \"mode\":"
            + " \"append\" adds this job's rows to it, \"overwrite\" replaces it");

    BatchJob appended = spark.awaitFinal(submit("s3://batch/in/ice-a.jsonl", "glue://scores.iris_modes", "append")
        .id());
    assertThat(appended.state()).as(spark.log(appended)).isEqualTo(JobState.SUCCEEDED);
    Table both = catalog.loadTable(TableIdentifier.of("scores", "iris_modes"));
    List<Record> rows = rows(both);
    assertThat(rows).hasSize(100);
    assertThat(rows.stream().map(r -> r.getField("job_id")).distinct().sorted().toList())
        .isEqualTo(java.util.stream.Stream.of(first.id(), appended.id()).sorted().toList());

    // a Glue table that is not Iceberg's (as table_format parquet makes them): refused, not taken over
    spark.glue.databases.putIfAbsent("plain", JSON.createObjectNode().put("Name", "plain"));
    spark.glue.tables.put("plain.daily", JSON.createObjectNode().put("Name", "daily").put("DatabaseName", "plain")
        .put("TableType", "EXTERNAL_TABLE").set("Parameters", JSON.createObjectNode().put("classification", "parquet")));
    assertThatThrownBy(() -> dev.pier.batch.tables.IcebergTable.ensure(catalog, "plain.daily", sparkSchema,
        "s3://batch/tables/plain/daily", dev.pier.batch.TableMode.APPEND, "another-job"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("table plain.daily exists in the Glue catalog but is not an Iceberg table: \"table_format\":"
            + " \"iceberg\" cannot write to it (another table name, or table_format parquet)");
  }

  @Test
  void aTableFormatIsRefusedAsA400ForOtherOutputsAndUnknownFormats() { // the Lambda path: GlueTableOutputTest
    put("in/ice400.jsonl", 1, 0);
    int before = spark.table.list().size();
    assertThatThrownBy(() -> spark.jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/ice400.jsonl",
        "s3://batch/elsewhere/", null, null, null, "spark", null, null, "iceberg")))
        .isInstanceOf(PierException.class).hasFieldOrPropertyWithValue("status", 400)
        .hasMessage("table_format (iceberg) applies to glue://database.table outputs");
    assertThatThrownBy(() -> spark.jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/ice400.jsonl",
        "glue://scores.delta", null, null, null, "spark", null, null, "delta")))
        .isInstanceOf(PierException.class).hasFieldOrPropertyWithValue("status", 400)
        .hasMessage("table_format must be parquet (the default) or iceberg, not 'delta'");
    assertThat(spark.table.list()).hasSize(before);
  }
}
