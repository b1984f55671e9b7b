package dev.pier.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.batch.StepFunctionsStandIn;
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
 * Training jobs started in AWS: the real Step Functions client against {@link StepFunctionsStandIn}, an HTTP endpoint
 * that speaks the service's JSON 1.0 protocol and keeps execution names unique as Step Functions does.
 */
class StepFunctionsTrainingLauncherTest {
  private static final String MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:pier-dev-training";

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

  @Test
  void launchingAJobTwiceStartsOneExecutionNamedAfterIt() {
    var launcher = new StepFunctionsTrainingLauncher(sfn, MACHINE);
    launcher.start("tj-0001");
    launcher.start("tj-0001");
    assertThat(calls).hasSize(2);
    JsonNode first = calls.getFirst();
    assertThat(first.get("target").asText()).isEqualTo("AWSStepFunctions.StartExecution");
    assertThat(first.at("/body/stateMachineArn").asText()).isEqualTo(MACHINE);
    assertThat(first.at("/body/name").asText()).isEqualTo("tj-0001");
    assertThat(first.at("/body/input").asText()).isEqualTo("{\"job_id\":\"tj-0001\"}");
    assertThat(standIn.executions()).containsExactly(
        "arn:aws:states:us-east-1:123456789012:execution:pier-dev-training:tj-0001"); // the second was refused
  }

  @Test
  void aCancelStopsTheExecutionAndANeverStartedOneIsNoError() {
    var launcher = new StepFunctionsTrainingLauncher(sfn, MACHINE);
    launcher.start("tj-0002");
    launcher.stop("tj-0002");
    launcher.stop("tj-never");
    assertThat(calls.get(1).at("/body/executionArn").asText())
        .isEqualTo("arn:aws:states:us-east-1:123456789012:execution:pier-dev-training:tj-0002");
    assertThat(calls.get(1).at("/body/error").asText()).isEqualTo("Pier.Cancelled");
    assertThat(calls).hasSize(3);
  }
}
