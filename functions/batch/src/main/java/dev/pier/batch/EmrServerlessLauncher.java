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
 * SDK's own HTTP client and SigV4 signer. Not tested against AWS: local mode's path is the tested one.
 */
public final class EmrServerlessLauncher implements JobLauncher {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SdkHttpClient http;
  private final AwsCredentialsProvider credentials;
  private final String region;
  private final String applicationId;
  private final String jobRoleArn;
  private final String connectorJar;
  private final Map<String, String> env;

  /**
   * @param connectorJar {@code s3://…} of the connector's jar with its dependencies (Spark excluded)
   * @param env what the job reads besides the AWS defaults: {@code PIER_REGISTRY_TABLE}, {@code PIER_ARTIFACTS_BUCKET},
   *     {@code PIER_BATCH_JOBS_TABLE}
   */
  public EmrServerlessLauncher(SdkHttpClient http, AwsCredentialsProvider credentials, String region,
      String applicationId, String jobRoleArn, String connectorJar, Map<String, String> env) {
    this.http = http;
    this.credentials = credentials;
    this.region = region;
    this.applicationId = applicationId;
    this.jobRoleArn = jobRoleArn;
    this.connectorJar = connectorJar;
    this.env = Map.copyOf(env);
  }

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
    submit.put("entryPoint", connectorJar).put("sparkSubmitParameters", sparkSubmitParameters());
    submit.putArray("entryPointArguments").add(job.id());
    body.putObject("tags").put("pier-batch-job", job.id());
    return body.toString();
  }

  @Override
  public void launch(BatchJob job) {
    call(SdkHttpMethod.POST, "/applications/" + applicationId + "/jobruns", startJobRunBody(job));
  }

  @Override
  public void stop(String id) {
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

  private String call(SdkHttpMethod method, String path, String body) {
    SdkHttpFullRequest.Builder request = SdkHttpFullRequest.builder().method(method)
        .uri(URI.create("https://emr-serverless." + region + ".amazonaws.com" + path));
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
      if (!response.httpResponse().isSuccessful()) {
        throw new TransientError("EMR Serverless answered " + response.httpResponse().statusCode() + " to "
            + method + " " + path.replaceFirst("\\?.*", "") + ": " + text);
      }
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
