package dev.pier.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PierConfigTest {

  @Test
  void emptyConfigurationIsAnEnvironmentAgnosticDevDeployment() {
    PierConfig c = PierConfig.from(k -> null, Map.of());
    assertThat(c.account()).isNull();
    assertThat(c.stage()).isEqualTo(PierConfig.Stage.dev);
    assertThat(c.concurrency()).isEqualTo(PierConfig.Concurrency.snapstart);
    assertThat(c.gpuEndpointMode()).isEqualTo(PierConfig.EndpointMode.async);
    assertThat(c.apiZip()).isEqualTo(PierConfig.DEFAULT_API_ZIP);
    assertThat(c.batchWorkerZip()).isEqualTo(PierConfig.DEFAULT_BATCH_WORKER_ZIP);
    assertThat(c.latencyAlarmMillis()).isEqualTo(100);
  }

  @Test
  void environmentVariablesFillKeysTheContextLeavesOut() {
    PierConfig c = PierConfig.from(Map.of("stage", "prod")::get, Map.of(
        "PIER_STAGE", "dev",
        "PIER_GPU_INSTANCE_TYPE", "ml.g6.xlarge",
        "CDK_DEFAULT_ACCOUNT", "123456789012",
        "CDK_DEFAULT_REGION", "eu-west-1"));
    assertThat(c.stage()).isEqualTo(PierConfig.Stage.prod);
    assertThat(c.gpuInstanceType()).isEqualTo("ml.g6.xlarge");
    assertThat(c.account()).isEqualTo("123456789012");
    assertThat(c.region()).isEqualTo("eu-west-1");
    assertThat(c.prefix()).isEqualTo("pier-prod");
  }

  @Test
  void rejectsValuesThatCannotDeploy() {
    assertThatThrownBy(() -> PierConfig.from(Map.of("lambdaRuntime", "java17")::get, Map.of()))
        .hasMessageContaining("java21 or java25");
    assertThatThrownBy(() -> PierConfig.from(Map.of("provisionedMin", "5", "provisionedMax", "2")::get, Map.of()))
        .hasMessageContaining("provisionedMin");
    assertThatThrownBy(() -> PierConfig.from(Map.of("gpuMaxInstances", "many")::get, Map.of()))
        .hasMessageContaining("gpuMaxInstances");
    assertThatThrownBy(() -> PierConfig.from(Map.of("stage", "qa")::get, Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void stateMachinesDefaultToTheRepositoryFolder() {
    assertThat(PierConfig.from(k -> null, Map.of()).stateMachinesDir())
        .isEqualTo(Path.of("../state-machines/src/main/resources"));
  }

  @Test
  void retentionComesFromContextOrEnvironmentWithStageDefaults() {
    PierConfig dev = PierConfig.from(k -> null, Map.of());
    assertThat(dev.retention()).isEqualTo(new PierConfig.Retention(30, 30, 90, 30, 30, 1,
        PierConfig.LockMode.governance, 7, 1));
    assertThat(dev.requireArtifactSignature()).isFalse();
    PierConfig prod = PierConfig.from(Map.of("stage", "prod", "retention.batchOutputsDays", "3")::get,
        Map.of("PIER_RETENTION_ASYNC_RESULTS_DAYS", "2", "PIER_REQUIRE_ARTIFACT_SIGNATURE", "true"));
    assertThat(prod.retention().batchOutputsDays()).isEqualTo(3);
    assertThat(prod.retention().asyncResultsDays()).isEqualTo(2);
    assertThat(prod.retention().auditLockMode()).isEqualTo(PierConfig.LockMode.compliance);
    assertThat(prod.requireArtifactSignature()).isTrue();
  }

  @Test
  void anAuditLockLongerThanTheAuditEventsAreKeptIsRefused() {
    assertThatThrownBy(() -> PierConfig.from(
        Map.of("retention.auditLockDays", "90", "retention.auditEventsDays", "30")::get, Map.of()))
        .hasMessageContaining("auditLockDays");
    assertThatThrownBy(() -> PierConfig.from(Map.of("retention.batchOutputsDays", "0")::get, Map.of()))
        .hasMessageContaining("at least 1 day");
  }
}
