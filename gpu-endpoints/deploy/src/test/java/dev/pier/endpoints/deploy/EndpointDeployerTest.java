package dev.pier.endpoints.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.endpoints.deploy.EndpointDeployer.Action;
import dev.pier.kernel.PierException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/** The real SageMaker client of the AWS SDK against an HTTP-level stand-in of the SageMaker API. */
class EndpointDeployerTest {
  private SageMakerStandIn standIn;
  private SageMakerClient client;
  private EndpointDeployer deployer;

  @BeforeEach
  void start() throws Exception {
    standIn = new SageMakerStandIn();
    client = SageMakerClient.builder().endpointOverride(standIn.endpoint()).region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClient(UrlConnectionHttpClient.create()).build();
    deployer = new EndpointDeployer(client);
  }

  @AfterEach
  void stop() {
    client.close();
    standIn.close();
  }

  private static DeploySpec spec(int version, char digest) {
    return new DeploySpec("pier-resnet-v1", "resnet", version, String.valueOf(digest).repeat(64),
        "000000000000.dkr.ecr.us-east-1.amazonaws.com/pier-endpoint:1", "s3://pier-artifacts/endpoints/v" + version
        + "/model.tar.gz", "arn:aws:iam::000000000000:role/pier-endpoint", "ml.g5.xlarge", 2,
        Map.of("PIER_DEVICE", "cuda"));
  }

  @Test
  void theFirstVersionCreatesModelConfigurationAndEndpointAndBecomesReady() {
    DeploySpec v1 = spec(1, 'a');
    EndpointDeployer.Deployment d = deployer.deploy(v1, Rollout.canary(List.of("pier-resnet-5xx")));
    assertThat(d).isEqualTo(new EndpointDeployer.Deployment(Action.CREATED, "pier-resnet-v1-v1-aaaaaaaa"));
    assertThat(standIn.models.get("pier-resnet-v1-v1-aaaaaaaa").path("PrimaryContainer").path("ModelDataUrl").asText())
        .isEqualTo("s3://pier-artifacts/endpoints/v1/model.tar.gz");
    assertThat(standIn.configs.get("pier-resnet-v1-v1-aaaaaaaa").path("ProductionVariants").path(0)
        .path("InstanceType").asText()).isEqualTo("ml.g5.xlarge");
    assertThat(deployer.readiness(v1).ready()).isFalse(); // Creating
    assertThat(deployer.readiness(v1)).isEqualTo(new EndpointDeployer.Readiness("InService",
        "pier-resnet-v1-v1-aaaaaaaa", true, null));
    // deploying it again changes nothing
    assertThat(deployer.deploy(v1, Rollout.canary(List.of())).action()).isEqualTo(Action.UNCHANGED);
    assertThat(standIn.operations).filteredOn(o -> o.startsWith("Create")).hasSize(3);
  }

  @Test
  void aNewVersionShiftsTrafficBlueGreenAsACanaryWithAlarmRollback() {
    deployer.deploy(spec(1, 'a'), Rollout.canary(List.of()));
    deployer.readiness(spec(1, 'a'));
    DeploySpec v2 = spec(2, 'b');
    assertThat(deployer.deploy(v2, new Rollout(Rollout.Mode.CANARY, 10, 300, 600,
        List.of("pier-resnet-5xx", "pier-resnet-p95"))).action()).isEqualTo(Action.UPDATED);
    var policy = standIn.lastUpdate.path("DeploymentConfig");
    assertThat(policy.path("BlueGreenUpdatePolicy").path("TrafficRoutingConfiguration").toString())
        .isEqualTo("{\"Type\":\"CANARY\",\"WaitIntervalInSeconds\":300,\"CanarySize\":{\"Type\":\"CAPACITY_PERCENT\","
            + "\"Value\":10}}");
    assertThat(policy.path("BlueGreenUpdatePolicy").path("TerminationWaitInSeconds").asInt()).isEqualTo(600);
    assertThat(policy.path("AutoRollbackConfiguration").path("Alarms").toString())
        .isEqualTo("[{\"AlarmName\":\"pier-resnet-5xx\"},{\"AlarmName\":\"pier-resnet-p95\"}]");
    // while it shifts, another deploy is refused rather than stacked on it
    assertThatThrownBy(() -> deployer.deploy(spec(3, 'c'), Rollout.canary(List.of())))
        .isInstanceOf(PierException.class).hasMessageContaining("is Updating")
        .satisfies(e -> assertThat(((PierException) e).status()).isEqualTo(409));
    // the refused deploy's Describe saw it Updating; the stand-in finishes the shift after that
    assertThat(deployer.readiness(v2)).isEqualTo(new EndpointDeployer.Readiness("InService",
        "pier-resnet-v1-v2-bbbbbbbb", true, null));
  }

  @Test
  void linearShiftingAndARollbackTheEndpointReportsLeaveTheOldVersionServing() {
    DeploySpec v1 = spec(1, 'a');
    deployer.deploy(v1, Rollout.canary(List.of()));
    deployer.readiness(v1);
    standIn.rollBackNextUpdate("Alarm pier-resnet-5xx went into ALARM during the traffic shift");
    DeploySpec v2 = spec(2, 'b');
    deployer.deploy(v2, new Rollout(Rollout.Mode.LINEAR, 25, 60, 0, List.of("pier-resnet-5xx")));
    assertThat(standIn.lastUpdate.path("DeploymentConfig").path("BlueGreenUpdatePolicy")
        .path("TrafficRoutingConfiguration").path("LinearStepSize").path("Value").asInt()).isEqualTo(25);
    deployer.readiness(v2); // Updating → RollingBack
    EndpointDeployer.Readiness rolling = deployer.readiness(v2);
    assertThat(rolling.status()).isEqualTo("RollingBack");
    assertThat(rolling.failureReason()).contains("went into ALARM");
    EndpointDeployer.Readiness after = deployer.readiness(v2);
    assertThat(after.ready()).isFalse();
    assertThat(after.endpointConfigName()).isEqualTo("pier-resnet-v1-v1-aaaaaaaa");
    assertThat(deployer.readiness(v1).ready()).isTrue();
  }

  @Test
  void badSettingsAreRefusedBeforeAnyCallToAws() {
    assertThatThrownBy(() -> new Rollout(Rollout.Mode.CANARY, 0, 60, 0, List.of()))
        .hasMessage("rollout.step_percent must be between 1 and 99 for canary, got 0");
    assertThatThrownBy(() -> new DeploySpec("pier_bad", "m", 1, "a".repeat(64), "i", "s3://b/k", "r", "ml.g5.xlarge",
        1, null)).hasMessageContaining("endpoint name must be 1-63 letters, digits and hyphens");
    assertThatThrownBy(() -> new DeploySpec("pier-m-v1", "m", 1, "a".repeat(64), "i", "s3://b/k", "r", "g5.xlarge",
        1, null)).hasMessageContaining("ml.* type");
    assertThat(new DeploySpec("p".repeat(63), "m", 12, "f".repeat(64), "i", "s3://b/k", "r", "ml.g5.xlarge", 1, null)
        .sageMakerModelName()).hasSize(63).endsWith("-v12-ffffffff");
    assertThat(standIn.operations).isEmpty();
  }
}
