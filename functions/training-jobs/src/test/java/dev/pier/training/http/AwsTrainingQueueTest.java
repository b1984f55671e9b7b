package dev.pier.training.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.aws.DynamoTables;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.RegistryTable;
import dev.pier.training.StandIns;
import dev.pier.batch.StepFunctionsStandIn;
import dev.pier.training.jobs.JobState;
import dev.pier.training.jobs.QueuedStepFunctionsLauncher;
import dev.pier.training.jobs.StepFunctionsTrainingLauncher;
import dev.pier.training.jobs.TrainingJobsTable;
import dev.pier.training.jobs.TrainingWorkerHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * AWS's training queue, through the training worker Lambda's entry point wired from its environment
 * ({@code PIER_TRAINING_PROJECT_CONCURRENCY=1}) over the DynamoDB and S3 stand-ins, with the real Step Functions client
 * against {@link StepFunctionsStandIn}: a project's jobs over its limit wait queued; when a running one ends (the
 * workflow's fail task, a cancel) the next starts by priority, then age; a job is started once however many ends
 * dispatch.
 */
class AwsTrainingQueueTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:pier-dev-training";
  private static final List<String> ADMIN = List.of("read:*", "register:*", "alias:*");

  @TempDir static Path work;
  static StandIns standIns;
  static StepFunctionsStandIn sfn;
  static TrainingWorkerHandler handler;
  static TrainingJobsTable jobs;

  @BeforeAll
  static void start() throws Exception {
    standIns = new StandIns(work.resolve("aws"));
    var dynamo = standIns.clients.dynamoDb();
    standIns.clients.s3().createBucket(b -> b.bucket("data"));
    DynamoTables.createIfMissing(dynamo, "jobs", DynamoTables.SINGLE_TABLE, null);
    RegistryTable.createIfMissing(dynamo, "registry");
    new ArtifactStore(standIns.clients.s3(), "artifacts").createBucketIfMissing();
    jobs = new TrainingJobsTable(dynamo, "jobs");
    Random r = new Random(5);
    StringBuilder csv = new StringBuilder("a,b,y\n");
    for (int i = 0; i < 30; i++) {
      double a = r.nextDouble();
      csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%d%n", a, r.nextDouble(), a > 0.5 ? 1 : 0));
    }
    standIns.clients.s3().putObject(b -> b.bucket("data").key("queue/rows.csv"),
        RequestBody.fromString(csv.toString()));
    sfn = new StepFunctionsStandIn();
    handler = new TrainingWorkerHandler(TrainingWorkerHandler.fromEnvironment(Map.of(
        "PIER_JOBS_TABLE", "jobs", "PIER_TRAINING_BUCKET", "data", "PIER_REGISTRY_TABLE", "registry",
        "PIER_ARTIFACTS_BUCKET", "artifacts", "PIER_SAGEMAKER_XGBOOST_IMAGE", "xgboost:latest",
        "PIER_TRAINING_STATE_MACHINE_ARN", MACHINE, "PIER_TRAINING_PROJECT_CONCURRENCY", "1"),
        standIns.clients, sfn.endpoint()));
  }

  @AfterAll
  static void stop() {
    sfn.close();
    standIns.close();
  }

  private static JsonNode handle(ObjectNode event) throws Exception {
    var out = new ByteArrayOutputStream();
    handler.handleRequest(new ByteArrayInputStream(JSON.writeValueAsBytes(event)), out);
    return JSON.readTree(out.toByteArray());
  }

  private static JsonNode route(String method, String path, String body) throws Exception {
    ObjectNode event = JSON.createObjectNode();
    ObjectNode route = event.putObject("route").put("method", method).put("path", path);
    if (body != null) {
      route.put("body", body);
    }
    route.putObject("query");
    ObjectNode caller = event.putObject("caller").put("principal", "ana");
    ADMIN.forEach(caller.putArray("grants")::add);
    return handle(event);
  }

  private static String submit(String name, String project, String priority) throws Exception {
    JsonNode created = route("POST", "/api/v1/training-jobs", """
        {"name": "NAME", "project": "PROJECT", "priority": "PRIORITY",
         "dataset": {"uri": "s3://data/queue/rows.csv", "label": "y"},
         "params": {"objective": "binary:logistic", "num_round": 2}, "cv": {"folds": 2}, "seed": 1,
         "register": {"model": "queue-model"}}
        """.replace("NAME", name).replace("PROJECT", project).replace("PRIORITY", priority));
    assertThat(created.path("status").asInt()).as(created.toString()).isEqualTo(201);
    return created.at("/body/id").asText();
  }

  private static long starts(String id) {
    return sfn.calls("StartExecution").stream().filter(s -> s.path("name").asText().equals(id)).count();
  }

  private static String phase(String id) {
    return jobs.require(id).phase();
  }

  @Test
  void jobsOverTheProjectsLimitWaitAndStartByPriorityWhenOneEnds() throws Exception {
    String a = submit("q-a", "queue", "normal");
    String b = submit("q-b", "queue", "low");
    String c = submit("q-c", "queue", "high");
    String other = submit("q-other", "elsewhere", "low");
    assertThat(starts(a)).isEqualTo(1);
    assertThat(starts(other)).as("another project has its own slot").isEqualTo(1);
    assertThat(starts(b)).isZero();
    assertThat(starts(c)).isZero();
    assertThat(phase(b)).isEqualTo("queued");
    assertThat(phase(c)).isEqualTo("queued");
    assertThat(jobs.require(c).state()).isEqualTo(JobState.RUNNING);
    JsonNode read = route("GET", "/api/v1/training-jobs/" + c, null);
    assertThat(read.at("/body/phase").asText()).isEqualTo("queued");
    // where each waits: C (high) next in its project, then B; A runs, at the project's limit of 1
    assertThat(read.at("/body/queue")).isEqualTo(JSON.readTree("""
        {"position": 1, "queued": 2, "project": "queue", "project_limit": 1, "project_running": 1}"""));
    assertThat(route("GET", "/api/v1/training-jobs/" + b, null).at("/body/queue/position").asInt()).isEqualTo(2);
    assertThat(route("GET", "/api/v1/training-jobs/" + a, null).at("/body/queue").isMissingNode())
        .as("a running job has no place in the queue").isTrue();

    // the workflow's fail task ends A: its project's slot goes to C (high) before B (low, and older)
    ObjectNode fail = JSON.createObjectNode().put("action", "fail").put("job_id", a);
    fail.putObject("error").put("Error", "States.TaskFailed").put("Cause", "boom");
    assertThat(handle(fail).path("state").asText()).isEqualTo("FAILED");
    assertThat(starts(c)).isEqualTo(1);
    assertThat(phase(c)).isEqualTo("preparing");
    assertThat(starts(b)).isZero();
    assertThat(phase(b)).isEqualTo("queued");
    assertThat(route("GET", "/api/v1/training-jobs/" + b, null).at("/body/queue")).isEqualTo(JSON.readTree("""
        {"position": 1, "queued": 1, "project": "queue", "project_limit": 1, "project_running": 1}"""));

    // the same end reported again (a retried task) starts nothing more
    handle(fail);
    assertThat(starts(c)).isEqualTo(1);
    assertThat(starts(b)).isZero();

    // a cancel ends C: B starts
    JsonNode cancelled = route("POST", "/api/v1/training-jobs/" + c + "/cancel", null);
    assertThat(cancelled.path("status").asInt()).as(cancelled.toString()).isEqualTo(200);
    assertThat(starts(b)).isEqualTo(1);
    assertThat(phase(b)).isEqualTo("preparing");
    assertThat(starts(a)).isEqualTo(1);
    assertThat(starts(other)).isEqualTo(1);
  }

  /** Step Functions' "Execution Status Change" event as EventBridge delivers it (its documented shape). */
  private static ObjectNode statusChange(String id, String status) throws Exception {
    String execution = MACHINE.replace(":stateMachine:", ":execution:") + ":" + id;
    return (ObjectNode) JSON.readTree("""
        {"version": "0", "id": "315c1398-40ff-a850-213b-158f73e60175",
         "detail-type": "Step Functions Execution Status Change", "source": "aws.states",
         "account": "000000000000", "time": "2026-12-07T18:00:00Z", "region": "us-east-1",
         "resources": ["EXECUTION"],
         "detail": {"executionArn": "EXECUTION", "stateMachineArn": "MACHINE", "name": "ID", "status": "STATUS",
                    "startDate": 1765130000000, "stopDate": 1765130060000,
                    "input": "{\\"job_id\\": \\"ID\\"}", "output": null,
                    "inputDetails": {"included": true}, "outputDetails": null,
                    "error": "States.Timeout", "cause": "the execution timed out"}}
        """.replace("EXECUTION", execution).replace("MACHINE", MACHINE).replace("ID", id).replace("STATUS", status));
  }

  @Test
  void anExecutionEndingOutsidePiersTasksEndsItsJobAndStartsTheNextOnce() throws Exception {
    String running = submit("out-1", "outside", "normal");
    String waiting = submit("out-2", "outside", "normal");
    assertThat(starts(running)).isEqualTo(1);
    assertThat(starts(waiting)).isZero();
    // a RUNNING event is not an end: nothing changes
    assertThat(handle(statusChange(running, "RUNNING")).path("ended").asBoolean()).isFalse();
    assertThat(jobs.require(running).state()).isEqualTo(JobState.RUNNING);
    assertThat(starts(waiting)).isZero();
    // the execution timed out (no task of Pier's ran): the job ends TIMED_OUT with the reason, the next one starts
    JsonNode answer = handle(statusChange(running, "TIMED_OUT"));
    assertThat(answer.path("ended").asBoolean()).as(answer.toString()).isTrue();
    var ended = jobs.require(running);
    assertThat(ended.state()).isEqualTo(JobState.TIMED_OUT);
    assertThat(ended.phase()).isEqualTo("done");
    assertThat(ended.finishedAt()).isNotNull();
    assertThat(ended.error()).contains("ended TIMED_OUT outside Pier's tasks").contains("States.Timeout")
        .contains("the execution timed out");
    assertThat(starts(waiting)).isEqualTo(1);
    assertThat(phase(waiting)).isEqualTo("preparing");
    // the same event again (EventBridge delivers at least once), or a later FAILED one: the job ends once, nothing
    // more starts
    assertThat(handle(statusChange(running, "TIMED_OUT")).path("ended").asBoolean()).isFalse();
    assertThat(handle(statusChange(running, "FAILED")).path("ended").asBoolean()).isFalse();
    assertThat(jobs.require(running).state()).isEqualTo(JobState.TIMED_OUT);
    assertThat(jobs.require(running).error()).isEqualTo(ended.error());
    assertThat(starts(waiting)).isEqualTo(1);
    // stopped in the console: ABORTED
    handle(statusChange(waiting, "ABORTED"));
    assertThat(jobs.require(waiting).state()).isEqualTo(JobState.ABORTED);
  }

  @Test
  void twoDispatchesAtOnceStartAQueuedJobOnce() throws Exception {
    String first = submit("race-1", "race", "normal");
    String waiting = submit("race-2", "race", "normal");
    assertThat(starts(waiting)).isZero();
    // the first ends outside any dispatch (as if its end's dispatch was lost), then two dispatch together
    jobs.update(first, j -> j.with(x -> {
      x.state = JobState.FAILED;
      return x.phase("done");
    }), false);
    SfnClient client = SfnClient.builder().region(Region.US_EAST_1).httpClient(UrlConnectionHttpClient.create())
        .endpointOverride(sfn.endpoint())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
    try (client) {
      var one = new QueuedStepFunctionsLauncher(new StepFunctionsTrainingLauncher(client, MACHINE), jobs, 1);
      var two = new QueuedStepFunctionsLauncher(new StepFunctionsTrainingLauncher(client, MACHINE), jobs, 1);
      var x = CompletableFuture.supplyAsync(one::dispatch);
      var y = CompletableFuture.supplyAsync(two::dispatch);
      List<String> started = new java.util.ArrayList<>(x.get());
      started.addAll(y.get());
      assertThat(started).containsExactly(waiting);
      assertThat(starts(waiting)).isEqualTo(1);
      assertThat(one.dispatch()).isEmpty();
    }
  }
}
