package dev.pier.endpoints.deploy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.endpoints.deploy.SageMakerStandIn;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.security.CallerIdentity;
import dev.pier.kernel.security.Permission;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.NewVersion;
import dev.pier.registry.Placement;
import dev.pier.registry.RegistryTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The server's wiring as CDI builds it, on the local stand-ins: registration starts the deployment, an alias move is
 * held (202) until the endpoint is InService, the routes say where it is, and with deployment off nothing changes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndpointDeployWiringTest {
  private Path dataDir;
  private LocalAws aws;
  private AwsClients clients;
  private ModelRegistry registry;
  private SageMakerStandIn sagemaker;
  private final CallerIdentity alice = new CallerIdentity() {
    @Override
    public String principal() {
      return "alice";
    }

    @Override
    public boolean allows(Permission permission, String model) {
      return true;
    }
  };

  @BeforeAll
  void start() throws Exception {
    dataDir = Files.createTempDirectory("pier-deploy-wiring");
    aws = LocalAws.start(dataDir);
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
    ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
    sagemaker = new SageMakerStandIn();
  }

  @AfterAll
  void stop() throws Exception {
    sagemaker.close();
    clients.close();
    aws.close();
  }

  private EndpointDeployWiring wiring(boolean enabled) {
    return new EndpointDeployWiring(clients, Optional.of(aws), registry, enabled,
        Optional.of("000000000000.dkr.ecr.us-east-1.amazonaws.com/pier-endpoint:1"),
        Optional.of("arn:aws:iam::000000000000:role/pier-endpoint"), "pier-endpoint-deployments", "ml.g5.xlarge",
        "canary", 10, 300, 600, Optional.of(List.of("pier-5xx")), Duration.ofSeconds(15),
        Optional.of(sagemaker.endpoint()), "gpu_utilization", 70, 8, 60, 300, Optional.of(sagemaker.endpoint()),
        Optional.of(sagemaker.endpoint()), Optional.empty(), Optional.empty(), Optional.empty());
  }

  private ModelVersion register(String model, Integer count) throws Exception {
    return register(model, count, null);
  }

  private ModelVersion register(String model, Integer count, String type) throws Exception {
    Path file = Files.writeString(Files.createTempFile(dataDir, "m", ".onnx"), model + System.nanoTime());
    return registry.register(model, new NewVersion(Framework.ONNX, null, ModelVersion.Metadata.NONE,
        new ModelVersion.Serving(null, new Placement(Placement.Kind.ENDPOINT, null, type, count, null)), null), file,
        null, "alice");
  }

  @Test
  void registrationDeploysAndAnAliasMoveIsHeldUntilTheEndpointIsInService() throws Exception {
    EndpointDeployWiring wiring = wiring(true);
    EndpointDeploymentResource routes = new EndpointDeploymentResource(wiring, alice);
    ModelVersion v1 = register("vision", null);
    EndpointDeploymentJson registered = routes.status("vision", "1");
    assertThat(registered.phase()).isEqualTo("requested");
    assertThat(registered.endpointStatus()).isEqualTo("Pending");
    assertThat(registered.alias()).isNull();

    Object held = wiring.hold("vision", 1, "production", "alice");
    assertThat(held).isInstanceOf(EndpointDeploymentJson.class);
    assertThat(((EndpointDeploymentJson) held).alias()).isEqualTo("production");
    assertThat(new ObjectMapper().writeValueAsString(held)).contains("\"endpoint_status\":\"Pending\"")
        .contains("\"ready\":false");
    while (wiring.rollouts().sweep() > 0) {
      // Creating → InService
    }
    assertThat(registry.alias("vision", "production").version()).isEqualTo(1);
    EndpointDeploymentJson done = routes.status("vision", "1");
    assertThat(done.ready()).isTrue();
    assertThat(done.endpointStatus()).isEqualTo("InService");
    assertThat(sagemaker.scalableTargets).containsKey("endpoint/" + v1.placement().endpointName()
        + "/variant/AllTraffic");
    // once its endpoint serves it, another alias moves at once
    assertThat(wiring.hold("vision", 1, "staging", "alice")).isNull();
    // a function-placed version is never held
    ModelVersion plain = registry.register("vision", new NewVersion(Framework.ONNX, null, ModelVersion.Metadata.NONE, null, null),
        Files.writeString(Files.createTempFile(dataDir, "m", ".onnx"), "plain"), null, "alice");
    assertThat(wiring.hold("vision", plain.version(), "production", "alice")).isNull();
    assertThatThrownBy(() -> routes.status("vision", String.valueOf(plain.version())))
        .satisfies(e -> assertThat(((PierException) e).status()).isEqualTo(404));
    wiring.close();
  }

  @Test
  void badRequestsAndAVersionThatCannotDeployAreExplained() throws Exception {
    EndpointDeployWiring wiring = wiring(true);
    EndpointDeploymentResource routes = new EndpointDeploymentResource(wiring, alice);
    register("zero", 1, "g5.xlarge");
    EndpointDeploymentJson failed = routes.status("zero", "1");
    assertThat(failed.phase()).isEqualTo("failed");
    assertThat(failed.reason()).contains("ml.* type");
    ObjectMapper json = new ObjectMapper();
    assertThatThrownBy(() -> routes.deploy("zero", "1", json.readTree("{\"alias\": 5}")))
        .hasMessage("alias must be a string");
    assertThatThrownBy(() -> routes.deploy("zero", "1", json.readTree("{\"aliass\": \"p\"}")))
        .hasMessageContaining("{\"alias\": \"NAME\"}");
    assertThatThrownBy(() -> routes.status("zero", "v1")).hasMessageContaining("positive integer");
    assertThatThrownBy(() -> routes.deploy("zero", "1", null)).hasMessageContaining("ml.* type")
        .satisfies(e -> assertThat(((PierException) e).status()).isEqualTo(400));
    wiring.close();
  }

  @Test
  void offByDefaultNothingIsHeldAndTheRoutesSayHowToTurnItOn() throws Exception {
    EndpointDeployWiring off = wiring(false);
    ModelVersion v = register("offline", null);
    assertThat(off.hold("offline", v.version(), "production", "alice")).isNull();
    assertThatThrownBy(() -> new EndpointDeploymentResource(off, alice).status("offline", "1"))
        .hasMessageContaining("pier.endpoints.deploy.enabled")
        .satisfies(e -> assertThat(((PierException) e).status()).isEqualTo(501));
  }
}
