package dev.pier.api;

import java.util.Optional;
import dev.pier.runtime.PredictionService;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.batch.LocalBatchLauncher;
import dev.pier.batch.BatchJobs;
import dev.pier.api.PierConfig;
import dev.pier.api.platform.S3Sources;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.pier.batch.BatchJob;
import dev.pier.batch.BatchSchedules;
import dev.pier.batch.JobLauncher;
import dev.pier.batch.JobsTable;
import dev.pier.batch.ScheduleTrigger;
import dev.pier.batch.SchedulesTable;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Batch schedules through the API, and their runs: started once per fire time, across restarts. */
@QuarkusTest
class BatchSchedulesApiTest {
  @jakarta.inject.Inject S3Sources sources;
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();
  @Inject AwsClients aws;
  @Inject PierConfig pierConfig;
  @Inject PredictionService predictionService;
  @Inject BatchJobs batchJobs;
  @Inject Optional<LocalBatchLauncher> localLauncher;
  @Inject BatchSchedules batchSchedules;

  private void put(String key, String body) {
    BatchTestClient.put(aws.s3(), key, body);
  }

  private JsonPath create(String body) {
    return given().contentType(ContentType.JSON).body(body).post("/api/v1/batch-schedules").then().statusCode(201)
        .extract().jsonPath();
  }

  private List<String> jobsFrom(String scheduleId) {
    return given().get("/api/v1/batch-jobs").then().statusCode(200).extract().jsonPath()
        .<String>getList("jobs.source").stream().filter(s -> s.startsWith("schedule:" + scheduleId + "@")).toList();
  }

  /** The same schedules as a process started afresh would see them (its own service over the same tables). */
  private BatchSchedules afterRestart() {
    var config = pierConfig.batch();
    JobsTable jobs = new JobsTable(aws.dynamoDb(), config.jobsTable());
    JobLauncher launcher = new JobLauncher() {
      @Override
      public void launch(BatchJob job) {
        batchJobs.get(job.id()); // the job exists by now; the running process's lanes pick it up on resume
      }

      @Override
      public void stop(String id) {}
    };
    return new BatchSchedules(new SchedulesTable(aws.dynamoDb(), config.jobsTable()), jobs,
        predictionService, launcher, aws.s3(), batchJobs.settings(), ScheduleTrigger.NONE,
        sources.policy());
  }

  @Test
  void aScheduleIsCreatedListedReadAndDeleted() {
    JsonPath s = create("{\"model\": \"demo\", \"alias\": \"production\", \"input\": \"s3://pier-batch/daily/\","
        + " \"format\": \"jsonl\", \"priority\": \"low\", \"schedule\": \"cron(0 12 * * ? *)\"}");
    String id = s.getString("id");
    assertThat(s.getString("next_fire")).endsWith("T12:00:00Z");
    assertThat(s.getString("priority")).isEqualTo("low");

    assertThat(given().get("/api/v1/batch-schedules").then().statusCode(200).extract().jsonPath()
        .<String>getList("schedules.id")).contains(id);
    given().get("/api/v1/batch-schedules/" + id).then().statusCode(200)
        .body("schedule", equalTo("cron(0 12 * * ? *)")).body("input", equalTo("s3://pier-batch/daily/"));
    given().delete("/api/v1/batch-schedules/" + id).then().statusCode(204);
    given().get("/api/v1/batch-schedules/" + id).then().statusCode(404);
    given().delete("/api/v1/batch-schedules/" + id).then().statusCode(404);
  }

  @Test
  void refusesBadSchedulesNamingTheProblem() {
    String base = "{\"model\": \"demo\", \"input\": \"s3://pier-batch/daily/\", ";
    given().contentType(ContentType.JSON).body(base + "\"schedule\": \"cron(0 12 * * * *)\"}")
        .post("/api/v1/batch-schedules").then().statusCode(400)
        .body("error", containsString("exactly one of day-of-month and day-of-week must be ?"));
    given().contentType(ContentType.JSON).body(base + "\"schedule\": \"rate(1 minutes)\"}")
        .post("/api/v1/batch-schedules").then().statusCode(400).body("error", containsString("rate(1 minute)"));
    given().contentType(ContentType.JSON).body(base + "\"cron\": \"cron(0 12 * * ? *)\"}")
        .post("/api/v1/batch-schedules").then().statusCode(400).body("error", containsString("unknown field 'cron'"));
    given().contentType(ContentType.JSON).body(base.replace("daily/", "daily.bin") + "\"schedule\": \"rate(1 day)\"}")
        .post("/api/v1/batch-schedules").then().statusCode(400).body("error", containsString("format is required"));
    given().contentType(ContentType.JSON)
        .body("{\"model\": \"nosuch\", \"input\": \"s3://pier-batch/x.jsonl\", \"schedule\": \"rate(1 day)\"}")
        .post("/api/v1/batch-schedules").then().statusCode(404);
  }

  @Test
  void aFireTimeStartsOneRunEvenWhenFiredAgainOrAfterARestart() throws Exception {
    put("sched/rows.jsonl", "{\"id\": 1, \"input\": [5.1, 3.5, 1.4, 0.2]}\n");
    String id = create("{\"model\": \"demo\", \"input\": \"s3://pier-batch/sched/rows.jsonl\","
        + " \"schedule\": \"rate(1 day)\"}").getString("id");
    Instant fire = Instant.parse(given().get("/api/v1/batch-schedules/" + id).jsonPath().getString("created_at"))
        .plusSeconds(86_400);

    var first = batchSchedules.fire(id, fire);
    var again = batchSchedules.fire(id, fire);
    var restarted = afterRestart().fire(id, fire);

    assertThat(first).isPresent();
    assertThat(again).isEmpty();
    assertThat(restarted).isEmpty();
    assertThat(jobsFrom(id)).containsExactly("schedule:" + id + "@" + fire);
    assertThat(first.get().id()).isEqualTo(BatchSchedules.runId(id, fire));
    given().get("/api/v1/batch-schedules/" + id).then().body("last_fire", equalTo(fire.toString()));
    for (int i = 0; i < 200 && batchJobs.get(first.get().id()).state().name().matches("QUEUED|RUNNING"); i++) {
      Thread.sleep(50);
    }
    assertThat(batchJobs.get(first.get().id()).state().name()).isEqualTo("SUCCEEDED");
  }

  @Test
  void theSchedulerStartsOnlyTheLatestDueFireTimeOnceAndAPrefixRunScoresItsNewestObject() throws Exception {
    put("sched-prefix/a.jsonl", "{\"input\": [5.1, 3.5, 1.4, 0.2]}\n");
    Thread.sleep(1100); // S3 modification times have second resolution
    put("sched-prefix/b.jsonl", "{\"input\": [6.3, 2.9, 5.6, 1.8]}\n");
    String id = create("{\"model\": \"demo\", \"input\": \"s3://pier-batch/sched-prefix/\","
        + " \"schedule\": \"rate(1 minute)\"}").getString("id");
    Instant created = Instant.parse(given().get("/api/v1/batch-schedules/" + id).jsonPath().getString("created_at"));

    List<BatchJob> due = batchSchedules.fireDue(created.plusSeconds(150)); // +60 s and +120 s are due
    List<BatchJob> dueAgain = afterRestart().fireDue(created.plusSeconds(170));
    List<BatchJob> next = batchSchedules.fireDue(created.plusSeconds(185));

    assertThat(due).filteredOn(j -> j.source().startsWith("schedule:" + id)).singleElement()
        .satisfies(j -> assertThat(j.source()).endsWith("@" + created.plusSeconds(120)))
        .satisfies(j -> assertThat(j.input().toString()).isEqualTo("s3://pier-batch/sched-prefix/b.jsonl"));
    assertThat(dueAgain).noneMatch(j -> j.source().startsWith("schedule:" + id));
    assertThat(next).filteredOn(j -> j.source().startsWith("schedule:" + id)).singleElement()
        .satisfies(j -> assertThat(j.source()).endsWith("@" + created.plusSeconds(180)));
    assertThat(jobsFrom(id)).hasSize(2);
    given().delete("/api/v1/batch-schedules/" + id).then().statusCode(204);
  }

  @Test
  void batchScoringStartedByAnUploadEventOrASchedulerInvocationStartsTheJobOnceAsItsOwnExecution() throws Exception {
    put("incoming/demo/event.jsonl", "{\"input\": [5.1, 3.5, 1.4, 0.2]}\n");
    String etag = aws.s3().headObject(b -> b.bucket("pier-batch").key("incoming/demo/event.jsonl")).eTag()
        .replace("\"", ""); // EventBridge's S3 events carry the ETag unquoted
    var event = JSON.readTree("""
        {"version": "0", "source": "aws.s3", "detail-type": "Object Created",
         "detail": {"bucket": {"name": "pier-batch"}, "object": {"key": "incoming/demo/event.jsonl", "etag": "%s"}}}
        """.formatted(etag));

    var first = localLauncher.orElseThrow().startExecution(event, "event-1");
    var second = localLauncher.orElseThrow().startExecution(event, "event-2");

    assertThat(first.status().name()).isEqualTo("SUCCEEDED");
    String jobId = first.output().get("job_id").asText();
    assertThat(jobId).isEqualTo(dev.pier.batch.BatchJobs.uploadId("pier-batch", "incoming/demo/event.jsonl", etag));
    assertThat(second.output().get("job_id").asText()).isEqualTo(jobId);
    assertThat(second.output().get("started").asBoolean()).isFalse();
    // the upload watcher sees the same object (its listing quotes the ETag): still one job
    assertThat(batchJobs.list("demo", null)).filteredOn(j -> j.input().key().equals("incoming/demo/event.jsonl"))
        .hasSize(1);

    put("sched/ev.jsonl", "{\"input\": [5.1, 3.5, 1.4, 0.2]}\n");
    String id = create("{\"model\": \"demo\", \"input\": \"s3://pier-batch/sched/ev.jsonl\","
        + " \"schedule\": \"cron(0 3 * * ? *)\"}").getString("id");
    // a fire time ahead of the clock: one in the past would let the local scheduler catch up on the days since
    Instant when = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS).plus(java.time.Duration.ofDays(2))
        .plus(java.time.Duration.ofHours(3));
    var invocation = JSON.createObjectNode().put("schedule_id", id).put("scheduled_time", when.toString());
    var run = localLauncher.orElseThrow().startExecution(invocation, "sched-1");
    var rerun = localLauncher.orElseThrow().startExecution(invocation, "sched-2");

    assertThat(run.output().get("started").asBoolean()).isTrue();
    assertThat(rerun.output().get("started").asBoolean()).isFalse();
    assertThat(run.output().get("job_id").asText())
        .isEqualTo(BatchSchedules.runId(id, when));
    assertThat(jobsFrom(id)).containsExactly("schedule:" + id + "@" + when);
  }
}
