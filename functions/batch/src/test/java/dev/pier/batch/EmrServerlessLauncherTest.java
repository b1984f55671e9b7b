package dev.pier.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.local.LocalAws;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * The EMR Serverless launcher through the SDK's HTTP client and SigV4 signer against an HTTP stand-in of the EMR
 * Serverless REST API (StartJobRun with client-token idempotency, GetJobRun, CancelJobRun, ListJobRuns; errors as the
 * API's {@code {"message": …}}), with the jobs table on the local DynamoDB stand-in. Test-only: nothing here ships.
 */
class EmrServerlessLauncherTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String APP = "00fabcdexample01";
  private static final String ROLE = "arn:aws:iam::123456789012:role/pier-dev-emr-job";

  static LocalAws aws;
  static AwsClients clients;
  static JobsTable table;
  static HttpServer server;
  static final List<JsonNode> calls = new CopyOnWriteArrayList<>();
  /** run id → run (state, stateDetails, name); client token → run id. */
  static final Map<String, ObjectNode> runs = new ConcurrentHashMap<>();
  static final Map<String, String> tokens = new ConcurrentHashMap<>();
  static volatile String refuseWith; // a ValidationException message StartJobRun answers, when set
  static EmrServerlessLauncher launcher;

  @BeforeAll
  static void start() throws Exception {
    aws = LocalAws.start(Files.createTempDirectory("pier-emr-test"));
    clients = new AwsClients(new AwsClients.AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    JobsTable.createIfMissing(clients.dynamoDb(), "jobs");
    table = new JobsTable(clients.dynamoDb(), "jobs");
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", x -> {
      String path = x.getRequestURI().getPath();
      String method = x.getRequestMethod();
      byte[] in = x.getRequestBody().readAllBytes();
      calls.add(JSON.createObjectNode().put("method", method).put("path", path)
          .put("authorization", x.getRequestHeaders().getFirst("Authorization"))
          .put("body", new String(in, StandardCharsets.UTF_8)));
      int status = 200;
      ObjectNode out = JSON.createObjectNode();
      String prefix = "/applications/" + APP + "/jobruns";
      if (!path.startsWith(prefix)) {
        status = 404;
        out.put("message", "Application " + path + " does not exist");
      } else if (method.equals("POST") && path.equals(prefix)) {
        JsonNode body = JSON.readTree(in);
        if (refuseWith != null) {
          status = 400;
          out.put("message", refuseWith);
        } else {
          String id = tokens.computeIfAbsent(body.path("clientToken").asText(), t -> {
            String run = "00f" + Long.toHexString(System.nanoTime());
            runs.put(run, JSON.createObjectNode().put("applicationId", APP).put("jobRunId", run)
                .put("name", body.path("name").asText()).put("state", "SUBMITTED"));
            return run;
          });
          out.put("applicationId", APP).put("jobRunId", id).put("arn", "arn:aws:emr-serverless:us-east-1:"
              + "123456789012:/applications/" + APP + "/jobruns/" + id);
        }
      } else if (method.equals("GET") && path.equals(prefix)) {
        var list = out.putArray("jobRuns");
        runs.values().forEach(r -> list.add(r.deepCopy().put("id", r.get("jobRunId").asText())));
      } else {
        ObjectNode run = runs.get(path.substring(prefix.length() + 1));
        if (run == null) {
          status = 404;
          out.put("message", "Job run " + path + " does not exist");
        } else if (method.equals("GET")) {
          out.set("jobRun", run);
        } else if (method.equals("DELETE")) {
          run.put("state", "CANCELLING");
          out.put("applicationId", APP).put("jobRunId", run.get("jobRunId").asText());
        }
      }
      byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().add("Content-Type", "application/json");
      x.sendResponseHeaders(status, bytes.length);
      x.getResponseBody().write(bytes);
      x.close();
    });
    server.start();
    launcher = new EmrServerlessLauncher(table, URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
        UrlConnectionHttpClient.create(), StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST",
            "secret")), "us-east-1", APP, ROLE, "s3://pier-artifacts/spark/pier-spark.jar",
        Map.of("PIER_REGISTRY_TABLE", "registry", "PIER_BATCH_JOBS_TABLE", "jobs"));
  }

  @AfterAll
  static void stop() {
    server.stop(0);
    clients.close();
    aws.close();
  }

  private static BatchJob job(String id) {
    BatchJob job = BatchJobs.newJob(id, "fraud", "production", 3, Priority.NORMAL, new S3Uri("data", "in/rows.parquet"),
        new S3Uri("pier-batch", "outputs/" + id + "/"), InputFormat.PARQUET, "api", null, Engine.SPARK, null, null, null);
    assertThat(table.create(job)).isTrue();
    return job;
  }

  private static String runOf(String id) {
    return table.run(id).orElseThrow();
  }

  @Test
  void launchingSignsAStartJobRunOfTheConnectorAndRecordsTheRunOnceHoweverOftenItIsLaunched() throws Exception {
    BatchJob job = job("bj-emr-start");
    launcher.launch(job);
    launcher.launch(job);

    List<JsonNode> starts = calls.stream().filter(c -> c.get("method").asText().equals("POST")
        && c.get("body").asText().contains(job.id())).toList();
    assertThat(starts).hasSize(2);
    assertThat(starts.get(0).get("authorization").asText()).matches(
        "AWS4-HMAC-SHA256 Credential=AKIDTEST/\\d{8}/us-east-1/emr-serverless/aws4_request, SignedHeaders=.*"
            + ", Signature=[0-9a-f]{64}");
    JsonNode body = JSON.readTree(starts.get(0).get("body").asText());
    assertThat(body.get("clientToken").asText()).isEqualTo(job.id());
    assertThat(body.get("name").asText()).isEqualTo(job.id());
    assertThat(body.get("executionRoleArn").asText()).isEqualTo(ROLE);
    JsonNode submit = body.get("jobDriver").get("sparkSubmit");
    assertThat(submit.get("entryPoint").asText()).isEqualTo("s3://pier-artifacts/spark/pier-spark.jar");
    assertThat(submit.get("entryPointArguments").toString()).isEqualTo("[\"" + job.id() + "\"]");
    assertThat(submit.get("sparkSubmitParameters").asText()).startsWith("--class dev.pier.spark.SparkBatchJob")
        .contains(" --conf spark.executorEnv.PIER_BATCH_JOBS_TABLE=jobs")
        .contains(" --conf spark.emr-serverless.driverEnv.PIER_REGISTRY_TABLE=registry");
    assertThat(body.at("/configurationOverrides/monitoringConfiguration/s3MonitoringConfiguration/logUri").asText())
        .isEqualTo("s3://pier-batch/outputs/bj-emr-start/logs/");
    assertThat(runs.values().stream().filter(r -> r.get("name").asText().equals(job.id()))).hasSize(1);
    assertThat(runs).containsKey(runOf(job.id()));
  }

  @ParameterizedTest
  @CsvSource({"SUBMITTED,QUEUED", "PENDING,QUEUED", "SCHEDULED,QUEUED", "QUEUED,QUEUED", "RUNNING,RUNNING",
      "SUCCESS,SUCCEEDED", "FAILED,FAILED", "CANCELLING,CANCELLED", "CANCELLED,CANCELLED"})
  void eachRunStateStandsForAJobState(String run, JobState job) {
    assertThat(EmrRunState.parse(run).jobState()).isEqualTo(job);
  }

  @Test
  void aRunThatFailsBeforeItsDriverRecordsAnythingFailsTheJobWithEmrsReason() {
    BatchJob job = job("bj-emr-failed");
    launcher.launch(job);
    String run = runOf(job.id());
    for (String waiting : List.of("SUBMITTED", "PENDING", "SCHEDULED", "RUNNING")) {
      runs.get(run).put("state", waiting);
      assertThat(launcher.refresh(table.require(job.id())).state()).as(waiting).isEqualTo(JobState.QUEUED);
    }
    runs.get(run).put("state", "FAILED").put("stateDetails",
        "Job failed, please check complete logs in configured logging destination. ExitCode: 1. Last few exceptions:"
            + " java.lang.ClassNotFoundException: dev.pier.spark.SparkBatchJob");
    BatchJob failed = launcher.refresh(table.require(job.id()));
    assertThat(failed.state()).isEqualTo(JobState.FAILED);
    assertThat(failed.error()).isEqualTo("EMR Serverless job run " + run + " FAILED: Job failed, please check complete"
        + " logs in configured logging destination. ExitCode: 1. Last few exceptions:"
        + " java.lang.ClassNotFoundException: dev.pier.spark.SparkBatchJob");
    assertThat(failed.finishedAt()).isNotNull();
  }

  @Test
  void aRunCancelledInEmrCancelsTheJobAndOneThatSucceededWithoutRecordingItFailsIt() {
    BatchJob cancelled = job("bj-emr-cancelled");
    launcher.launch(cancelled);
    runs.get(runOf(cancelled.id())).put("state", "CANCELLING").put("stateDetails", "Cancelled by user");
    BatchJob c = launcher.refresh(table.require(cancelled.id()));
    assertThat(c.state()).isEqualTo(JobState.CANCELLED);
    assertThat(c.error()).isEqualTo("EMR Serverless job run " + runOf(cancelled.id())
        + " was CANCELLING: Cancelled by user");

    BatchJob lost = job("bj-emr-lost");
    launcher.launch(lost);
    table.start(lost.id(), 10, new BatchJob.Plan(2, 5, 2, "spark", 0));
    runs.get(runOf(lost.id())).put("state", "SUCCESS");
    BatchJob l = launcher.refresh(table.require(lost.id()));
    assertThat(l.state()).isEqualTo(JobState.FAILED);
    assertThat(l.error()).endsWith("ended (SUCCESS) without the job recording its end");

    // a job its driver finished is left as it is, whatever the run says afterwards
    BatchJob done = job("bj-emr-done");
    launcher.launch(done);
    table.start(done.id(), 10, new BatchJob.Plan(2, 5, 2, "spark", 0));
    table.finish(done.id(), JobState.SUCCEEDED, null);
    runs.get(runOf(done.id())).put("state", "FAILED").put("stateDetails", "late");
    assertThat(launcher.refresh(table.require(done.id())).state()).isEqualTo(JobState.SUCCEEDED);
  }

  @Test
  void stoppingAJobCancelsItsRecordedRun() {
    BatchJob job = job("bj-emr-stop");
    launcher.launch(job);
    launcher.stop(job.id());
    assertThat(runs.get(runOf(job.id())).get("state").asText()).isEqualTo("CANCELLING");
    assertThat(calls.getLast().get("method").asText()).isEqualTo("DELETE");
    assertThat(calls.getLast().get("path").asText()).isEqualTo("/applications/" + APP + "/jobruns/" + runOf(job.id()));
  }

  @Test
  void aRunEmrRefusesFailsTheJobWithItsMessageAndAnUnknownRunIsAnError() {
    BatchJob job = job("bj-emr-refused");
    refuseWith = "User: arn:aws:sts::123456789012:assumed-role/pier-api is not authorized to perform:"
        + " iam:PassRole on resource: " + ROLE;
    try {
      launcher.launch(job);
    } finally {
      refuseWith = null;
    }
    BatchJob failed = table.require(job.id());
    assertThat(failed.state()).isEqualTo(JobState.FAILED);
    assertThat(failed.error()).isEqualTo("EMR Serverless refused the job run (400): User:"
        + " arn:aws:sts::123456789012:assumed-role/pier-api is not authorized to perform: iam:PassRole on resource: "
        + ROLE);
    assertThat(table.run(job.id())).isEmpty();

    BatchJob orphan = job("bj-emr-orphan");
    table.recordRun(orphan.id(), "00f-no-such-run");
    assertThatThrownBy(() -> launcher.refresh(orphan)).isInstanceOf(TransientError.class)
        .hasMessageContaining("EMR Serverless answered 404 to GET /jobruns/{id}");
  }

  @Test
  void anIcebergTablesRunAddsTheIcebergRuntimeEmrBundlesAndOtherRunsDoNot() throws Exception {
    BatchJob iceberg = BatchJobs.newJob("bj-emr-iceberg", "fraud", "production", 3, Priority.NORMAL,
        new S3Uri("data", "in/rows.parquet"), new S3Uri("pier-batch", "outputs/bj-emr-iceberg/"), InputFormat.PARQUET,
        "api", null, Engine.SPARK, "scores.daily", null, null, TableFormat.ICEBERG);
    BatchJob parquet = BatchJobs.newJob("bj-emr-parquet", "fraud", "production", 3, Priority.NORMAL,
        new S3Uri("data", "in/rows.parquet"), new S3Uri("pier-batch", "outputs/bj-emr-parquet/"), InputFormat.PARQUET,
        "api", null, Engine.SPARK, "scores.daily", null, null, null);
    assertThat(parquet.tableFormat()).isEqualTo(TableFormat.PARQUET);
    String withIceberg = JSON.readTree(launcher.startJobRunBody(iceberg)).at("/jobDriver/sparkSubmit/sparkSubmitParameters")
        .asText();
    String without = JSON.readTree(launcher.startJobRunBody(parquet)).at("/jobDriver/sparkSubmit/sparkSubmitParameters")
        .asText();
    assertThat(withIceberg).isEqualTo(without
        + " --conf spark.jars=/usr/share/aws/iceberg/lib/iceberg-spark3-runtime.jar");
    assertThat(without).doesNotContain("iceberg");
  }
}
