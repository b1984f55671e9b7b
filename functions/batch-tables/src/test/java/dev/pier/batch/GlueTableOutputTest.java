package dev.pier.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.batch.tables.IcebergConnection;
import dev.pier.batch.tables.IcebergTable;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.local.LocalAws;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;

/**
 * {@code glue://db.table} outputs of the Lambda path (the default engine): jobs submitted as the API submits them, run
 * by the batch-scoring state machine on the local runner through the batch worker, against the S3 stand-in and the
 * HTTP-level Glue stand-in. The table has the Spark path's columns for the same input (those {@code SparkBatchJobTest}
 * sees Spark register; {@code TableSchemaParityTest} compares the inference with Spark's own), the Parquet read back
 * holds every input row once with {@code /predict}'s outputs bit for bit, a chunk retried after its file was written
 * is in the table once, and a table of other columns is refused before any row is scored.
 */
class GlueTableOutputTest {
  static LambdaBatchFixture fx;
  static Path dir;
  static LocalAws aws;
  static AwsClients clients;
  static GlueStandIn glue;
  static JobsTable table;
  static BatchJobs jobs;
  static PredictionService predictions;
  static IcebergConnection iceberg;
  static Map<String, AtomicInteger> puts;

  @BeforeAll
  static void start() throws Exception {
    glue = new GlueStandIn();
    // as the server wires it: pier-batch-tables found on the class path, Glue at AWS_ENDPOINT_URL_GLUE
    fx = new LambdaBatchFixture("pier-lambda-table-test", (s3, settings, aws) -> TableOutputs.find(s3, settings, aws,
        Map.of("AWS_ENDPOINT_URL_GLUE", glue.endpoint().toString())));
    dir = fx.dir;
    aws = fx.aws;
    clients = fx.clients;
    table = fx.table;
    jobs = fx.jobs;
    predictions = fx.predictions;
    puts = fx.puts;
    iceberg = IcebergConnection.of(aws.region(), glue.endpoint(), aws.s3Endpoint(), aws.accessKeyId(),
        aws.secretAccessKey());
  }

  @AfterAll
  static void stop() {
    fx.close();
    glue.close();
  }

  /** A put of {@code key} lands, and then its first answer is lost (as when a Lambda dies after the write). */
  private static void loseFirstAnswer(String key) {
    fx.loseAnswerOfPut.put(key, 1);
  }

  private static BatchJob awaitFinal(String id) throws InterruptedException {
    return fx.awaitFinal(id);
  }

  /** {@code n} iris rows as JSON lines: an id, four features (floats, printed exactly) and a note. */
  private static List<float[]> irisLines(int n, StringBuilder out) {
    Random random = new Random(11);
    List<float[]> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] f = {4 + random.nextFloat() * 4, 2 + random.nextFloat() * 2, 1 + random.nextFloat() * 6,
          random.nextFloat() * 2.5f};
      rows.add(f);
      out.append("{\"id\":").append(i).append(",\"input\":[").append(f[0]).append(',').append(f[1]).append(',')
          .append(f[2]).append(',').append(f[3]).append("],\"note\":\"row ").append(i).append("\"}\n");
    }
    return rows;
  }

  /** A float as its JSON line prints it, read back as a double (the table's input column holds what the line says). */
  private static double decimal(float f) {
    return Double.parseDouble(Float.toString(f));
  }

  /** What the runtime's prediction pipeline (/predict's) answers for one row alone. */
  private static InferenceResponse predictOne(float[] features) {
    return predictions.infer("iris", "1", new InferenceRequest("one",
        List.of(new Tensor("input", Datatype.FP32, new long[] {1, 4}, features)), List.of()));
  }

  /** The catalog's columns of a table as {@code name type}. */
  private static List<String> glueColumns(String qualified) {
    List<String> out = new ArrayList<>();
    glue.tables.get(qualified).path("StorageDescriptor").path("Columns")
        .forEach(c -> out.add(c.path("Name").asText() + " " + c.path("Type").asText()));
    return out;
  }

  /** Every row of the Parquet files under a folder (and its sub-folders), by column: primitives and lists. */
  private static List<Map<String, Object>> readRows(Path folder) throws Exception {
    List<Map<String, Object>> out = new ArrayList<>();
    List<Path> files;
    try (var walk = Files.walk(folder)) {
      files = walk.filter(f -> f.toString().endsWith(".parquet")).sorted().toList();
    }
    for (Path f : files) {
      try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(f),
          ParquetReadOptions.builder(new PlainParquetConfiguration()).build())) {
        MessageType schema = reader.getFooter().getFileMetaData().getSchema();
        org.apache.parquet.column.page.PageReadStore pages;
        while ((pages = reader.readNextRowGroup()) != null) {
          var records = new ColumnIOFactory().getColumnIO(schema).getRecordReader(pages,
              new GroupRecordConverter(schema));
          for (long i = 0; i < pages.getRowCount(); i++) {
            Group g = records.read();
            Map<String, Object> row = new java.util.LinkedHashMap<>();
            for (int c = 0; c < schema.getFieldCount(); c++) {
              var field = schema.getType(c);
              Object v = null;
              if (g.getFieldRepetitionCount(c) > 0) {
                if (field.isPrimitive()) {
                  v = value(g, c, field.asPrimitiveType());
                } else { // LIST: repeated group list { element }
                  Group list = g.getGroup(c, 0);
                  PrimitiveType element = field.asGroupType().getType(0).asGroupType().getType(0).asPrimitiveType();
                  List<Object> values = new ArrayList<>();
                  for (int k = 0; k < list.getFieldRepetitionCount(0); k++) {
                    Group e = list.getGroup(0, k);
                    values.add(e.getFieldRepetitionCount(0) == 0 ? null : value(e, 0, element));
                  }
                  v = values;
                }
              }
              row.put(field.getName(), v);
            }
            out.add(row);
          }
        }
      }
    }
    return out;
  }

  private static Object value(Group g, int field, PrimitiveType type) {
    return switch (type.getPrimitiveTypeName()) {
      case INT64 -> g.getLong(field, 0);
      case INT32 -> g.getInteger(field, 0);
      case DOUBLE -> g.getDouble(field, 0);
      case FLOAT -> g.getFloat(field, 0);
      case BOOLEAN -> g.getBoolean(field, 0);
      default -> g.getString(field, 0);
    };
  }

  /** The objects under a prefix, copied (their folders kept) to a local folder. */
  private static Path download(String prefix) throws Exception {
    Path local = Files.createTempDirectory(dir, "read");
    for (var o : clients.s3().listObjectsV2(b -> b.bucket("batch").prefix(prefix)).contents()) {
      Path file = local.resolve(o.key().substring(prefix.length()));
      Files.createDirectories(file.getParent());
      clients.s3().getObject(b -> b.bucket("batch").key(o.key()), file);
    }
    return local;
  }

  /** A value as the raw bits of each element, so -0.0, NaN and the last ulp count. */
  private static List<Long> bits(Object value) {
    List<Long> out = new ArrayList<>();
    switch (value) {
      case float[] f -> {
        for (float x : f) {
          out.add((long) Float.floatToRawIntBits(x));
        }
      }
      case long[] l -> {
        for (long x : l) {
          out.add(x);
        }
      }
      case int[] n -> {
        for (int x : n) {
          out.add((long) x);
        }
      }
      case double[] d -> {
        for (double x : d) {
          out.add(Double.doubleToRawLongBits(x));
        }
      }
      case Float x -> out.add((long) Float.floatToRawIntBits(x));
      case Double x -> out.add(Double.doubleToRawLongBits(x));
      case Long x -> out.add(x);
      case Integer x -> out.add((long) x);
      case List<?> list -> list.forEach(e -> out.addAll(bits(e)));
      default -> throw new AssertionError("unexpected " + (value == null ? null : value.getClass()));
    }
    return out;
  }

  /** The 251-row job of irisLines(250) and a bad row: 3 chunks on the Lambda path, the bad row failed. */
  private static void assertScoredOnTheLambdaPath(BatchJob done) {
    assertThat(done.error()).isNull();
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.engine().id()).isEqualTo("lambda");
    assertThat(done.plan().chunks()).isEqualTo(3);
    assertThat(done.succeeded()).isEqualTo(250);
    assertThat(done.failed()).isEqualTo(1);
  }

  /**
   * A table row (its columns by name) of that job: the bad row (id 250) with its error and no outputs; any other with
   * its input as the line printed it and {@code /predict}'s outputs for it, bit for bit.
   */
  private static void assertRowIsWhatPredictAnswers(long id, java.util.function.Function<String, Object> row,
      List<float[]> features) {
    if (id == 250) {
      assertThat((String) row.apply("pier_error")).isNotBlank();
      assertThat(row.apply("label")).isNull();
      assertThat(row.apply("probabilities")).isNull();
      assertThat(row.apply("input")).isEqualTo(List.of(1.0, 2.0));
      return;
    }
    assertThat(row.apply("pier_error")).isNull();
    assertThat(row.apply("note")).isEqualTo("row " + id);
    float[] f = features.get((int) id);
    assertThat(row.apply("input")).isEqualTo(List.of(decimal(f[0]), decimal(f[1]), decimal(f[2]), decimal(f[3])));
    InferenceResponse expected = predictOne(f);
    for (Tensor out : expected.outputs()) {
      assertThat(bits(row.apply(out.name()))).as("output %s of row %s", out.name(), id).isEqualTo(bits(out.data()));
    }
  }

  @Test
  void aLambdaJobWritesTheSparkPathsTableOnceEvenWhenAChunkIsRetriedAndEveryRowIsWhatPredictAnswers()
      throws Exception {
    StringBuilder lines = new StringBuilder();
    List<float[]> features = irisLines(250, lines);
    lines.append("{\"id\":250,\"input\":[1.0,2.0],\"note\":\"too short\"}\n"); // an error row
    Path localInput = dir.resolve("lake.jsonl");
    Files.writeString(localInput, lines);
    clients.s3().putObject(b -> b.bucket("batch").key("in/lake.jsonl"), RequestBody.fromFile(localInput));

    // chunk 1's table file lands, its first answer is lost: the state machine retries the chunk, which writes it again
    BatchJob submitted = jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/lake.jsonl",
        "glue://lake.iris_scores", null, null));
    String date = java.time.LocalDate.ofInstant(submitted.createdAt(), java.time.ZoneOffset.UTC).toString();
    String partition = "tables/lake/iris_scores/job_id=" + submitted.id() + "/date=" + date + "/";
    loseFirstAnswer(partition + "part-00001.snappy.parquet");
    BatchJob done = awaitFinal(submitted.id());

    assertScoredOnTheLambdaPath(done);
    assertThat(puts.get(partition + "part-00001.snappy.parquet")).hasValue(2); // it was retried

    // the table: the Spark path's columns for this input (as SparkBatchJobTest sees Spark register them for the same
    // rows: Spark's JSON inference sorts fields by name, integers bigint, numbers double; outputs as the connector
    // types them; pier_error)
    assertThat(glueColumns("lake.iris_scores")).containsExactly("id bigint", "input array<double>", "note string",
        "probabilities array<float>", "label bigint", "pier_error string");
    JsonNode t = glue.tables.get("lake.iris_scores");
    assertThat(t.path("StorageDescriptor").path("Location").asText()).isEqualTo("s3://batch/tables/lake/iris_scores/");
    assertThat(t.path("PartitionKeys").toString()).isEqualTo(
        "[{\"Name\":\"job_id\",\"Type\":\"string\"},{\"Name\":\"date\",\"Type\":\"string\"}]");
    assertThat(glue.partitions).hasSize(1);
    JsonNode p = glue.partitions.values().iterator().next();
    assertThat(p.path("Values").toString()).isEqualTo("[\"" + done.id() + "\",\"" + date + "\"]");
    assertThat(p.path("StorageDescriptor").path("Location").asText()).isEqualTo("s3://batch/" + partition);
    assertThat(p.path("Parameters").path("pier_model_version").asText()).isEqualTo("1");

    // the files: one per chunk, named by the chunk; read back, every row once
    assertThat(clients.s3().listObjectsV2(b -> b.bucket("batch").prefix(partition)).contents())
        .extracting(o -> o.key().substring(partition.length()))
        .containsExactly("part-00000.snappy.parquet", "part-00001.snappy.parquet", "part-00002.snappy.parquet");
    List<Map<String, Object>> rows = readRows(download(partition));
    assertThat(rows).hasSize(251);
    Set<Long> ids = new HashSet<>();
    for (Map<String, Object> row : rows) {
      assertThat(row.keySet()).containsExactly("id", "input", "note", "probabilities", "label", "pier_error");
      long id = (Long) row.get("id");
      assertThat(ids.add(id)).as("row %s once", id).isTrue();
      assertRowIsWhatPredictAnswers(id, row::get, features);
    }
    JsonNode manifest = new com.fasterxml.jackson.databind.ObjectMapper().readTree(clients.s3()
        .getObjectAsBytes(b -> b.bucket("batch").key(done.manifest().key())).asByteArray());
    assertThat(manifest.path("table").asText()).isEqualTo("glue://lake.iris_scores");
    assertThat(manifest.path("results").get(0).asText()).isEqualTo("s3://batch/" + partition);
    assertThat(clients.s3().getObjectAsBytes(b -> b.bucket("batch").key(done.errorsFile().key())).asUtf8String())
        .startsWith("{\"id\":250,\"error\":");
  }

  @Test
  void aTableOfOtherColumnsIsRefusedBeforeAnyRowIsScoredAppendAddsAPartitionAndOverwriteReplacesIt()
      throws Exception {
    StringBuilder lines = new StringBuilder();
    irisLines(20, lines);
    clients.s3().putObject(b -> b.bucket("batch").key("in/small.jsonl"), RequestBody.fromString(lines.toString()));
    clients.s3().putObject(b -> b.bucket("batch").key("in/other.csv"), RequestBody.fromString(
        "id,input_0,input_1,input_2,input_3\n1,5.1,3.5,1.4,0.2\n"));
    BatchJob first = awaitFinal(jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/small.jsonl",
        "glue://lake.appended", null, null)).id());
    assertThat(first.state()).as(String.valueOf(first.error())).isEqualTo(JobState.SUCCEEDED);

    BatchJob refused = awaitFinal(jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/small.jsonl",
        "glue://lake.appended", null, null)).id());
    assertThat(refused.state()).isEqualTo(JobState.FAILED);
    assertThat(refused.error()).isEqualTo("table lake.appended exists, and mode error_if_exists (the default)"
        + " refuses it: \"mode\": \"append\" adds this job's partition to it, \"overwrite\" replaces it");
    BatchJob otherColumns = awaitFinal(jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/other.csv",
        "glue://lake.appended", null, null, null, null, null, "append")).id());
    assertThat(otherColumns.state()).isEqualTo(JobState.FAILED);
    assertThat(otherColumns.error()).startsWith("table lake.appended exists with columns [id bigint,"
        + " input array<double>, note string").contains("this job writes [id int, input_0 double")
        .endsWith("which mode append cannot add to it");
    assertThat(refused.done() + otherColumns.done()).isZero();
    assertThat(glue.partitions.keySet()).filteredOn(k -> k.startsWith("lake.appended/")).hasSize(1);

    BatchJob appended = awaitFinal(jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/small.jsonl",
        "glue://lake.appended", null, null, null, null, null, "append")).id());
    assertThat(appended.state()).as(String.valueOf(appended.error())).isEqualTo(JobState.SUCCEEDED);
    assertThat(glue.partitions.keySet()).filteredOn(k -> k.startsWith("lake.appended/")).hasSize(2);
    assertThat(readRows(download("tables/lake/appended/"))).hasSize(40);

    // mode overwrite, once the job's chunks are written: the table takes its columns; only its partition and files
    // are left
    clients.s3().putObject(b -> b.bucket("batch").key("in/strings.jsonl"), RequestBody.fromString(
        "{\"id\":\"a\",\"input\":[5.1,3.5,1.4,0.2],\"extra\":7}\n"));
    BatchJob replaced = awaitFinal(jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/strings.jsonl",
        "glue://lake.appended", null, null, null, null, null, "overwrite")).id());
    assertThat(replaced.state()).as(String.valueOf(replaced.error())).isEqualTo(JobState.SUCCEEDED);
    assertThat(glueColumns("lake.appended")).startsWith("extra bigint", "id string", "input array<double>");
    assertThat(glue.partitions.keySet()).filteredOn(k -> k.startsWith("lake.appended/")).singleElement()
        .asString().contains(replaced.id());
    assertThat(clients.s3().listObjectsV2(b -> b.bucket("batch").prefix("tables/lake/appended/")).contents())
        .singleElement().satisfies(o -> assertThat(o.key()).startsWith("tables/lake/appended/job_id=" + replaced.id()));

    assertThatThrownBy(() -> jobs.submit(new BatchJobs.Submission("iris", "production", "s3://batch/in/small.jsonl",
        "glue://lake.by_arm", null, null, null, null, "user", null)))
        .isInstanceOf(PierException.class).hasFieldOrPropertyWithValue("status", 400)
        .hasMessageContaining("a table output (glue://lake.by_arm) takes no unit_column");
    assertThat(glue.tables).doesNotContainKey("lake.by_arm");
  }

  // ---- "table_format": "iceberg" on the Lambda path ----

  /** Every row of an Iceberg table's current snapshot, read back through Iceberg's Java API (its scan and reader). */
  private static List<org.apache.iceberg.data.Record> icebergRows(org.apache.iceberg.Table table) throws Exception {
    List<org.apache.iceberg.data.Record> out = new ArrayList<>();
    try (var tasks = table.newScan().planFiles()) {
      for (var task : tasks) {
        try (org.apache.iceberg.io.CloseableIterable<org.apache.iceberg.data.Record> rows =
            org.apache.iceberg.parquet.Parquet.read(table.io().newInputFile(task.file().location()))
                .project(table.schema()).createReaderFunc(fileSchema ->
                    org.apache.iceberg.data.parquet.GenericParquetReaders.buildReader(table.schema(), fileSchema))
                .build()) {
          rows.forEach(r -> out.add(r.copy()));
        }
      }
    }
    return out;
  }

  private static org.apache.iceberg.Table icebergTable(String qualified) throws Exception {
    try (var catalog = iceberg.catalog("s3://batch/tables/")) {
      return catalog.loadTable(IcebergTable.identifier(qualified));
    }
  }

  @Test
  void aLambdaJobWritesAnIcebergTableInOneCommitNamingTheJobEvenWhenAChunkAndTheCommitAreRetried() throws Exception {
    StringBuilder lines = new StringBuilder();
    List<float[]> features = irisLines(250, lines);
    lines.append("{\"id\":250,\"input\":[1.0,2.0],\"note\":\"too short\"}\n"); // an error row
    clients.s3().putObject(b -> b.bucket("batch").key("in/ice.jsonl"), RequestBody.fromString(lines.toString()));

    // chunk 1's data file and record land, the record's answer is lost: the chunk is retried and writes both again;
    // write-results commits, then its manifest's answer is lost: the step is retried and must not commit again
    BatchJob submitted = jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/ice.jsonl",
        "glue://lake.iris_ice", null, null, null, null, null, null, null, "iceberg"));
    String date = java.time.LocalDate.ofInstant(submitted.createdAt(), java.time.ZoneOffset.UTC).toString();
    String record = "jobs/" + submitted.id() + "/iceberg/part-00001.json";
    loseFirstAnswer(record);
    loseFirstAnswer(submitted.manifest().key());
    BatchJob done = awaitFinal(submitted.id());

    assertScoredOnTheLambdaPath(done);
    assertThat(puts.get(record)).hasValue(2); // the chunk was retried
    assertThat(puts.get(done.manifest().key())).hasValue(2); // and so was write-results, after its commit

    org.apache.iceberg.Table table = icebergTable("lake.iris_ice");
    // the Spark path's columns for this input (TableSchemaParityTest's rule), then the partition columns
    assertThat(IcebergTable.describe(table.schema())).containsExactly("id bigint", "input array<double>",
        "note string", "probabilities array<float>", "label bigint", "pier_error string", "job_id string",
        "date date");
    assertThat(IcebergTable.describe(table.spec())).isEqualTo("[identity(job_id), day(date)]");
    assertThat(table.location()).isEqualTo("s3://batch/tables/lake/iris_ice");
    assertThat(glue.tables.get("lake.iris_ice").path("Parameters").path("table_type").asText())
        .isEqualToIgnoringCase("iceberg");
    // one commit: one snapshot naming the job, with all three chunks' files
    List<org.apache.iceberg.Snapshot> snapshots = new ArrayList<>();
    table.snapshots().forEach(snapshots::add);
    assertThat(snapshots).singleElement().satisfies(s -> {
      assertThat(s.summary()).containsEntry(IcebergTable.JOB, done.id()).containsEntry("added-data-files", "3")
          .containsEntry("added-records", "251").containsEntry("pier.engine", "lambda")
          .containsEntry("pier.model-version", "1");
    });
    List<org.apache.iceberg.DataFile> files = new ArrayList<>();
    try (var tasks = table.newScan().includeColumnStats().planFiles()) {
      tasks.forEach(t -> files.add(t.file()));
    }
    String folder = "s3://batch/tables/lake/iris_ice/data/job_id=" + done.id() + "/date_day=" + date + "/";
    assertThat(files).extracting(f -> f.location().substring(folder.length())).containsExactlyInAnyOrder(
        "part-00000-" + done.id() + ".parquet", "part-00001-" + done.id() + ".parquet",
        "part-00002-" + done.id() + ".parquet");
    assertThat(clients.s3().listObjectsV2(b -> b.bucket("batch").prefix("tables/lake/iris_ice/data/")).contents())
        .hasSize(3); // the retried chunk replaced its own file
    int idField = table.schema().findField("id").fieldId();
    for (var f : files) {
      assertThat(f.partition().get(0, String.class)).isEqualTo(done.id());
      assertThat(f.partition().get(1, Integer.class)).isEqualTo((int) java.time.LocalDate.parse(date).toEpochDay());
      assertThat(f.fileSizeInBytes()).isPositive();
      assertThat(f.valueCounts()).containsEntry(idField, f.recordCount()); // the column metrics are recorded
      assertThat(f.nullValueCounts()).containsEntry(idField, 0L);
      assertThat(f.lowerBounds()).containsKey(idField);
      assertThat(f.upperBounds()).containsKey(idField);
    }
    assertThat(files.stream().mapToLong(org.apache.iceberg.DataFile::recordCount).sum()).isEqualTo(251);

    // read back: every row once, outputs bit for bit /predict's, the bad row's error
    List<org.apache.iceberg.data.Record> rows = icebergRows(table);
    assertThat(rows).hasSize(251);
    Set<Long> ids = new HashSet<>();
    for (var row : rows) {
      long id = (Long) row.getField("id");
      assertThat(ids.add(id)).as("row %s once", id).isTrue();
      assertThat(row.getField("job_id")).isEqualTo(done.id());
      assertThat(row.getField("date")).isEqualTo(java.time.LocalDate.parse(date));
      assertRowIsWhatPredictAnswers(id, row::getField, features);
    }
    JsonNode manifest = new com.fasterxml.jackson.databind.ObjectMapper().readTree(clients.s3()
        .getObjectAsBytes(b -> b.bucket("batch").key(done.manifest().key())).asByteArray());
    assertThat(manifest.path("table").asText()).isEqualTo("glue://lake.iris_ice");
    assertThat(manifest.path("results_format").asText()).isEqualTo("iceberg");
    assertThat(clients.s3().getObjectAsBytes(b -> b.bucket("batch").key(done.errorsFile().key())).asUtf8String())
        .startsWith("{\"id\":250,\"error\":");
  }

  @Test
  void anIcebergTableIsCheckedAsTheSparkPathChecksItBeforeAnyRowIsScored() throws Exception {
    StringBuilder lines = new StringBuilder();
    irisLines(20, lines);
    clients.s3().putObject(b -> b.bucket("batch").key("in/ice-small.jsonl"),
        RequestBody.fromString(lines.toString()));
    clients.s3().putObject(b -> b.bucket("batch").key("in/ice-other.csv"), RequestBody.fromString(
        "id,input_0,input_1,input_2,input_3\n1,5.1,3.5,1.4,0.2\n"));
    java.util.function.BiFunction<String, String, BatchJob> run = (input, mode) -> {
      try {
        return awaitFinal(jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/" + input,
            "glue://lake.ice_modes", null, null, null, null, null, mode, null, "iceberg")).id());
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    };
    BatchJob first = run.apply("ice-small.jsonl", null);
    assertThat(first.state()).as(String.valueOf(first.error())).isEqualTo(JobState.SUCCEEDED);

    BatchJob refused = run.apply("ice-small.jsonl", null);
    assertThat(refused.state()).isEqualTo(JobState.FAILED);
    assertThat(refused.error()).isEqualTo("table lake.ice_modes exists, and mode error_if_exists (the default)"
        + " refuses it: \"mode\": \"append\" adds this job's rows to it, \"overwrite\" replaces it");
    BatchJob other = run.apply("ice-other.csv", "append");
    assertThat(other.state()).isEqualTo(JobState.FAILED);
    assertThat(other.error()).startsWith("Iceberg table lake.ice_modes exists with columns [id bigint, input"
        + " array<double>").contains("partitioned by [identity(job_id), day(date)]; this job writes [id int,"
        + " input_0 double").endsWith("which mode append cannot add to it");
    assertThat(refused.done() + other.done()).isZero();
    assertThat(icebergTable("lake.ice_modes").snapshots()).hasSize(1);

    // a plain (Parquet) Glue table is not written as Iceberg
    BatchJob plain = awaitFinal(jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/ice-small.jsonl",
        "glue://lake.ice_plain", null, null)).id());
    assertThat(plain.state()).isEqualTo(JobState.SUCCEEDED);
    BatchJob notIceberg = awaitFinal(jobs.submit(new BatchJobs.Submission("iris", "1",
        "s3://batch/in/ice-small.jsonl", "glue://lake.ice_plain", null, null, null, null, null, "append", null,
        "iceberg")).id());
    assertThat(notIceberg.state()).isEqualTo(JobState.FAILED);
    assertThat(notIceberg.error()).isEqualTo("table lake.ice_plain exists in the Glue catalog but is not an Iceberg"
        + " table: \"table_format\": \"iceberg\" cannot write to it (another table name, or table_format parquet)");
    assertThat(notIceberg.done()).isZero();

    BatchJob appended = run.apply("ice-small.jsonl", "append");
    assertThat(appended.state()).as(String.valueOf(appended.error())).isEqualTo(JobState.SUCCEEDED);
    org.apache.iceberg.Table table = icebergTable("lake.ice_modes");
    assertThat(table.snapshots()).hasSize(2);
    assertThat(icebergRows(table)).hasSize(40).extracting(r -> r.getField("job_id")).containsOnly(first.id(),
        appended.id());

    // overwrite: the schema replaced at start (the old rows only by time travel), then this job's rows
    BatchJob replaced = run.apply("ice-other.csv", "overwrite");
    assertThat(replaced.state()).as(String.valueOf(replaced.error())).isEqualTo(JobState.SUCCEEDED);
    table = icebergTable("lake.ice_modes");
    assertThat(IcebergTable.describe(table.schema())).startsWith("id int", "input_0 double");
    assertThat(icebergRows(table)).singleElement().satisfies(r -> assertThat(r.getField("job_id"))
        .isEqualTo(replaced.id()));
  }
}
