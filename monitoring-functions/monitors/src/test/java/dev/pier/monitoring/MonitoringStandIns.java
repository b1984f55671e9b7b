package dev.pier.monitoring;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.local.LocalAws;
import dev.pier.monitoring.capture.CaptureStore;
import dev.pier.monitoring.profile.ProfileStore;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.NewVersion;
import dev.pier.registry.RegistryTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * What the monitors tests run on: the DynamoDB stand-in and s3proxy, a model registry with its table and artifact
 * bucket, the monitoring table, and the captures, profiles (indexed in the monitoring table) and monitors stores in
 * one bucket.
 */
final class MonitoringStandIns implements AutoCloseable {
  static final String TABLE = "monitoring";

  final LocalAws aws;
  final AwsClients clients;
  final ModelRegistry registry;
  final CaptureStore captures;
  final ProfileStore profiles;
  final MonitorStore store;
  private final Path dataDir;

  private MonitoringStandIns(Path dataDir, String bucket, List<String> otherBuckets) throws Exception {
    this.dataDir = dataDir;
    aws = LocalAws.start(dataDir);
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
    MonitorStore.createTableIfMissing(clients.dynamoDb(), TABLE);
    ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    clients.s3().createBucket(b -> b.bucket(bucket));
    otherBuckets.forEach(name -> clients.s3().createBucket(b -> b.bucket(name)));
    registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
    captures = new CaptureStore(clients.s3(), bucket);
    profiles = new ProfileStore(clients.s3(), bucket,
        new dev.pier.monitoring.profile.ProfileIndex(clients.dynamoDb(), TABLE, null));
    store = new MonitorStore(clients.dynamoDb(), TABLE, clients.s3(), bucket);
  }

  /** Starts the stand-ins with their data under {@code dataDir}; captures, profiles and runs go to {@code bucket}. */
  static MonitoringStandIns start(Path dataDir, String bucket, String... otherBuckets) throws Exception {
    return new MonitoringStandIns(dataDir, bucket, List.of(otherBuckets));
  }

  /** Registers a new version of {@code model}: input {@code x} with {@code inputs} columns, output [n, 2]. */
  int register(String model, int inputs) throws IOException {
    Signature signature = new Signature(List.of(new TensorSpec("x", Datatype.FP32, new long[] {-1, inputs})),
        List.of(new TensorSpec("probability", Datatype.FP32, new long[] {-1, 2})));
    Path artifact = Files.createTempFile(dataDir, model, ".onnx");
    Files.writeString(artifact, "model bytes " + artifact.getFileName());
    return registry.register(model, new NewVersion(Framework.ONNX, signature, null, Map.of(), Map.of()), artifact,
        null).version();
  }

  FeedbackStore feedback(Clock clock) {
    return new FeedbackStore(clients.dynamoDb(), TABLE, clock);
  }

  @Override
  public void close() {
    clients.close();
    aws.close();
  }
}
