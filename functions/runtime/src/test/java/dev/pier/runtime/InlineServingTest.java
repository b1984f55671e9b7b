package dev.pier.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.PredictionPipeline;
import dev.pier.runtime.prediction.WayIn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The prediction pipeline with a budget that may not block ({@link Budget#inline}): what the HTTP I/O thread may serve
 * itself. A stage must decline (false, nothing kept) whenever serving could block or take long; the same call, given
 * a budget that may block, resumes where it stopped and answers exactly what a blocking call does.
 */
class InlineServingTest {
  static final Path IRIS = Path.of("../../tests/fixtures/models/iris-mlp.onnx");
  static final Budget GENEROUS = Budget.inline(Duration.ofMillis(50).toNanos());
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

  private static PredictionCall call(String model, String reference, InferenceRequest request, Budget budget) {
    return new PredictionCall(WayIn.REST, model, reference, null, "r1", null, System.nanoTime(), budget)
        .request(request);
  }

  @Test
  void declinesUntilTheVersionIsResolvedAndLoadedThenAnswersLikeTheBlockingPath() {
    PredictionService predictions = service(ConcurrencyLimits.unlimited());
    PredictionPipeline pipeline = predictions.pipeline().build();
    assertThat(pipeline.run(call("iris", "1", row(null), GENEROUS))).isFalse();
    assertThat(cache.isLoaded(registry.version("iris", 1))).isFalse(); // declining loaded nothing

    InferenceResponse blocking = predictions.infer("iris", "1", row(null));
    PredictionCall inline = call("iris", "1", row(null), GENEROUS);

    assertThat(pipeline.run(inline)).isTrue();
    assertThat(inline.response().modelVersion()).isEqualTo(1);
    assertThat(inline.response().id()).isEqualTo("r1");
    assertThat((float[]) inline.response().outputs().get(0).data())
        .containsExactly((float[]) blocking.outputs().get(0).data());
  }

  @Test
  void declinesExplanationsSlowModelsAndFullCapacity() {
    ConcurrencyLimits limits = new ConcurrencyLimits(1, Duration.ZERO);
    PredictionService predictions = service(limits);
    PredictionPipeline pipeline = predictions.pipeline().build();
    predictions.infer("iris", "1", row(null));

    // each declined call holds its share of capacity until it resumes on a thread that may block and answers
    PredictionCall explained = call("iris", "1", row("shap"), GENEROUS);
    assertThat(pipeline.run(explained)).as("explanations").isFalse();
    // resumed where it may block, at the explanation: which this version cannot give (no background data)
    assertThatThrownBy(() -> pipeline.run(explained.budget(Budget.WAIT))).hasMessageContaining("background data");
    assertThat(explained.holdsPermit()).isFalse();
    PredictionCall slow = call("iris", "1", row(null), Budget.inline(0));
    assertThat(pipeline.run(slow)).as("mean call time above the bound").isFalse();
    assertThat(pipeline.run(slow.budget(Budget.WAIT))).isTrue();
    try (ConcurrencyLimits.Permit held = limits.admit("iris", System.nanoTime(), Budget.WAIT)) {
      assertThat(pipeline.run(call("iris", "1", row(null), GENEROUS))).as("no free permit").isFalse();
    }
    assertThat(pipeline.run(call("iris", "1", row(null), GENEROUS))).as("permit free again").isTrue();
  }

  @Test
  void aDeclinedCallHoldsNoCapacityWhileItWaitsAndResumesOnAThreadThatMayBlock() {
    ConcurrencyLimits limits = new ConcurrencyLimits(1, Duration.ZERO);
    PredictionService predictions = service(limits);
    PredictionPipeline pipeline = predictions.pipeline().build();
    PredictionCall call = call("iris", "1", row(null), GENEROUS);
    assertThat(pipeline.run(call)).as("not resolved nor loaded yet").isFalse();
    assertThat(call.holdsPermit()).as("gave its permit back when it declined").isFalse();
    limits.admit("iris", System.nanoTime(), Budget.inline(0)).close(); // the one permit is free meanwhile

    assertThat(pipeline.run(call.budget(Budget.WAIT))).isTrue();
    assertThat(call.holdsPermit()).isFalse();
    assertThat(call.status()).isEqualTo(200);
    limits.admit("iris", System.nanoTime(), Budget.inline(0)).close(); // the one permit is free again
  }

  @Test
  void anUnknownModelIsDeclinedSoTheBlockingPathCanSayWhy() {
    PredictionPipeline pipeline = service(ConcurrencyLimits.unlimited()).pipeline().build();
    assertThat(pipeline.run(call("nope", null, row(null), GENEROUS))).isFalse();
    assertThat(pipeline.run(call("bad name!", "1", row(null), GENEROUS))).isFalse();
  }
}
