package dev.pier.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.batch.BatchJob;
import dev.pier.batch.BatchJobs;
import dev.pier.batch.Engine;
import dev.pier.batch.JobCost;
import dev.pier.batch.JobState;
import dev.pier.batch.JobsTable;
import dev.pier.batch.LocalSparkLauncher;
import dev.pier.batch.TableMode;
import dev.pier.kernel.PierException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * A batch job of engine {@code spark} submitted as {@code POST /api/v1/batch-jobs} submits it ({@link BatchJobs}),
 * run by local mode's {@link LocalSparkLauncher} in a child JVM on the connector's real class path: the job's states,
 * rows and cost as for Lambda jobs, Parquet results partitioned by job id and date, errors and manifest.
 */
class SparkBatchJobTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static SparkJobFixture spark;

  @BeforeAll
  static void start() throws Exception {
    spark = new SparkJobFixture("pier-spark-job-test", SparkJobFixture.buildClasspath());
  }

  @AfterAll
  static void stop() {
    spark.close();
  }

  @Test
  void aGlueOutputRegistersAPartitionedParquetTableAndAnotherSchemaIsRefusedBeforeScoring() throws Exception {
    spark.clients.s3().putObject(b -> b.bucket("batch").key("in/glue.jsonl"), RequestBody.fromString(
        "{\"id\":1,\"input\":[5.1,3.5,1.4,0.2]}\n{\"id\":2,\"input\":[6.7,3.0,5.2,2.3]}\n"));
    BatchJob job = spark.jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/glue.jsonl",
        "glue://scores.iris_daily", null, null, null, "spark"));
    BatchJob done = spark.awaitFinal(job.id());

    assertThat(done.error()).isNull();
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    JsonNode t = spark.glue.tables.get("scores.iris_daily");
    assertThat(t.path("StorageDescriptor").path("Location").asText()).isEqualTo("s3://batch/tables/scores/iris_daily/");
    assertThat(t.path("PartitionKeys").toString()).isEqualTo(
        "[{\"Name\":\"job_id\",\"Type\":\"string\"},{\"Name\":\"date\",\"Type\":\"string\"}]");
    assertThat(t.path("StorageDescriptor").path("Columns").toString()).startsWith(
        "[{\"Name\":\"id\",\"Type\":\"bigint\"},{\"Name\":\"input\",\"Type\":\"array<double>\"}")
        .endsWith("{\"Name\":\"pier_error\",\"Type\":\"string\"}]");
    assertThat(spark.glue.partitions).hasSize(1);
    String location = spark.glue.partitions.values().iterator().next().path("StorageDescriptor").path("Location")
        .asText();
    assertThat(location).matches("s3://batch/tables/scores/iris_daily/job_id=" + done.id()
        + "/date=\\d{4}-\\d{2}-\\d{2}/");
    String prefix = location.substring("s3://batch/".length());
    assertThat(spark.clients.s3().listObjectsV2(b -> b.bucket("batch").prefix(prefix)).contents())
        .anyMatch(o -> o.key().endsWith(".parquet"));

    // the table exists: the default mode (error_if_exists) refuses it, and mode append refuses rows of another
    // shape (a string id, one more column); both before any row is scored
    spark.clients.s3().putObject(b -> b.bucket("batch").key("in/other.jsonl"), RequestBody.fromString(
        "{\"id\":\"a\",\"input\":[5.1,3.5,1.4,0.2],\"note\":\"x\"}\n"));
    String again = spark.jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/glue.jsonl",
        "glue://scores.iris_daily", null, null, null, "spark")).id();
    String otherShape = spark.jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/other.jsonl",
        "glue://scores.iris_daily", null, null, null, "spark", null, "append")).id();
    BatchJob refused = spark.awaitFinal(again);
    assertThat(refused.state()).isEqualTo(JobState.FAILED);
    assertThat(refused.tableMode()).isEqualTo(TableMode.ERROR_IF_EXISTS);
    assertThat(refused.error()).isEqualTo("table scores.iris_daily exists, and mode error_if_exists (the default)"
        + " refuses it: \"mode\": \"append\" adds this job's partition to it, \"overwrite\" replaces it");
    BatchJob other = spark.awaitFinal(otherShape);
    assertThat(other.state()).isEqualTo(JobState.FAILED);
    assertThat(other.error()).startsWith("table scores.iris_daily exists with columns [id bigint, input array<double>")
        .endsWith("which mode append cannot add to it");
    assertThat(refused.done() + other.done()).isZero();
    assertThat(spark.glue.partitions).hasSize(1);

    // mode append with the same columns adds a partition
    BatchJob appended = spark.awaitFinal(spark.jobs.submit(new BatchJobs.Submission("iris", "1",
        "s3://batch/in/glue.jsonl", "glue://scores.iris_daily", null, null, null, "spark", null, "append")).id());
    assertThat(appended.state()).as(String.valueOf(appended.error())).isEqualTo(JobState.SUCCEEDED);
    assertThat(spark.glue.partitions).hasSize(2);

    // mode overwrite: the table takes the new columns, and only this job's partition and files are left
    BatchJob replaced = spark.awaitFinal(spark.jobs.submit(new BatchJobs.Submission("iris", "1",
        "s3://batch/in/other.jsonl", "glue://scores.iris_daily", null, null, null, "spark", null, "overwrite")).id());
    assertThat(replaced.state()).as(String.valueOf(replaced.error())).isEqualTo(JobState.SUCCEEDED);
    assertThat(spark.glue.tables.get("scores.iris_daily").path("StorageDescriptor").path("Columns").toString())
        .startsWith("[{\"Name\":\"id\",\"Type\":\"string\"},{\"Name\":\"input\",\"Type\":\"array<double>\"},"
            + "{\"Name\":\"note\",\"Type\":\"string\"}");
    assertThat(spark.glue.partitions).hasSize(1);
    assertThat(spark.glue.partitions.values().iterator().next().path("Values").get(0).asText())
        .isEqualTo(replaced.id());
    assertThat(spark.clients.s3().listObjectsV2(b -> b.bucket("batch").prefix("tables/scores/iris_daily/")).contents())
        .isNotEmpty().allMatch(o -> o.key().startsWith("tables/scores/iris_daily/job_id=" + replaced.id() + "/"));
  }

  @Test
  void aBigQueryOutputHoldsEveryRowOnceWithTheModelsOutputsAndAnotherSchemaIsRefusedBeforeScoring()
      throws Exception {
    spark.bigQuery.datasets.add("proj-one.scores");
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 3000; i++) { // about 110 KB: two partitions of 64 KB, two chunks, two write streams
      rows.append("{\"id\":").append(i).append(",\"input\":[5.1,3.5,1.4,").append(i % 25 / 10.0).append("]}\n");
    }
    rows.append("{\"id\":3000,\"input\":[5.1,3.5]}\n");
    spark.clients.s3().putObject(b -> b.bucket("batch").key("in/bq.jsonl"), RequestBody.fromString(rows.toString()));
    BatchJob done = spark.awaitFinal(spark.jobs.submit(new BatchJobs.Submission("iris", "1",
        "s3://batch/in/bq.jsonl", "bigquery://proj-one.scores.iris_daily", null, null, null, "spark")).id());
    assertThat(done.error()).as(spark.log(done)).isNull();
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.tableUri()).isEqualTo("bigquery://proj-one.scores.iris_daily");
    assertThat(done.succeeded()).isEqualTo(3000);
    assertThat(done.failed()).isEqualTo(1);
    assertThat(done.plan().chunks()).isGreaterThan(1);

    // every row once, with its job id and date, the model's outputs as the pipeline answers them (FP32 widened)
    List<Map<String, Object>> table = spark.bigQuery.rows.get("proj-one.scores.iris_daily");
    assertThat(table).hasSize(3001);
    assertThat(table.stream().map(r -> (Long) r.get("id")).sorted().toList())
        .isEqualTo(java.util.stream.LongStream.range(0, 3001).boxed().toList());
    String date = java.time.LocalDate.ofInstant(done.createdAt(), java.time.ZoneOffset.UTC).toString();
    assertThat(table).allMatch(r -> r.get("job_id").equals(done.id()) && r.get("date").toString().equals(date));
    Map<String, Object> bad = table.stream().filter(r -> r.get("id").equals(3000L)).findFirst().orElseThrow();
    assertThat(bad.get("pier_error")).isEqualTo("column 'input' has 2 values, input 'input' takes 4");
    for (Map<String, Object> r : table) {
      if (r.get("pier_error") != null) {
        continue;
      }
      @SuppressWarnings("unchecked")
      List<Double> input = (List<Double>) r.get("input");
      float[] features = new float[4];
      for (int k = 0; k < 4; k++) {
        features[k] = input.get(k).floatValue();
      }
      var expected = spark.predictions.infer("iris", "1", new dev.pier.runtime.InferenceRequest("one",
          List.of(new dev.pier.runtime.Tensor("input", dev.pier.kernel.tensor.Datatype.FP32, new long[] {1, 4},
              features)), List.of()));
      for (var t : expected.outputs()) {
        Object value = r.get(t.name());
        List<Object> actual = value instanceof List<?> l ? List.copyOf(l) : List.of(value);
        List<Object> want = new java.util.ArrayList<>();
        switch (t.data()) {
          case float[] f -> { for (float x : f) want.add((double) x); }
          case long[] l -> { for (long x : l) want.add(x); }
          default -> throw new AssertionError("unexpected output " + t.data().getClass());
        }
        assertThat(actual).as("output %s of row %s", t.name(), r.get("id")).isEqualTo(want);
      }
    }
    JsonNode manifest = JSON.readTree(spark.clients.s3().getObjectAsBytes(b -> b.bucket("batch")
        .key(done.manifest().key())).asByteArray());
    assertThat(manifest.get("table").asText()).isEqualTo("bigquery://proj-one.scores.iris_daily");
    assertThat(manifest.get("results_format").asText()).isEqualTo("bigquery");
    assertThat(spark.clients.s3().listObjectsV2(b -> b.bucket("batch").prefix(done.output().key() + "bigquery/"))
        .contents()).hasSize(done.plan().chunks()).allSatisfy(o -> assertThat(spark.clients.s3().getObjectAsBytes(b -> b
            .bucket("batch").key(o.key())).asUtf8String()).contains("\"committed\":true"));
    assertThat(spark.bigQuery.streams.values().stream().filter(st -> st.committed != null))
        .hasSize(done.plan().chunks());

    // the table exists: the default mode refuses it, and append refuses another shape, both before any scoring
    spark.clients.s3().putObject(b -> b.bucket("batch").key("in/bq-other.jsonl"), RequestBody.fromString(
        "{\"id\":\"a\",\"input\":[5.1,3.5,1.4,0.2],\"note\":\"x\"}\n"));
    BatchJob refused = spark.awaitFinal(spark.jobs.submit(new BatchJobs.Submission("iris", "1",
        "s3://batch/in/bq.jsonl", "bigquery://proj-one.scores.iris_daily", null, null, null, "spark")).id());
    assertThat(refused.state()).isEqualTo(JobState.FAILED);
    assertThat(refused.error()).isEqualTo("table bigquery://proj-one.scores.iris_daily exists, and mode"
        + " error_if_exists (the default) refuses it: \"mode\": \"append\" adds this job's rows to it,"
        + " \"overwrite\" replaces it");
    BatchJob other = spark.awaitFinal(spark.jobs.submit(new BatchJobs.Submission("iris", "1",
        "s3://batch/in/bq-other.jsonl", "bigquery://proj-one.scores.iris_daily", null, null, null, "spark", null,
        "append")).id());
    assertThat(other.state()).isEqualTo(JobState.FAILED);
    assertThat(other.error()).startsWith("table bigquery://proj-one.scores.iris_daily exists with columns [id INT64")
        .endsWith("which mode append cannot add to it");
    assertThat(refused.done() + other.done()).isZero();
    assertThat(table).hasSize(3001);
  }

  @Test
  void aBigQueryJobKilledWithSigkillMidwayResumesAndHoldsEveryRowExactlyOnce() throws Exception {
    spark.bigQuery.datasets.add("proj-one.resumed");
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 12_000; i++) {
      rows.append("{\"id\":").append(i).append(",\"input\":[5.1,3.5,1.4,").append(i % 25 / 10.0).append("]}\n");
    }
    spark.clients.s3().putObject(b -> b.bucket("batch").key("in/bq-resume.jsonl"),
        RequestBody.fromString(rows.toString()));
    JobsTable.createIfMissing(spark.clients.dynamoDb(), "jobs-of-a-killed-server");
    BatchJob job = spark.server(new JobsTable(spark.clients.dynamoDb(), "jobs-of-a-killed-server")).submit(
        new BatchJobs.Submission("iris", "1", "s3://batch/in/bq-resume.jsonl", "bigquery://proj-one.resumed.iris",
            null, null, null, "spark"));
    long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
    while (spark.table.require(job.id()).done() == 0 && !spark.table.require(job.id()).state().isFinal()
        && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    ProcessHandle child = ProcessHandle.current().descendants()
        .filter(p -> p.info().commandLine().orElse("").contains("dev.pier.spark.SparkBatchJob " + job.id()))
        .findFirst().orElseThrow();
    child.destroyForcibly(); // SIGKILL: a wave's streams may be committed, appended or open but not recorded
    child.onExit().get();
    BatchJob killed = spark.table.require(job.id());
    assertThat(killed.state()).isEqualTo(JobState.RUNNING);
    assertThat(killed.done()).isBetween(1L, 11_999L);

    spark.server(spark.table).resumeUnfinished();
    BatchJob resumed = spark.awaitFinal(job.id());
    assertThat(resumed.error()).as(spark.log(job)).isNull();
    assertThat(resumed.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(resumed.succeeded()).isEqualTo(12_000);
    List<Map<String, Object>> rowsInTable = spark.bigQuery.rows.get("proj-one.resumed.iris");
    assertThat(rowsInTable.stream().map(r -> (Long) r.get("id")).sorted().toList())
        .isEqualTo(java.util.stream.LongStream.range(0, 12_000).boxed().toList()); // each once
    assertThat(spark.bigQuery.streams.values().stream().filter(st -> st.committed != null
        && st.table.equals("proj-one.resumed.iris"))).hasSize(resumed.plan().chunks());
  }

  @Test
  void aBigQueryOutputIsRefusedAsA400WhenMalformedOrWithAUnitColumn() {
    spark.clients.s3().putObject(b -> b.bucket("batch").key("in/bq400.jsonl"), RequestBody.fromString(
        "{\"id\":1,\"input\":[5.1,3.5,1.4,0.2]}\n"));
    int before = spark.table.list().size();
    assertThatThrownBy(() -> spark.jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/bq400.jsonl",
        "bigquery://scores.daily", null, null, null, "spark")))
        .isInstanceOf(PierException.class).hasFieldOrPropertyWithValue("status", 400)
        .hasMessageStartingWith("output bigquery://scores.daily must name a table as bigquery://project.dataset.table");
    assertThatThrownBy(() -> spark.jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/bq400.jsonl",
        "bigquery://proj-one.scores.daily", null, null, null, null, "user", null)))
        .isInstanceOf(PierException.class).hasFieldOrPropertyWithValue("status", 400)
        .hasMessageContaining("takes no unit_column"); // (the Lambda path writes bigquery:// too: BigQueryTableOutputTest)
    assertThat(spark.table.list()).hasSize(before);
  }

  @Test
  void aModeIsRefusedAsA400NamingItBeforeAnyJobIsCreated() {
    spark.clients.s3().putObject(b -> b.bucket("batch").key("in/mode.jsonl"), RequestBody.fromString(
        "{\"id\":1,\"input\":[5.1,3.5,1.4,0.2]}\n"));
    int before = spark.table.list().size();
    assertThatThrownBy(() -> spark.jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/mode.jsonl",
        "glue://scores.modes", null, null, null, "spark", null, "upsert")))
        .isInstanceOf(PierException.class).hasFieldOrPropertyWithValue("status", 400)
        .hasMessage("mode must be error_if_exists (the default), append or overwrite, not 'upsert'");
    assertThatThrownBy(() -> spark.jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/mode.jsonl",
        "s3://batch/elsewhere/", null, null, null, "spark", null, "append")))
        .isInstanceOf(PierException.class).hasFieldOrPropertyWithValue("status", 400)
        .hasMessage("mode (append) applies to table outputs (glue://database.table, bigquery://project.dataset.table);"
            + " an s3:// output is a new folder of the job's own");
    assertThat(spark.table.list()).hasSize(before);
  }

  @Test
  void aSparkJobRunsInAChildJvmAndReportsRowsRateAndCostLikeALambdaJob() throws Exception {
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      rows.append("{\"id\":").append(i).append(",\"input\":[5.1,3.5,1.4,").append(i % 25 / 10.0).append("]}\n");
    }
    rows.append("{\"id\":300,\"input\":[5.1,3.5]}\n");
    spark.clients.s3().putObject(b -> b.bucket("batch").key("in/rows.jsonl"), RequestBody.fromString(rows.toString()));

    BatchJob job = spark.jobs.submit(new BatchJobs.Submission("iris", "production", "s3://batch/in/rows.jsonl", null,
        null, null, null, "spark"));
    assertThat(job.engine()).isEqualTo(Engine.SPARK);
    assertThat(spark.table.require(job.id()).engine()).isEqualTo(Engine.SPARK);

    long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
    while (!spark.table.require(job.id()).state().isFinal() && System.nanoTime() < deadline) {
      Thread.sleep(500);
    }
    BatchJob done = spark.table.require(job.id());
    assertThat(done.error()).as(spark.log(job)).isNull();
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.total()).isEqualTo(301);
    assertThat(done.succeeded()).isEqualTo(300);
    assertThat(done.failed()).isEqualTo(1);
    assertThat(done.plan().basis()).isEqualTo("spark");
    assertThat(done.scoringMillis()).isPositive();
    JobCost cost = JobCost.of(done, spark.settings);
    assertThat(cost.emrServerless()).isPositive();
    assertThat(cost.lambda()).isZero();

    String errors = spark.clients.s3().getObjectAsBytes(b -> b.bucket("batch").key(done.errorsFile().key()))
        .asUtf8String();
    assertThat(errors).isEqualTo("{\"id\":\"300\",\"error\":\"column 'input' has 2 values, input 'input' takes 4\"}\n");
    JsonNode manifest = JSON.readTree(spark.clients.s3().getObjectAsBytes(b -> b.bucket("batch")
        .key(done.manifest().key())).asByteArray());
    assertThat(manifest.get("engine").asText()).isEqualTo("spark");
    assertThat(manifest.get("version").asInt()).isEqualTo(1);
    List<String> keys = spark.clients.s3().listObjectsV2(b -> b.bucket("batch")
        .prefix(done.output().key() + "results/")).contents().stream().map(o -> o.key()).toList();
    assertThat(keys).isNotEmpty().allMatch(k -> k.matches(".*/results/job_id=" + done.id()
        + "/date=\\d{4}-\\d{2}-\\d{2}/part-.*\\.parquet"));
  }

  @Test
  void aSparkJobKilledWithSigkillMidwayResumesOnRestartSkippingRecordedPartitionsWithTheSameOutput() throws Exception {
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 12_000; i++) {
      rows.append(i % 1000 == 7 ? "{\"id\":" + i + ",\"input\":[5.1,3.5]}\n" // a bad row in each part of the input
          : "{\"id\":" + i + ",\"input\":[5.1,3.5,1.4," + (i % 25 / 10.0) + "]}\n");
    }
    spark.clients.s3().putObject(b -> b.bucket("batch").key("in/resume.jsonl"),
        RequestBody.fromString(rows.toString()));
    var submission = new BatchJobs.Submission("iris", "1", "s3://batch/in/resume.jsonl", null, null, null, null,
        "spark");

    // the first server: what its launcher would record when its child exits goes nowhere, as after a kill -9 of
    // the server itself (only the child's own records, in the jobs table, remain)
    JobsTable.createIfMissing(spark.clients.dynamoDb(), "jobs-of-a-killed-server");
    String uninterrupted = spark.jobs.submit(submission).id(); // the same input, not interrupted, for comparison below
    BatchJob job = spark.server(new JobsTable(spark.clients.dynamoDb(), "jobs-of-a-killed-server")).submit(submission);
    long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
    while (spark.table.require(job.id()).done() == 0 && !spark.table.require(job.id()).state().isFinal()
        && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    ProcessHandle child = ProcessHandle.current().descendants()
        .filter(p -> p.info().commandLine().orElse("").contains("dev.pier.spark.SparkBatchJob " + job.id()))
        .findFirst().orElseThrow();
    child.destroyForcibly(); // SIGKILL
    child.onExit().get();
    BatchJob killed = spark.table.require(job.id());
    assertThat(killed.state()).isEqualTo(JobState.RUNNING);
    assertThat(killed.plan().chunks()).isGreaterThan(2);
    int recorded = 0;
    for (int p = 0; p < killed.plan().chunks(); p++) {
      recorded += spark.table.chunk(job.id(), p).isPresent() ? 1 : 0;
    }
    assertThat(recorded).isBetween(1, killed.plan().chunks() - 1);

    // the restarted server resumes it: a new child that scores only the partitions not recorded
    spark.server(spark.table).resumeUnfinished();
    BatchJob resumed = spark.awaitFinal(job.id());
    String log = spark.log(job);
    assertThat(resumed.error()).as(log).isNull();
    assertThat(resumed.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(log).contains("pier-spark: " + recorded + " of " + killed.plan().chunks()
        + " partitions recorded before this run; scoring " + (killed.plan().chunks() - recorded));

    // the same input run without interruption: the same counts, files and records
    BatchJob whole = spark.awaitFinal(uninterrupted);
    assertThat(whole.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(resumed.total()).isEqualTo(whole.total()).isEqualTo(12_000);
    assertThat(resumed.succeeded()).isEqualTo(whole.succeeded()).isEqualTo(11_988);
    assertThat(resumed.failed()).isEqualTo(whole.failed()).isEqualTo(12);
    assertThat(resumed.plan().chunks()).isEqualTo(whole.plan().chunks());
    Map<String, List<String>> a = results(resumed);
    Map<String, List<String>> b = results(whole);
    assertThat(a).hasSize(resumed.plan().chunks());
    assertThat(a.values().stream().mapToInt(List::size).sum()).isEqualTo(12_000);
    assertThat(a).isEqualTo(b);
    String errorsA = spark.clients.s3().getObjectAsBytes(r -> r.bucket("batch").key(resumed.errorsFile().key()))
        .asUtf8String();
    String errorsB = spark.clients.s3().getObjectAsBytes(r -> r.bucket("batch").key(whole.errorsFile().key()))
        .asUtf8String();
    assertThat(errorsA).isEqualTo(errorsB).startsWith(
        "{\"id\":\"7\",\"error\":\"column 'input' has 2 values, input 'input' takes 4\"}\n{\"id\":\"1007\",");
    assertThat(errorsA.lines()).hasSize(12);
  }

  /**
   * A job's result files: name (without the job's folder) to its records as Parquet's reader prints them, in file
   * order (not bytes: parquet-mr writes a column chunk's set of encodings in an order that varies between JVMs).
   */
  private static Map<String, List<String>> results(BatchJob job) throws Exception {
    Map<String, List<String>> out = new java.util.TreeMap<>();
    for (var o : spark.clients.s3().listObjectsV2(b -> b.bucket("batch").prefix(job.output().key() + "results/"))
        .contents()) {
      Path file = Files.createTempFile(spark.dir, "part-", ".parquet");
      Files.write(file, spark.clients.s3().getObjectAsBytes(b -> b.bucket("batch").key(o.key())).asByteArray());
      List<String> records = new java.util.ArrayList<>();
      try (var reader = org.apache.parquet.hadoop.ParquetReader.builder(
          new org.apache.parquet.hadoop.example.GroupReadSupport(), new org.apache.hadoop.fs.Path(file.toUri()))
          .build()) {
        for (var g = reader.read(); g != null; g = reader.read()) {
          records.add(g.toString());
        }
      }
      out.put(o.key().substring(o.key().lastIndexOf('/') + 1), records);
    }
    return out;
  }
}
