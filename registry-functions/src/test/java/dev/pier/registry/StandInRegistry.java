package dev.pier.registry;

import dev.pier.kernel.engine.Framework;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * One registry on the local stand-ins (DynamoDB stand-in, s3proxy) through the real SDK clients, shared by a test
 * class's tests; each test names its own models ({@link #model}), so they do not see each other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StandInRegistry {
  private static final AtomicInteger NEXT = new AtomicInteger();
  Path dataDir;
  Path files;
  LocalAws aws;
  AwsClients clients;
  ModelRegistry registry;

  @BeforeAll
  void startTheStandIns() throws Exception {
    dataDir = Files.createTempDirectory("pier-registry-data");
    files = Files.createTempDirectory("pier-registry-files");
    aws = LocalAws.start(dataDir);
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
    ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
  }

  @AfterAll
  void stopTheStandIns() throws Exception {
    clients.close();
    aws.close();
    StoredDataFixture.deleteTree(dataDir);
    StoredDataFixture.deleteTree(files);
  }

  /** A model name no other test uses. */
  static String model(String prefix) {
    return prefix + "-" + NEXT.incrementAndGet();
  }

  Path artifact(String content) throws Exception {
    return Files.writeString(Files.createTempFile(files, "a", ".bin"), content);
  }

  static NewVersion onnx() {
    return new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of());
  }

  /** Registers a version of {@code model} by {@code actor} with made-up bytes. */
  ModelVersion register(String model, String actor) throws Exception {
    return registry.register(model, onnx(), artifact(model + System.nanoTime()), null, actor);
  }

  /** Turns the approval policy on for {@code model}: {@code approvals} approvers, production protected. */
  void requireApprovals(String model, int approvals) {
    registry.models().update(model, null, m -> new RegisteredModel(m.name(), m.latestVersion(), m.createdAt(),
        m.updatedAt(), m.description(), m.tags(), new ApprovalPolicy(true, approvals,
            java.util.Set.of("production")), m.revision()), "admin");
  }
}
