package dev.pier.api;

import java.util.Optional;
import dev.pier.kernel.local.LocalStandIns;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.api.PierConfig;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.batch.JobsTable;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/** Batch jobs through the API on local mode's stand-ins, the demo model and the bundled batch-scoring state machine. */
@QuarkusTest
class BatchJobsApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @Inject AwsClients aws;
  @Inject PierConfig pierConfig;
  @Inject Optional<LocalStandIns> standIns;

  private S3Client s3() {
    return aws.s3();
  }

  private void put(String key, String body) {
    BatchTestClient.put(s3(), key, body);
  }

  private String read(String uri) {
    return BatchTestClient.read(s3(), uri);
  }

  private static JsonPath awaitFinished(String id) throws InterruptedException {
    return BatchTestClient.awaitFinished(id);
  }

  @Test
  void aJsonlJobWithBadRowsSucceedsAndPutsEachBadRowWithItsReasonInTheErrorsFile() throws Exception {
    StringBuilder in = new StringBuilder();
    for (int i = 1; i <= 120; i++) {
      in.append(i == 7 ? "{\"id\": 7, \"input\": [1, 2, \"x\", 4]}\n"
          : i == 9 ? "{\"id\": 9, \"input\": [1, 2]}\n"
          : i == 11 ? "not json\n"
          : "{\"id\": " + i + ", \"input\": [5.1, 3.5, 1.4, 0.2], \"note\": \"kept out\"}\n");
    }
    put("in/rows.jsonl", in.toString());

    String id = given().contentType("application/json")
        .body("{\"model\": \"demo\", \"version\": \"production\", \"input\": \"s3://pier-batch/in/rows.jsonl\","
            + " \"priority\": \"high\"}")
        .post("/api/v1/batch-jobs").then().statusCode(201).body("state", equalTo("QUEUED"))
        .extract().path("id");
    JsonPath job = awaitFinished(id);

    assertThat(job.getString("state")).isEqualTo("SUCCEEDED");
    assertThat(job.getString("engine")).isEqualTo("lambda");
    assertThat(job.getMap("estimated_cost_usd")).doesNotContainKey("emr_serverless");
    assertThat(job.getLong("records.total")).isEqualTo(120);
    assertThat(job.getLong("records.succeeded")).isEqualTo(117);
    assertThat(job.getLong("records.failed")).isEqualTo(3);
    assertThat(job.getString("output")).isEqualTo("s3://pier-batch/outputs/" + id + "/");
    JsonNode manifest = JSON.readTree(read(job.getString("manifest")));
    Set<Long> ids = new HashSet<>();
    for (JsonNode file : manifest.get("results")) {
      for (String line : read(file.asText()).split("\n")) {
        JsonNode row = JSON.readTree(line);
        assertThat(row.get("probabilities")).hasSize(3);
        assertThat(row.get("label").asInt()).isZero();
        assertThat(ids.add(row.get("id").asLong())).isTrue();
      }
    }
    assertThat(ids).hasSize(117);
    String errors = read(job.getString("errors"));
    assertThat(errors.lines()).hasSize(3);
    assertThat(errors).contains("{\"id\":7,\"error\":\"input 'input' takes numbers, got \\\"x\\\"\"}",
        "{\"id\":9,\"error\":\"input 'input' needs 4 values per row, got 2\"}", "{\"id\":11,\"error\":\"malformed");
  }

  @Test
  void aCsvJobWritesCsvResultsWithOneColumnPerOutputValue() throws Exception {
    put("in/rows.csv", "id,sepal_length,sepal_width,petal_length,petal_width\na,5.1,3.5,1.4,0.2\nb,6.3,2.9,5.6,1.8\n");
    String id = given().contentType("application/json")
        .body("{\"model\": \"demo\", \"input\": \"s3://pier-batch/in/rows.csv\"}")
        .post("/api/v1/batch-jobs").then().statusCode(201).extract().path("id");
    JsonPath job = awaitFinished(id);

    assertThat(job.getString("state")).isEqualTo("SUCCEEDED");
    String results = read(job.getString("output") + "results/part-00000.csv");
    assertThat(results.lines().toList()).hasSize(3).first()
        .isEqualTo("id,probabilities_0,probabilities_1,probabilities_2,label");
    assertThat(results.lines().toList().get(1)).startsWith("a,").endsWith(",0");
    assertThat(results.lines().toList().get(2)).startsWith("b,").endsWith(",2");
    // the job appears downstream in the version's lineage
    assertThat(given().get("/api/v1/models/demo/versions/" + job.getInt("version") + "/lineage")
        .then().statusCode(200).extract().jsonPath().getList("downstream.batch_jobs.id", String.class)).contains(id);
  }

  @Test
  void anObjectUploadedUnderIncomingStartsExactlyOneJobForTheModelsProductionAlias() throws Exception {
    put("incoming/demo/upload.jsonl", "{\"input\": [5.1, 3.5, 1.4, 0.2]}\n{\"input\": [6.3, 2.9, 5.6, 1.8]}\n");
    String id = null;
    for (int i = 0; i < 200 && id == null; i++) {
      for (JsonNode j : JSON.readTree(given().get("/api/v1/batch-jobs?model=demo").asString()).get("jobs")) {
        if (j.get("input").asText().equals("s3://pier-batch/incoming/demo/upload.jsonl")) {
          id = j.get("id").asText();
        }
      }
      Thread.sleep(50);
    }
    assertThat(id).as("a job for the upload").isNotNull();
    JsonPath job = awaitFinished(id);
    Thread.sleep(1500); // more polls of incoming/ see the same object again

    assertThat(job.getString("state")).isEqualTo("SUCCEEDED");
    assertThat(job.getString("requested")).isEqualTo("production");
    assertThat(read(job.getString("output") + "results/part-00000.jsonl").lines().map(l -> l.substring(0, 8)))
        .containsExactly("{\"id\":1,", "{\"id\":2,"); // line numbers stand in for missing ids
    long jobsForUpload = JSON.readTree(given().get("/api/v1/batch-jobs").asString()).get("jobs").findValuesAsText(
        "input").stream().filter(s -> s.endsWith("incoming/demo/upload.jsonl")).count();
    assertThat(jobsForUpload).isEqualTo(1);
  }

  @Test
  void aChunkRecordedTwiceIsCountedOnce() {
    JobsTable table = new JobsTable(aws.dynamoDb(), pierConfig.batch().jobsTable());
    var job = new dev.pier.batch.BatchJob("bj-twice", "demo", "production", 1, dev.pier.batch.JobState.QUEUED,
        dev.pier.batch.Priority.LOW, new dev.pier.batch.S3Uri("pier-batch", "x.jsonl"),
        new dev.pier.batch.S3Uri("pier-batch", "outputs/bj-twice/"), dev.pier.batch.InputFormat.JSONL, null, 0, 0, 0,
        java.time.Instant.now(), null, null, null, "test", null);
    assertThat(table.create(job)).isTrue();
    assertThat(table.create(job)).isFalse();
    table.start("bj-twice", 30, new dev.pier.batch.BatchJob.Plan(2, 15, 1, "default", 0));

    assertThat(table.recordChunk("bj-twice", 0, new JobsTable.ChunkCounts(9, 1), 5)).isTrue();
    assertThat(table.recordChunk("bj-twice", 0, new JobsTable.ChunkCounts(9, 1), 5)).isFalse();
    assertThat(table.recordChunk("bj-twice", 1, new JobsTable.ChunkCounts(20, 0), 5)).isTrue();

    var stored = table.require("bj-twice");
    assertThat(stored.succeeded()).isEqualTo(29);
    assertThat(stored.failed()).isEqualTo(1);
    table.finish("bj-twice", dev.pier.batch.JobState.CANCELLED, null);
    given().post("/api/v1/batch-jobs/bj-twice/cancel").then().statusCode(409)
        .body("error", containsString("CANCELLED"));
  }

  @Test
  void refusesJobsForUnknownModelsAndMalformedRequestsNamingTheField() {
    given().contentType("application/json").body("{\"model\": \"nosuch\", \"input\": \"s3://pier-batch/in/x.jsonl\"}")
        .post("/api/v1/batch-jobs").then().statusCode(404);
    given().contentType("application/json").body("{\"model\": \"demo\", \"input\": \"/tmp/x.jsonl\"}")
        .post("/api/v1/batch-jobs").then().statusCode(400).body("error", containsString("input"));
    given().contentType("application/json")
        .body("{\"model\": \"demo\", \"input\": \"s3://pier-batch/x.jsonl\", \"priority\": \"urgent\"}")
        .post("/api/v1/batch-jobs").then().statusCode(400).body("error", containsString("priority"));
    given().get("/api/v1/batch-jobs/bj-nosuch").then().statusCode(404);
  }

  @Test
  void aJobWhoseInputDoesNotExistIsRefusedAtSubmissionNamingItAndNoJobIsMade() {
    int before = given().get("/api/v1/batch-jobs").then().statusCode(200).extract().jsonPath().getList("jobs").size();
    given().contentType("application/json").body("{\"model\": \"demo\", \"input\": \"s3://pier-batch/in/absent.jsonl\"}")
        .post("/api/v1/batch-jobs").then().statusCode(400)
        .body("error", equalTo("input s3://pier-batch/in/absent.jsonl does not exist"));
    given().contentType("application/json").body("{\"model\": \"demo\", \"input\": \"s3://no-such-bucket/x.jsonl\"}")
        .post("/api/v1/batch-jobs").then().statusCode(400)
        .body("error", containsString("s3://no-such-bucket/x.jsonl"));
    given().get("/api/v1/batch-jobs").then().statusCode(200).body("jobs.size()", equalTo(before));
  }

  @Test
  void localEnvNamesTheS3StandInAndTheBatchBucket() throws Exception {
    Properties env = new Properties();
    try (var r = Files.newBufferedReader(Path.of(pierConfig.dataDir(), "local.env"))) {
      env.load(r);
    }
    assertThat(env.getProperty("AWS_ENDPOINT_URL_S3")).isEqualTo(standIns.orElseThrow().s3Endpoint().toString());
    assertThat(env.getProperty("PIER_BATCH_BUCKET")).isEqualTo("pier-batch");
    assertThat(env.stringPropertyNames()).contains("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION");
  }

  @Test
  void localEnvHoldsTheDataDirectorysOwnStandInKeysReadableByItsOwnerOnly() throws Exception {
    Path file = Path.of(pierConfig.dataDir(), "local.env");
    Properties env = new Properties();
    try (var r = Files.newBufferedReader(file)) {
      env.load(r);
    }
    assertThat(env.getProperty("AWS_ACCESS_KEY_ID")).isEqualTo(standIns.orElseThrow().accessKeyId())
        .isNotEqualTo("pier-local");
    assertThat(env.getProperty("AWS_SECRET_ACCESS_KEY")).isEqualTo(standIns.orElseThrow().secretAccessKey())
        .isNotEqualTo("pier-local-secret");
    assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(
        java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
  }

  @Test
  void anUnknownEngineIsA400AndSparkWithoutTheConnectorA501AndAMalformedBigQueryTableA400() throws Exception {
    put("in/engine.jsonl", "{\"input\": [5.1, 3.5, 1.4, 0.2]}\n");
    given().contentType("application/json")
        .body("{\"model\": \"demo\", \"input\": \"s3://pier-batch/in/engine.jsonl\", \"engine\": \"flink\"}")
        .post("/api/v1/batch-jobs").then().statusCode(400)
        .body("error", equalTo("engine must be lambda or spark, not 'flink'"));
    given().contentType("application/json")
        .body("{\"model\": \"demo\", \"input\": \"s3://pier-batch/in/engine.jsonl\", \"engine\": \"spark\"}")
        .post("/api/v1/batch-jobs").then().statusCode(501).body("error", containsString("pier.batch.spark.classpath"));
    given().contentType("application/json")
        .body("{\"model\": \"demo\", \"input\": \"s3://pier-batch/in/engine.jsonl\","
            + " \"output\": \"bigquery://scores.daily\"}")
        .post("/api/v1/batch-jobs").then().statusCode(400)
        .body("error", startsWith("output bigquery://scores.daily must name a table as"
            + " bigquery://project.dataset.table"));
  }
}
