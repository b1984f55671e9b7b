package dev.pier.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * The launcher through the real Step Functions client against {@link StepFunctionsStandIn}, an HTTP endpoint that
 * speaks the service's JSON 1.0 protocol and keeps execution names unique the way Step Functions does (nothing on
 * Maven Central runs ASL behind the Step Functions API, so the boundary is faked at the HTTP level).
 */
class StepFunctionsLauncherTest {
  private static final String MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:pier-dev-batch-scoring";

  private StepFunctionsStandIn standIn;
  private List<JsonNode> calls;
  private SfnClient sfn;

  @BeforeEach
  void start() throws Exception {
    standIn = new StepFunctionsStandIn();
    calls = standIn.calls;
    sfn = SfnClient.builder().region(Region.US_EAST_1).httpClient(UrlConnectionHttpClient.create())
        .endpointOverride(standIn.endpoint())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .build();
  }

  @AfterEach
  void stop() {
    sfn.close();
    standIn.close();
  }

  private static BatchJob job(String id) {
    return new BatchJob(id, "demo", "production", 1, JobState.QUEUED, Priority.NORMAL,
        new S3Uri("pier-batch", "in/x.jsonl"), new S3Uri("pier-batch", "outputs/" + id + "/"), InputFormat.JSONL,
        null, 0, 0, 0, Instant.now(), null, null, null, "api", null);
  }

  @Test
  void launchingAJobTwiceStartsOneExecutionNamedAfterTheJob() {
    var launcher = new StepFunctionsLauncher(sfn, MACHINE);

    launcher.launch(job("bj-0001"));
    launcher.launch(job("bj-0001"));

    assertThat(calls).hasSize(2);
    JsonNode first = calls.getFirst();
    assertThat(first.get("target").asText()).isEqualTo("AWSStepFunctions.StartExecution");
    assertThat(first.at("/body/stateMachineArn").asText()).isEqualTo(MACHINE);
    assertThat(first.at("/body/name").asText()).isEqualTo("bj-0001");
    assertThat(first.at("/body/input").asText()).isEqualTo("{\"job_id\":\"bj-0001\"}");
    assertThat(standIn.executions())
        .containsExactly("arn:aws:states:us-east-1:123456789012:execution:pier-dev-batch-scoring:bj-0001");
  }

  @Test
  void stoppingAJobStopsItsExecutionAndANeverStartedOneIsNoError() {
    var launcher = new StepFunctionsLauncher(sfn, MACHINE);
    launcher.launch(job("bj-0002"));

    launcher.stop("bj-0002");
    launcher.stop("bj-never");

    assertThat(calls.get(1).at("/body/executionArn").asText())
        .isEqualTo("arn:aws:states:us-east-1:123456789012:execution:pier-dev-batch-scoring:bj-0002");
    assertThat(calls.get(1).at("/body/error").asText()).isEqualTo("Pier.Cancelled");
    assertThat(calls).hasSize(3);
  }
}
