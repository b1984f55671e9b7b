package dev.pier.endpoints.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecs.EcsClient;

/** {@link EcsDeployer} through the real ECS SDK client against the HTTP-level {@link EcsStandIn}. */
class EcsDeployerTest {
  private static final String SHA = "ab12cd34" + "0".repeat(56);
  private static final Rollout ROLLOUT = new Rollout(Rollout.Mode.ALL_AT_ONCE, 0, 0, 0, List.of("pier-dev-endpoints-5xx"));
  private EcsStandIn standIn;
  private EcsClient ecs;
  private EcsDeployer deployer;

  @BeforeEach
  void start() throws Exception {
    standIn = new EcsStandIn();
    standIn.createService("pier-dev-gpu");
    ecs = EcsClient.builder().endpointOverride(standIn.endpoint()).region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClient(UrlConnectionHttpClient.create()).build();
    deployer = new EcsDeployer(ecs);
  }

  @AfterEach
  void stop() {
    ecs.close();
    standIn.close();
  }

  private static EcsSpec spec(int version, String sha) {
    return new EcsSpec("pier-dev-gpu", "pier-dev-gpu", "resnet", version, sha, "s3://artifacts/artifacts/sha256/" + sha,
        "{\"framework\":\"pytorch\"}", 2, null);
  }

  private static Map<String, String> environment(JsonNode taskDefinition) {
    Map<String, String> env = new HashMap<>();
    taskDefinition.path("containerDefinitions").path(0).path("environment")
        .forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
    return env;
  }

  @Test
  void aVersionBecomesARevisionOfTheServicesTaskDefinitionRolledOutWithTheCircuitBreaker() {
    EcsSpec spec = spec(3, SHA);
    assertThat(spec.family()).isEqualTo("pier-dev-gpu-v3-ab12cd34");
    EndpointDeployer.Deployment d = deployer.deploy(spec, ROLLOUT);
    assertThat(d).isEqualTo(new EndpointDeployer.Deployment(EndpointDeployer.Action.UPDATED, spec.family()));

    JsonNode revision = standIn.taskDefinitions.get(
        "arn:aws:ecs:us-east-1:000000000000:task-definition/pier-dev-gpu-v3-ab12cd34:1");
    assertThat(revision).as("registered under the version's family").isNotNull();
    JsonNode container = revision.path("containerDefinitions").path(0);
    assertThat(container.path("image").asText()).endsWith("/pier-endpoint:latest"); // the template's, unchanged
    assertThat(container.path("resourceRequirements").toString()).contains("GPU");
    assertThat(revision.path("taskRoleArn").asText()).isEqualTo("arn:aws:iam::000000000000:role/task");
    assertThat(environment(revision)).containsEntry("PIER_DEVICE", "cuda")
        .containsEntry("PIER_ARTIFACT", "s3://artifacts/artifacts/sha256/" + SHA)
        .containsEntry("PIER_ARTIFACT_SHA256", SHA).containsEntry("PIER_METADATA", "{\"framework\":\"pytorch\"}")
        .containsEntry("PIER_MODEL_NAME", "resnet").containsEntry("PIER_MODEL_VERSION", "3");

    JsonNode update = standIn.lastUpdate;
    assertThat(update.path("taskDefinition").asText()).endsWith("task-definition/pier-dev-gpu-v3-ab12cd34:1");
    assertThat(update.path("desiredCount").asInt()).isEqualTo(2);
    JsonNode config = update.path("deploymentConfiguration");
    assertThat(config.path("deploymentCircuitBreaker").toString()).isEqualTo("{\"enable\":true,\"rollback\":true}");
    assertThat(config.path("alarms").path("alarmNames").toString()).isEqualTo("[\"pier-dev-endpoints-5xx\"]");
    assertThat(config.path("alarms").path("rollback").asBoolean()).isTrue();
    assertThat(config.path("minimumHealthyPercent").asInt()).as("old tasks serve until new ones are healthy")
        .isEqualTo(100);

    assertThat(deployer.readiness(spec)).isEqualTo(new EndpointDeployer.Readiness("Updating", spec.family(), false,
        null));
    assertThat(deployer.deploy(spec, ROLLOUT).action()).as("already rolling out to it")
        .isEqualTo(EndpointDeployer.Action.UPDATED);
    standIn.complete("pier-dev-gpu");
    assertThat(deployer.readiness(spec)).isEqualTo(new EndpointDeployer.Readiness("InService", spec.family(), true,
        null));
    assertThat(deployer.deploy(spec, ROLLOUT).action()).isEqualTo(EndpointDeployer.Action.UNCHANGED);
    assertThat(standIn.count("RegisterTaskDefinition")).isEqualTo(1);
    assertThat(standIn.count("UpdateService")).isEqualTo(1);
  }

  @Test
  void aRolloutTheCircuitBreakerRollsBackShowsTheRevisionServingAndEcssReason() {
    EcsSpec v1 = spec(1, "11111111" + "0".repeat(56));
    deployer.deploy(v1, ROLLOUT);
    standIn.complete("pier-dev-gpu");
    EcsSpec v2 = spec(2, SHA);
    deployer.deploy(v2, ROLLOUT);
    assertThatThrownBy(() -> deployer.deploy(spec(4, "44444444" + "0".repeat(56)), ROLLOUT))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(409))
        .hasMessageContaining("is rolling out pier-dev-gpu-v2-ab12cd34");
    standIn.circuitBreaker("pier-dev-gpu", "ECS deployment circuit breaker: tasks failed to start.");
    EndpointDeployer.Readiness r = deployer.readiness(v2);
    assertThat(r).isEqualTo(new EndpointDeployer.Readiness("RollingBack", v1.family(), false,
        "ECS deployment circuit breaker: tasks failed to start."));
    standIn.complete("pier-dev-gpu");
    assertThat(deployer.readiness(v2)).isEqualTo(new EndpointDeployer.Readiness("InService", v1.family(), false,
        "ECS deployment circuit breaker: tasks failed to start."));
    assertThat(deployer.readiness(v1).ready()).as("the previous version keeps serving").isTrue();
    // asking again after the rollback reuses the version's revision
    deployer.deploy(v2, ROLLOUT);
    assertThat(standIn.count("RegisterTaskDefinition")).isEqualTo(2);
    assertThat(standIn.lastUpdate.path("taskDefinition").asText()).endsWith("pier-dev-gpu-v2-ab12cd34:1");
  }

  @Test
  void aMissingServiceIsA400NamingItAndNothingIsRegistered() {
    EcsSpec spec = new EcsSpec("pier-dev-gpu", "nope", "resnet", 1, SHA, "s3://a/b", "{}", 1, null);
    assertThatThrownBy(() -> deployer.deploy(spec, ROLLOUT)).isInstanceOfSatisfying(PierException.class,
        e -> assertThat(e.status()).isEqualTo(400)).hasMessageContaining("ECS service nope does not exist");
    assertThat(deployer.readiness(spec).status()).isEqualTo("NotFound");
    assertThat(standIn.count("RegisterTaskDefinition")).isZero();
    assertThatThrownBy(() -> new EcsSpec("c", "s", "m", 1, SHA, "s3://a/b", "{}", 0, null))
        .hasMessageContaining("instance_count must be at least 1 on ECS");
  }
}
