package dev.pier.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;
import java.util.stream.Collectors;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * AWS's Spark engine: each job is an EMR Serverless job run ({@code StartJobRun}) of the connector's
 * {@code dev.pier.spark.SparkBatchJob} on the CDK app's application, as its job role; the run records the job's
 * progress and final state in the jobs table itself, as local mode's child JVM does. The job id is the run's name and
 * idempotency token (launching twice starts one run). Workers are {@link BatchSettings#SPARK_WORKER_VCPU} vCPUs and
 * {@link BatchSettings#SPARK_WORKER_GB} GB, the sizes the cost estimate assumes.
 *
 * <p>The EMR Serverless SDK client is not served by this build's Maven mirror, so the REST API is called with the
 * SDK's own HTTP client and SigV4 signer. The run's id is recorded on the job; its state is mapped onto the job
 * ({@link #refresh}, {@link EmrRunState}) and its logs go under the job's output ({@code logs/}). Tested against an
 * HTTP stand-in of the API ({@code EmrServerlessLauncherTest}), not against AWS.
 */
public final class EmrServerlessLauncher implements JobLauncher {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final JobsTable jobs;
  private final URI endpoint;
  private final SdkHttpClient http;
  private final AwsCredentialsProvider credentials;
  private final String region;
  private final String applicationId;
  private final String jobRoleArn;
  private final String connectorJar;
  private final Map<String, String> env;

  /**
   * @param endpoint EMR Serverless's API; null for the region's
   * @param connectorJar {@code s3://…} of the connector's jar with its dependencies (Spark excluded)
   * @param env what the job reads besides the AWS defaults: {@code PIER_REGISTRY_TABLE}, {@code PIER_ARTIFACTS_BUCKET},
   *     {@code PIER_BATCH_JOBS_TABLE}
   */
  public EmrServerlessLauncher(JobsTable jobs, URI endpoint, SdkHttpClient http, AwsCredentialsProvider credentials,
      String region, String applicationId, String jobRoleArn, String connectorJar, Map<String, String> env) {
    this.jobs = jobs;
    this.endpoint = endpoint != null ? endpoint : URI.create("https://emr-serverless." + region + ".amazonaws.com");
    this.http = http;
    this.credentials = credentials;
    this.region = region;
    this.applicationId = applicationId;
    this.jobRoleArn = jobRoleArn;
    this.connectorJar = connectorJar;
    this.env = Map.copyOf(env);
  }

  /**
   * An Iceberg table's job adds the Iceberg Spark runtime EMR Serverless bundles (with Iceberg's AWS module: the Glue
   * catalog and S3FileIO); the job configures its catalog itself ({@code IcebergTables} in the connector).
   */
  static final String ICEBERG_JARS = " --conf spark.jars=/usr/share/aws/iceberg/lib/iceberg-spark3-runtime.jar";

  /** spark-submit's parameters: the main class, worker sizes, and the environment for driver and executors. */
  String sparkSubmitParameters() {
    int gb = BatchSettings.SPARK_WORKER_GB - 2; // EMR Serverless adds 10 % overhead memory to each worker
    String envConf = env.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> " --conf spark.emr-serverless.driverEnv." + e.getKey() + "=" + e.getValue()
            + " --conf spark.executorEnv." + e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining());
    return "--class dev.pier.spark.SparkBatchJob"
        + " --conf spark.driver.cores=" + BatchSettings.SPARK_WORKER_VCPU + " --conf spark.driver.memory=" + gb + "g"
        + " --conf spark.executor.cores=" + BatchSettings.SPARK_WORKER_VCPU
        + " --conf spark.executor.memory=" + gb + "g" + envConf;
  }

  /** The StartJobRun body for {@code job}. */
  String startJobRunBody(BatchJob job) {
    ObjectNode body = JSON.createObjectNode();
    body.put("clientToken", job.id()).put("name", job.id()).put("executionRoleArn", jobRoleArn);
    ObjectNode submit = body.putObject("jobDriver").putObject("sparkSubmit");
    submit.put("entryPoint", connectorJar).put("sparkSubmitParameters", sparkSubmitParameters()
        + (job.iceberg() ? ICEBERG_JARS : ""));
    submit.putArray("entryPointArguments").add(job.id());
    body.putObject("configurationOverrides").putObject("monitoringConfiguration")
        .putObject("s3MonitoringConfiguration").put("logUri", job.output().resolve("logs/").toString());
    body.putObject("tags").put("pier-batch-job", job.id());
    return body.toString();
  }

  /**
   * Starts the job's run and records its id. A request EMR Serverless refuses (4xx other than throttling: a bad
   * role, a missing application) fails the job with EMR's reason; throttling and 5xx throw {@link TransientError}.
   */
  @Override
  public void launch(BatchJob job) {
    Response r = send(SdkHttpMethod.POST, "/applications/" + applicationId + "/jobruns", startJobRunBody(job));
    if (r.status() >= 400 && r.status() < 500 && r.status() != 429) {
      jobs.finish(job.id(), JobState.FAILED, "EMR Serverless refused the job run (" + r.status() + "): "
          + reason(r.body()));
      return;
    }
    jobs.recordRun(job.id(), json(check(r, "POST", "/jobruns")).path("jobRunId").asText());
  }

  /**
   * Maps the run's state ({@link EmrRunState}) onto an unfinished job: a run that ended without the job recording its
   * end (it failed before or outside the driver's own bookkeeping, or was cancelled in EMR) ends the job, with EMR's
   * {@code stateDetails} as its error. A run still waiting or running leaves the job as its driver records it.
   */
  @Override
  public BatchJob refresh(BatchJob job) {
    String runId = jobs.run(job.id()).orElse(null);
    if (runId == null || job.state().isFinal()) {
      return job;
    }
    var run = json(check(send(SdkHttpMethod.GET, "/applications/" + applicationId + "/jobruns/" + runId, null),
        "GET", "/jobruns/{id}")).path("jobRun");
    EmrRunState state = EmrRunState.parse(run.path("state").asText());
    if (state == null || !state.jobState().isFinal() || jobs.require(job.id()).state().isFinal()) {
      return jobs.require(job.id());
    }
    String details = run.path("stateDetails").asText("");
    String error = switch (state) {
      case FAILED -> "EMR Serverless job run " + runId + " FAILED" + (details.isBlank() ? "" : ": " + details);
      case SUCCESS -> "EMR Serverless job run " + runId + " ended (SUCCESS) without the job recording its end";
      default -> "EMR Serverless job run " + runId + " was " + state + (details.isBlank() ? "" : ": " + details);
    };
    jobs.finish(job.id(), state == EmrRunState.SUCCESS ? JobState.FAILED : state.jobState(), error);
    return jobs.require(job.id());
  }

  @Override
  public void stop(String id) {
    var recorded = jobs.run(id);
    if (recorded.isPresent()) {
      check(send(SdkHttpMethod.DELETE, "/applications/" + applicationId + "/jobruns/" + recorded.get(), null),
          "DELETE", "/jobruns/{id}");
      return;
    }
    com.fasterxml.jackson.databind.JsonNode runs;
    try {
      runs = JSON.readTree(call(SdkHttpMethod.GET, "/applications/" + applicationId
          + "/jobruns?states=SUBMITTED&states=PENDING&states=SCHEDULED&states=RUNNING", null)).path("jobRuns");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (var run : runs) {
      if (id.equals(run.path("name").asText())) {
        call(SdkHttpMethod.DELETE, "/applications/" + applicationId + "/jobruns/" + run.path("id").asText(), null);
      }
    }
  }

  /** An answer of the API: its status and body. */
  private record Response(int status, String body) {}

  private static String check(Response r, String method, String what) {
    if (r.status() >= 300) {
      throw new TransientError("EMR Serverless answered " + r.status() + " to " + method + " " + what + ": "
          + r.body());
    }
    return r.body();
  }

  private static com.fasterxml.jackson.databind.JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An error answer's {@code message} (the REST API's error shape), or the body as it is. */
  private static String reason(String body) {
    try {
      String m = JSON.readTree(body).path("message").asText("");
      return m.isBlank() ? body : m;
    } catch (IOException e) {
      return body;
    }
  }

  private String call(SdkHttpMethod method, String path, String body) {
    return check(send(method, path, body), method.name(), path.replaceFirst("\\?.*", ""));
  }

  private Response send(SdkHttpMethod method, String path, String body) {
    SdkHttpFullRequest.Builder request = SdkHttpFullRequest.builder().method(method)
        .uri(URI.create(endpoint + path));
    ContentStreamProvider payload = body == null ? null : ContentStreamProvider.fromUtf8String(body);
    if (body != null) {
      request.putHeader("Content-Type", "application/json");
    }
    SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(credentials.resolveIdentity().join())
        .request(request.build()).payload(payload)
        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "emr-serverless")
        .putProperty(AwsV4HttpSigner.REGION_NAME, region));
    SdkHttpRequest sent = signed.request();
    try {
      HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder().request(sent)
          .contentStreamProvider(signed.payload().orElse(null)).build()).call();
      String text = response.responseBody().isPresent()
          ? new String(response.responseBody().get().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8) : "";
      return new Response(response.httpResponse().statusCode(), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
