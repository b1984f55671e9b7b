package dev.pier.bench;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelResolver;
import dev.pier.registry.RegistryTable;
import dev.pier.runtime.InferenceEngine;
import dev.pier.runtime.ModelCache;
import dev.pier.runtime.PredictionService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A whole local runtime (stand-ins, registry, cache, prediction service) in a temporary directory. */
final class RuntimeFixture implements AutoCloseable {
  final Path dir;
  final LocalAws aws;
  final AwsClients clients;
  final ModelRegistry registry;
  final ModelCache cache;
  final PredictionService predictions;

  RuntimeFixture(List<InferenceEngine> engines, long cacheBytes) throws IOException {
    dir = Files.createTempDirectory("pier-bench");
    aws = LocalAws.start(dir.resolve("data"));
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
    ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
    cache = new ModelCache(artifacts, dir.resolve("staging"), cacheBytes, Duration.ofHours(1), engines);
    predictions = new PredictionService(new ModelResolver(registry, Duration.ofSeconds(5), Duration.ofSeconds(60)),
        cache);
  }

  @Override
  public void close() {
    cache.close();
    clients.close();
    aws.close();
    // a large-model run leaves two copies of its artifact here (S3 stand-in, model cache): gigabytes each
    try (var files = java.nio.file.Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      // best effort
    }
  }
}
