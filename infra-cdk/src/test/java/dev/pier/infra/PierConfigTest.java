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
}
