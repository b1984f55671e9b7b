package dev.pier.api.platform;

import dev.pier.api.PierConfig;

import dev.pier.kernel.PierException;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.kernel.local.LocalStandIns;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelResolver;
import dev.pier.registry.RegistryTable;
import dev.pier.runtime.ModelCache;
import dev.pier.runtime.PredictionService;
import dev.pier.kernel.engine.Framework;
import dev.pier.runtime.EngineSettings;
import dev.pier.runtime.InferenceEngine;
import dev.pier.endpoints.EndpointClient;
import dev.pier.endpoints.local.LocalSageMakerRuntime;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.ConcurrencyLimits;
import dev.pier.runtime.EndpointRouter;
import dev.pier.runtime.oip.OipJson;
import io.quarkus.logging.Log;
import java.util.function.Consumer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Wires Pier's core services once per process and produces them for injection: the AWS clients (pointed at the local
 * stand-ins in local mode), the local stand-ins themselves ({@code Optional<LocalStandIns>}, empty in AWS), the
 * registry, the model cache and the prediction service. Plain objects, so the same code runs in Lambda, in a
 * container and on a laptop; this class is the only place that knows which, and it closes them in order at shutdown.
 * Nothing asks this class for a service: a bean that needs one injects it.
 */
@Singleton
public class CoreWiring {
  private final LocalStandIns standIns;
  private final AwsClients aws;
  private final ModelRegistry registry;
  private final ModelResolver resolver;
  private final ModelCache models;
  private final PredictionService predictions;
  private software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeClient sagemaker;
  private LocalSageMakerRuntime localEndpoints;

  public CoreWiring(PierConfig config) {
    if (config.mode() == PierConfig.Mode.local) {
      Path dataDir = Path.of(config.dataDir()).toAbsolutePath();
      try {
        this.standIns = LocalStandIns.start(dataDir);
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the local stand-ins in " + dataDir, e);
      }
      boolean inProcess = config.local().dynamodbTransport() == PierConfig.Local.Transport.in_process;
      this.aws = new AwsClients(new AwsSettings(standIns.region(), standIns.dynamoDbEndpoint(),
          standIns.s3Endpoint(), standIns.accessKeyId(), standIns.secretAccessKey()),
          inProcess ? standIns.dynamoDbInProcessHttpClient() : null);
      Log.infof("local mode: data in %s, DynamoDB stand-in at %s (reached %s), S3 stand-in at %s", dataDir,
          standIns.dynamoDbEndpoint(), inProcess ? "in process" : "over HTTP", standIns.s3Endpoint());
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
    long budget = config.models().cacheBytes().orElseGet(ModelCache::defaultBudgetBytes);
    Log.infof("model cache: %d MiB for loaded models (%s; this machine has %d MiB)", budget >> 20,
        config.models().cacheBytes().isPresent() ? "pier.models.cache-bytes" : "half of the machine's memory",
        ModelCache.machineMemoryBytes() >> 20);
    this.models = new ModelCache(artifacts, staging, budget, config.models().idleTimeout(),
        engines(config, standIns != null));
    this.predictions = new PredictionService(resolver, models, endpointRouter(config),
        new ConcurrencyLimits(config.limits().maxConcurrentPerModel(), config.limits().queueWait()));
  }

  /**
   * Endpoint-placed versions go through the real SageMakerRuntimeClient: in AWS to SageMaker, in local mode to the
   * SageMaker-runtime stand-in, which hosts each such version on the CPU (this process) the first time it is asked for.
   */
  private EndpointRouter endpointRouter(PierConfig config) {
    Consumer<ModelVersion> beforeInvoke = v -> { };
    java.net.URI endpoint = config.aws().sagemakerRuntimeEndpoint().orElse(null);
    if (standIns != null) {
      try {
        localEndpoints = LocalSageMakerRuntime.start(0);
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the local SageMaker-runtime stand-in", e);
      }
      endpoint = localEndpoints.endpoint();
      // An endpoint hosts one model, as the registry's endpoint claims say: a version of another model asking for an
      // endpoint already hosting one (a registration from before claims existed) is refused, never served its model.
      java.util.concurrent.ConcurrentMap<String, String> hostedModels = new java.util.concurrent.ConcurrentHashMap<>();
      beforeInvoke = v -> {
        String name = EndpointRouter.endpointName(v);
        String hosted = hostedModels.computeIfAbsent(name, n -> v.model());
        if (!hosted.equals(v.model())) {
          throw PierException.conflict("endpoint " + name + " serves another model; re-register version "
              + v.version() + " of '" + v.model() + "' on its own endpoint");
        }
        if (!localEndpoints.hosts(name)) {
          localEndpoints.host(name, body -> OipJson.writeResponse(predictions.inProcess(v, OipJson.parseRequest(body))));
        }
      };
    }
    sagemaker = aws.client(software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeClient.builder(), endpoint);
    return new EndpointRouter(new EndpointClient(sagemaker), beforeInvoke, ecsRoute(config.endpoints().ecs()));
  }

  /**
   * ECS-placed versions go to the ECS service's load balancer; in local mode without one (there is no ECS service)
   * they are served in-process, as the SageMaker stand-in serves endpoint-placed ones.
   */
  private EndpointRouter.Ecs ecsRoute(PierConfig.Endpoints.EcsServing ecs) {
    if (standIns != null && ecs.url().isEmpty()) {
      return null;
    }
    return new EndpointRouter.Ecs(new dev.pier.endpoints.EcsEndpointClient(new dev.pier.endpoints.EcsEndpointClient
        .Settings(ecs.connectTimeout(), ecs.requestTimeout(), ecs.connectAttempts(), ecs.breakerFailures(),
        ecs.breakerOpen()), java.time.Clock.systemUTC()), ecs.service().orElse(null), ecs.url().orElse(null));
  }

  /**
   * The engines on this build's class path, found with {@link ServiceLoader}: the plain server carries all four, the
   * Lambda zip only ONNX Runtime and XGBoost (see functions/api/pom.xml).
   */
  private static List<InferenceEngine> engines(PierConfig config, boolean local) {
    List<InferenceEngine> engines = new ArrayList<>();
    for (InferenceEngine.Provider provider : ServiceLoader.load(InferenceEngine.Provider.class,
        CoreWiring.class.getClassLoader())) {
      engines.add(provider.create(settings(config, provider.framework(), local)));
    }
    Log.infof("engines: %s", engines.stream().map(e -> e.framework().id()).sorted().toList());
    return engines;
  }

  private static EngineSettings settings(PierConfig config, Framework framework, boolean local) {
    return switch (framework) {
      case ONNX -> new EngineSettings(config.onnx().intraOpThreads(), 1, null,
          Map.of("max-unpacked-bytes", Long.toString(config.onnx().maxUnpackedBytes())));
      case XGBOOST -> new EngineSettings(config.xgboost().threads(), 1, null, Map.of());
      case PYTORCH -> new EngineSettings(config.torch().intraOpThreads(), config.torch().interOpThreads(),
          Path.of(config.torch().cacheDir().orElseGet(() -> local
              ? Path.of(config.dataDir(), "djl-cache").toString()
              : System.getProperty("java.io.tmpdir") + "/pier-djl")),
          Map.of("graph-optimizer", Boolean.toString(config.torch().graphOptimizer())));
      case TENSORFLOW -> new EngineSettings(config.tensorflow().intraOpThreads(),
          config.tensorflow().interOpThreads(), null,
          Map.of("max-unpacked-bytes", Long.toString(config.tensorflow().maxUnpackedBytes())));
    };
  }

  /** The AWS clients (pointed at the stand-ins in local mode). */
  @Produces
  @Singleton
  AwsClients aws() {
    return aws;
  }

  @Produces
  @Singleton
  ModelRegistry registry() {
    return registry;
  }

  @Produces
  @Singleton
  ModelCache models() {
    return models;
  }

  /** The model runtime's front: its pipeline stages, and the version metadata the OIP routes answer. */
  @Produces
  @Singleton
  PredictionService predictions() {
    return predictions;
  }

  /** The local stand-ins; empty outside local mode. */
  @Produces
  @Singleton
  Optional<LocalStandIns> standIns() {
    return Optional.ofNullable(standIns);
  }

  @PreDestroy
  void close() {
    sagemaker.close();
    if (localEndpoints != null) {
      localEndpoints.close();
    }
    models.close();
    aws.close();
    if (standIns != null) {
      standIns.close();
    }
  }
}
