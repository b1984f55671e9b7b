package dev.pier.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.batch.ChunkScorer;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelResolver;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.ServingProperties;
import dev.pier.runtime.EngineSettings;
import dev.pier.runtime.InferenceEngine;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.ModelCache;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.pipeline.FeaturePipeline;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.PredictionPipeline;
import dev.pier.runtime.prediction.WayIn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One per JVM and registry (the driver's, each executor's): the registry's view, the model cache that downloads a
 * version's artifact once from the registry's S3 store and verifies its SHA-256 before an engine sees it, the engines
 * on the class path, and the runtime's prediction pipeline that {@code /predict} runs (way in {@code batch}).
 */
final class ScoringRuntime {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** One per registry: options that differ only in how a job scores share the loaded models. */
  private static final Map<ScoringOptions, ScoringRuntime> RUNTIMES = new ConcurrentHashMap<>();

  final ModelRegistry registry;
  private final AwsClients aws;
  final PredictionService predictions;
  private final PredictionPipeline pipeline;
  private final Map<String, FeaturePipeline> pipelines = new ConcurrentHashMap<>();

  private ScoringRuntime(ScoringOptions options) {
    aws = new AwsClients(options.aws());
    ArtifactStore artifacts = new ArtifactStore(aws.s3(), options.artifactsBucket());
    registry = new ModelRegistry(aws.dynamoDb(), options.registryTable(), artifacts);
    Path staging;
    try {
      staging = Files.createTempDirectory("pier-spark-models");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ModelCache models = new ModelCache(artifacts, staging, ModelCache.defaultBudgetBytes(), Duration.ofHours(1),
        engines());
    predictions = new PredictionService(new ModelResolver(registry, Duration.ofMinutes(1), Duration.ofMinutes(10)),
        models);
    pipeline = predictions.pipeline().build();
  }

  static ScoringRuntime of(ScoringOptions options) {
    ScoringOptions registry = new ScoringOptions(options.region(), options.dynamoDbEndpoint(), options.s3Endpoint(),
        options.accessKeyId(), options.secretAccessKey(), options.registryTable(), options.artifactsBucket(), 1, 1,
        false, "pier_error", "");
    return RUNTIMES.computeIfAbsent(registry, ScoringRuntime::new);
  }

  /** The engines found with {@link ServiceLoader}, one intra-op thread each: Spark runs one task per core. */
  private static List<InferenceEngine> engines() {
    List<InferenceEngine> engines = new ArrayList<>();
    for (InferenceEngine.Provider provider : ServiceLoader.load(InferenceEngine.Provider.class,
        ScoringRuntime.class.getClassLoader())) {
      engines.add(provider.create(new EngineSettings(1, 1, null, Map.of())));
    }
    return engines;
  }

  /** This runtime's DynamoDB client (the registry's account and endpoint). */
  software.amazon.awssdk.services.dynamodb.DynamoDbClient dynamoDb() {
    return aws.dynamoDb();
  }

  /** This runtime's S3 client (the registry's account and endpoint). */
  software.amazon.awssdk.services.s3.S3Client s3() {
    return aws.s3();
  }

  /** The version's feature pipeline, or null. */
  FeaturePipeline featurePipeline(ModelVersion version) {
    if (version.serving().pipeline() == null) {
      return null;
    }
    return pipelines.computeIfAbsent(version.model() + "#" + version.version(), k -> {
      try {
        return FeaturePipeline.parse(JSON.readTree(version.serving().pipeline()), "pipeline");
      } catch (IOException e) {
        throw new IllegalStateException("the feature pipeline of version " + version.version() + " is not JSON");
      }
    });
  }

  /** A scorer for {@code version} whose model calls go through the prediction pipeline, as the batch worker's do. */
  ChunkScorer scorer(ModelVersion version, int batchRows) {
    String model = version.model();
    String ref = Integer.toString(version.version());
    FeaturePipeline features = featurePipeline(version);
    if (features != null && version.metadata().properties().containsKey(ServingProperties.FEATURE_SERVICE)) {
      return ChunkScorer.ofInstances(predictions.signature(version), features, batchRows,
          instances -> pipeline.answer(PredictionCall.of(WayIn.BATCH, model, ref, null).instances(instances))
              .outputs());
    }
    return new ChunkScorer(predictions.signature(version), features, batchRows,
        inputs -> pipeline.answer(PredictionCall.of(WayIn.BATCH, model, ref,
            new InferenceRequest("spark", inputs, List.of()))).outputs());
  }
}
