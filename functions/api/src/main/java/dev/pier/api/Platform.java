package dev.pier.api;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.kernel.local.LocalStandIns;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelResolver;
import dev.pier.registry.RegistryTable;
import dev.pier.runtime.ModelCache;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.onnx.OnnxEngine;
import io.quarkus.logging.Log;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Wires Pier's services once per process: AWS clients (pointed at the local stand-ins in local mode), the
 * registry, the model cache and the prediction service. Plain objects, so the same code runs in Lambda, in a
 * container and on a laptop; this class is the only place that knows which.
 */
@Singleton
public class Platform {
  private final PierConfig config;
  private final LocalStandIns standIns;
  private final AwsClients aws;
  private final ModelRegistry registry;
  private final ModelResolver resolver;
  private final ModelCache models;
  private final PredictionService predictions;

  public Platform(PierConfig config) {
    this.config = config;
    if (config.mode() == PierConfig.Mode.local) {
      Path dataDir = Path.of(config.dataDir()).toAbsolutePath();
      try {
        this.standIns = LocalStandIns.start(dataDir);
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the local stand-ins in " + dataDir, e);
      }
      this.aws = new AwsClients(new AwsSettings(standIns.region(), standIns.dynamoDbEndpoint(),
          standIns.s3Endpoint(), standIns.accessKeyId(), standIns.secretAccessKey()));
      Log.infof("local mode: data in %s, DynamoDB stand-in at %s, S3 stand-in at %s", dataDir,
          standIns.dynamoDbEndpoint(), standIns.s3Endpoint());
    } else {
      this.standIns = null;
      String region = config.region().orElseGet(() -> System.getenv().getOrDefault("AWS_REGION", "us-east-1"));
      this.aws = new AwsClients(new AwsSettings(region, config.aws().dynamodbEndpoint().orElse(null),
          config.aws().s3Endpoint().orElse(null), null, null));
    }
    ArtifactStore artifacts = new ArtifactStore(aws.s3(), config.registry().artifactsBucket());
    if (standIns != null) {
      RegistryTable.createIfMissing(aws.dynamoDb(), config.registry().table());
      artifacts.createBucketIfMissing();
    }
    this.registry = new ModelRegistry(aws.dynamoDb(), config.registry().table(), artifacts);
    this.resolver = new ModelResolver(registry, config.registry().aliasRefresh(),
        config.registry().aliasMaxStale());
    Path staging = Path.of(config.models().stagingDir().orElseGet(() -> standIns != null
        ? Path.of(config.dataDir(), "model-cache").toString()
        : System.getProperty("java.io.tmpdir") + "/pier-models"));
    this.models = new ModelCache(artifacts, staging, config.models().cacheBytes(), config.models().idleTimeout(),
        List.of(new OnnxEngine(config.onnx().intraOpThreads())));
    this.predictions = new PredictionService(resolver, models);
  }

  public PierConfig config() {
    return config;
  }

  public ModelRegistry registry() {
    return registry;
  }

  public ModelCache models() {
    return models;
  }

  public PredictionService predictions() {
    return predictions;
  }

  /** The local stand-ins, or null outside local mode. */
  public LocalStandIns standIns() {
    return standIns;
  }

  @PreDestroy
  void close() {
    models.close();
    aws.close();
    if (standIns != null) {
      standIns.close();
    }
  }
}
