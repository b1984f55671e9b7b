package dev.pier.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.kernel.engine.Framework;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelResolver;
import dev.pier.registry.NewVersion;
import dev.pier.registry.RegistryTable;
import dev.pier.runtime.onnx.OnnxEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PredictionService#inferNow}: what the HTTP I/O thread may serve itself. It must decline (null, nothing done)
 * whenever serving could block or take long, and otherwise answer exactly what {@link PredictionService#infer} does.
 */
class InlineServingTest {
  static final Path IRIS = Path.of("../../tests/fixtures/models/iris-mlp.onnx");
  static final long GENEROUS = Duration.ofMillis(50).toNanos();
  @TempDir Path dataDir;
  @TempDir Path staging;
  private LocalAws aws;
  private AwsClients clients;
  private ModelRegistry registry;
  private ModelCache cache;

  @BeforeEach
  void start() throws Exception {
    aws = LocalAws.start(dataDir);
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
    ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
    registry.register("iris", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), IRIS, null);
    cache = new ModelCache(artifacts, staging, 1 << 30, Duration.ofMinutes(5), List.of(new OnnxEngine(1)));
  }

  @AfterEach
  void stop() {
    cache.close();
    clients.close();
    aws.close();
  }

  private PredictionService service(ConcurrencyLimits limits) {
    return new PredictionService(new ModelResolver(registry, Duration.ofSeconds(30), Duration.ofMinutes(5)), cache,
        null, limits);
  }

  private static InferenceRequest row(String explain) {
    return new InferenceRequest("r1", List.of(new Tensor("input", Datatype.FP32, new long[] {1, 4},
        new float[] {5.1f, 3.5f, 1.4f, 0.2f})), List.of(), null, explain);
  }

  @Test
  void declinesUntilTheVersionIsResolvedAndLoadedThenAnswersLikeTheBlockingPath() {
    PredictionService predictions = service(ConcurrencyLimits.unlimited());
    assertThat(predictions.inferNow("iris", "1", row(null), GENEROUS)).isNull();
    assertThat(cache.isLoaded(registry.version("iris", 1))).isFalse(); // declining loaded nothing

    InferenceResponse blocking = predictions.infer("iris", "1", row(null));
    InferenceResponse inline = predictions.inferNow("iris", "1", row(null), GENEROUS);

    assertThat(inline).isNotNull();
    assertThat(inline.modelVersion()).isEqualTo(1);
    assertThat(inline.id()).isEqualTo("r1");
    assertThat((float[]) inline.outputs().get(0).data()).containsExactly((float[]) blocking.outputs().get(0).data());
  }

  @Test
  void declinesExplanationsSlowModelsAndFullCapacity() {
    ConcurrencyLimits limits = new ConcurrencyLimits(1, Duration.ZERO);
    PredictionService predictions = service(limits);
    predictions.infer("iris", "1", row(null));

    assertThat(predictions.inferNow("iris", "1", row("shap"), GENEROUS)).as("explanations").isNull();
    assertThat(predictions.inferNow("iris", "1", row(null), 0)).as("mean call time above the bound").isNull();
    try (ConcurrencyLimits.Permit held = limits.acquire("iris")) {
      assertThat(predictions.inferNow("iris", "1", row(null), GENEROUS)).as("no free permit").isNull();
    }
    assertThat(predictions.inferNow("iris", "1", row(null), GENEROUS)).as("permit free again").isNotNull();
  }

  @Test
  void anUnknownModelIsDeclinedSoTheBlockingPathCanSayWhy() {
    PredictionService predictions = service(ConcurrencyLimits.unlimited());
    assertThat(predictions.inferNow("nope", null, row(null), GENEROUS)).isNull();
    assertThat(predictions.inferNow("bad name!", "1", row(null), GENEROUS)).isNull();
  }
}
