package dev.pier.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.batch.bigquery.BigQueryStandIn;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.local.LocalAws;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.Tensor;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
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

/**
 * {@code bigquery://project.dataset.table} outputs of the Lambda path (the default engine): jobs submitted as the API
 * submits them, run by the batch-scoring state machine on the local runner through the batch worker, against the S3
 * stand-in and the HTTP/gRPC-level BigQuery stand-in, through the Spark path's writer
 * ({@code dev.pier.batch.bigquery}). The table has the job's columns (those of its {@code glue://} table, as BigQuery
 * types), is created or refused before any row is scored, and holds every input row once with {@code /predict}'s
 * outputs — also when a chunk is retried after its stream was committed (and its record lost) or after its first
 * stream was opened.
 */
class BigQueryTableOutputTest {
  static Path dir;
  static LambdaBatchFixture fx;
  static LocalAws aws;
  static AwsClients clients;
  static BigQueryStandIn bq;
  static JobsTable table;
  static BatchJobs jobs;
  static PredictionService predictions;
  /** How often each key was put; keys whose first put lands and then "fails", or never lands and fails. */
  static Map<String, AtomicInteger> puts;
  static Map<String, Integer> loseAnswerOfPut;
  static Map<String, Integer> dropPut;

  @BeforeAll
  static void start() throws Exception {
    bq = new BigQueryStandIn();
    bq.datasets.add("proj-one.scores");
    fx = new LambdaBatchFixture("pier-lambda-bigquery-test", (s3, settings, aws) ->
        new dev.pier.batch.tables.CatalogTableOutputs(new dev.pier.batch.tables.GlueOutputs(s3, () -> {
          throw new AssertionError("a bigquery:// job needs no Glue client");
        }), new dev.pier.batch.tables.IcebergOutputs(s3, "batch", null),
            new dev.pier.batch.tables.BigQueryOutputs(s3, "batch", bq.connection())));
    dir = fx.dir;
    aws = fx.aws;
    clients = fx.clients;
    table = fx.table;
    jobs = fx.jobs;
    predictions = fx.predictions;
    puts = fx.puts;
    loseAnswerOfPut = fx.loseAnswerOfPut;
    dropPut = fx.dropPut;
  }

  @AfterAll
  static void stop() {
    fx.close();
    bq.close();
  }

  private static BatchJob awaitFinal(String id) throws InterruptedException {
    return fx.awaitFinal(id);
  }

  /** {@code n} iris rows as JSON lines: an id, four features (floats, printed exactly) and a note. */
  private static List<float[]> irisLines(int n, StringBuilder out) {
    Random random = new Random(17);
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

  /** What the runtime's prediction pipeline (/predict's) answers for one row alone. */
  private static InferenceResponse predictOne(float[] features) {
    return predictions.infer("iris", "1", new InferenceRequest("one",
        List.of(new Tensor("input", Datatype.FP32, new long[] {1, 4}, features)), List.of()));
  }

  /** A table's fields as {@code name TYPE MODE}. */
  private static List<String> fields(String table) {
    List<String> out = new ArrayList<>();
    bq.tables.get(table).path("schema").path("fields").forEach(f -> out.add(f.path("name").asText() + " "
        + f.path("type").asText() + " " + f.path("mode").asText("NULLABLE")));
    return out;
  }

  /** An output tensor's values as BigQuery holds them: FLOAT64 (a float widened exactly) or INT64. */
  private static Object asBigQuery(Tensor t) {
    List<Object> out = new ArrayList<>();
    switch (t.data()) {
      case float[] f -> {
        for (float x : f) {
          out.add((double) x);
        }
      }
      case long[] l -> {
        for (long x : l) {
          out.add(x);
        }
      }
      default -> throw new AssertionError("unexpected " + t.data().getClass());
    }
    return t.shape().length == 2 && t.shape()[1] > 1 ? out : out.getFirst();
  }

  @Test
  void aLambdaJobWritesEachChunkOnceEvenWhenRetriedAndEveryRowIsWhatPredictAnswers() throws Exception {
    StringBuilder lines = new StringBuilder();
    List<float[]> features = irisLines(250, lines);
    lines.append("{\"id\":250,\"input\":[1.0,2.0],\"note\":\"too short\"}\n"); // an error row
    clients.s3().putObject(b -> b.bucket("batch").key("in/bq.jsonl"), RequestBody.fromString(lines.toString()));

    BatchJob submitted = jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/bq.jsonl",
        "bigquery://proj-one.scores.iris", null, null));
    String markers = "jobs/" + submitted.id() + "/bigquery/";
    // chunk 1: its stream is committed, then the worker dies before recording it (the record's second put never
    // lands): the retry finds the stream committed in BigQuery and writes nothing
    dropPut.put(markers + "part-00001.json", 2);
    // chunk 2: its stream is opened and recorded, the answer lost: the retry opens a new stream; the first one,
    // never committed, adds no row
    loseAnswerOfPut.put(markers + "part-00002.json", 1);
    BatchJob done = awaitFinal(submitted.id());

    assertThat(done.error()).isNull();
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.engine().id()).isEqualTo("lambda");
    assertThat(done.plan().chunks()).isEqualTo(3);
    assertThat(done.succeeded()).isEqualTo(250);
    assertThat(done.failed()).isEqualTo(1);
    assertThat(puts.get(markers + "part-00001.json").get()).as("chunk 1 retried").isGreaterThanOrEqualTo(3);
    assertThat(puts.get(markers + "part-00002.json").get()).as("chunk 2 retried").isGreaterThanOrEqualTo(3);

    // the table: the job's table columns (its glue:// table's) as BigQuery types, then the partition columns
    assertThat(fields("proj-one.scores.iris")).containsExactly("id INTEGER NULLABLE", "input FLOAT REPEATED",
        "note STRING NULLABLE", "probabilities FLOAT REPEATED", "label INTEGER NULLABLE",
        "pier_error STRING NULLABLE", "job_id STRING NULLABLE", "date DATE NULLABLE");
    JsonNode t = bq.tables.get("proj-one.scores.iris");
    assertThat(t.path("timePartitioning").path("field").asText()).isEqualTo("date");
    assertThat(t.path("labels").path("pier_job_id").asText()).isEqualTo(done.id());
    // one committed stream per chunk; chunk 2's first stream was never committed
    List<BigQueryStandIn.Stream> streams = bq.streams.values().stream()
        .filter(s -> s.table.equals("proj-one.scores.iris")).toList();
    assertThat(streams).filteredOn(s -> s.committed != null).hasSize(3);
    assertThat(streams).hasSize(4);

    List<Map<String, Object>> rows = bq.rows.get("proj-one.scores.iris");
    assertThat(rows).hasSize(251);
    LocalDate date = LocalDate.ofInstant(done.createdAt(), ZoneOffset.UTC);
    Set<Long> ids = new HashSet<>();
    for (Map<String, Object> row : rows) {
      long id = (Long) row.get("id");
      assertThat(ids.add(id)).as("row %s once", id).isTrue();
      assertThat(row.get("job_id")).isEqualTo(done.id());
      assertThat(row.get("date")).isEqualTo(date);
      if (id == 250) {
        assertThat((String) row.get("pier_error")).isNotBlank();
        assertThat(row.get("label")).isNull();
        assertThat(row.get("probabilities")).isEqualTo(List.of()); // BigQuery has no null arrays
        assertThat(row.get("input")).isEqualTo(List.of(1.0, 2.0));
        continue;
      }
      assertThat(row.get("pier_error")).isNull();
      assertThat(row.get("note")).isEqualTo("row " + id);
      float[] f = features.get((int) id);
      assertThat(row.get("input")).isEqualTo(List.of(Double.parseDouble(Float.toString(f[0])),
          Double.parseDouble(Float.toString(f[1])), Double.parseDouble(Float.toString(f[2])),
          Double.parseDouble(Float.toString(f[3]))));
      for (Tensor out : predictOne(f).outputs()) {
        assertThat(row.get(out.name())).as("output %s of row %s", out.name(), id).isEqualTo(asBigQuery(out));
      }
    }
    JsonNode manifest = new com.fasterxml.jackson.databind.ObjectMapper().readTree(clients.s3()
        .getObjectAsBytes(b -> b.bucket("batch").key(done.manifest().key())).asByteArray());
    assertThat(manifest.path("table").asText()).isEqualTo("bigquery://proj-one.scores.iris");
    assertThat(manifest.path("results_format").asText()).isEqualTo("bigquery");
    assertThat(clients.s3().getObjectAsBytes(b -> b.bucket("batch").key(done.errorsFile().key())).asUtf8String())
        .startsWith("{\"id\":250,\"error\":");
  }

  @Test
  void aTableOfOtherColumnsIsRefusedBeforeAnyRowIsScoredAndAppendAddsToAMatchingOne() throws Exception {
    StringBuilder lines = new StringBuilder();
    irisLines(20, lines);
    clients.s3().putObject(b -> b.bucket("batch").key("in/small.jsonl"), RequestBody.fromString(lines.toString()));
    clients.s3().putObject(b -> b.bucket("batch").key("in/other.csv"), RequestBody.fromString(
        "id,input_0,input_1,input_2,input_3\n1,5.1,3.5,1.4,0.2\n"));
    BatchJob first = awaitFinal(jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/small.jsonl",
        "bigquery://proj-one.scores.appended", null, null)).id());
    assertThat(first.state()).as(String.valueOf(first.error())).isEqualTo(JobState.SUCCEEDED);
    assertThat(bq.rows.get("proj-one.scores.appended")).hasSize(20);

    BatchJob refused = awaitFinal(jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/small.jsonl",
        "bigquery://proj-one.scores.appended", null, null)).id());
    assertThat(refused.state()).isEqualTo(JobState.FAILED);
    assertThat(refused.error()).startsWith("table bigquery://proj-one.scores.appended exists, and mode"
        + " error_if_exists (the default) refuses it");
    BatchJob otherColumns = awaitFinal(jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/other.csv",
        "bigquery://proj-one.scores.appended", null, null, null, null, null, "append")).id());
    assertThat(otherColumns.state()).isEqualTo(JobState.FAILED);
    assertThat(otherColumns.error()).startsWith("table bigquery://proj-one.scores.appended exists with columns [id"
        + " INT64 NULLABLE, input FLOAT64 REPEATED").contains("this job writes [id INT64 NULLABLE, input_0 FLOAT64")
        .endsWith("which mode append cannot add to it");
    assertThat(refused.done() + otherColumns.done()).isZero();
    assertThat(bq.rows.get("proj-one.scores.appended")).hasSize(20);

    BatchJob appended = awaitFinal(jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/small.jsonl",
        "bigquery://proj-one.scores.appended", null, null, null, null, null, "append")).id());
    assertThat(appended.state()).as(String.valueOf(appended.error())).isEqualTo(JobState.SUCCEEDED);
    assertThat(bq.rows.get("proj-one.scores.appended")).hasSize(40)
        .extracting(r -> r.get("job_id")).containsOnly(first.id(), appended.id());

    BatchJob noDataset = awaitFinal(jobs.submit(new BatchJobs.Submission("iris", "1", "s3://batch/in/small.jsonl",
        "bigquery://proj-one.nowhere.t", null, null)).id());
    assertThat(noDataset.state()).isEqualTo(JobState.FAILED);
    assertThat(noDataset.error()).contains("dataset proj-one.nowhere does not exist in BigQuery");
    assertThat(noDataset.done()).isZero();
  }
}
