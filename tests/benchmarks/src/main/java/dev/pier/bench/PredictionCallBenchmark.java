package dev.pier.bench;

import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.security.Credentials;
import dev.pier.registry.ModelResolver;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.NewVersion;
import dev.pier.runtime.Budget;
import dev.pier.runtime.ConcurrencyLimits;
import dev.pier.runtime.EngineSettings;
import dev.pier.runtime.InferenceEngine;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.oip.OipJson;
import dev.pier.runtime.prediction.AuditSampleStage;
import dev.pier.runtime.prediction.AuthorizeStage;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.PredictionPipeline;
import dev.pier.runtime.prediction.Slot;
import dev.pier.runtime.prediction.WayIn;
import dev.pier.security.FailedAuthentications;
import dev.pier.security.Gatekeeper;
import dev.pier.security.RateLimiter;
import dev.pier.security.audit.PredictionSampler;
import dev.pier.security.privacy.SubjectHash;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the REST route does for one request on the HTTP I/O thread once its headers and body are read, minus HTTP and
 * the server's metrics and probe stages (they live in the api app): the {@link PredictionCall} made as
 * {@code InferRoute} makes it (way in {@code rest}, a budget that may not block, the body), admitted, parsed, run
 * through the pipeline — authorization, the model's concurrency permit (64, as the server's default), resolution,
 * validation, placement, response cache, engine, audit draw — and its answer written ({@code restCall}), against
 * the same parse, model call and write with no pipeline at all ({@code rawCall}). The difference is the pipeline's
 * cost per request; {@code -prof gc} shows its allocation per call ({@code gc.alloc.rate.norm}).
 *
 * <p>Run: {@code PIER_BENCH_FILTER=PredictionCallBenchmark ./pier bench jmh}, or with the benchmark jar:
 * {@code java -cp tests/benchmarks/target/pier-benchmarks.jar org.openjdk.jmh.Main PredictionCallBenchmark -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class PredictionCallBenchmark {
  /**
   * The route's budget, without its bound on the model's mean call time: on a loaded machine the forest's mean can
   * pass the server's 250 µs, and a declined call would measure nothing.
   */
  private static final Budget INLINE = Budget.inline(Long.MAX_VALUE);
  private static final Credentials NONE = new Credentials.None();

  @Param({"1", "64"})
  int rows;

  private RuntimeFixture fixture;
  private PredictionPipeline pipeline;
  private LoadedModel direct;
  private byte[] body;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    List<InferenceEngine> engines = ServiceLoader.load(InferenceEngine.Provider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.getClass().getName().contains("Onnx"))
        .map(p -> p.create(new EngineSettings(1, 1, Path.of(System.getProperty("java.io.tmpdir")), Map.of())))
        .toList();
    fixture = new RuntimeFixture(engines, 1L << 30);
    Path model = EngineBenchmark.FIXTURES.resolve("iris-forest.onnx");
    fixture.registry.register("m", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), model, null);
    ModelVersion v = fixture.registry.version("m", 1);
    direct = engines.getFirst().load(model, v.signature());
    PredictionService predictions = new PredictionService(
        new ModelResolver(fixture.registry, Duration.ofSeconds(5), Duration.ofSeconds(60)), fixture.cache, null,
        new ConcurrencyLimits(64, Duration.ofMillis(100)));
    Gatekeeper open = new Gatekeeper(false, null, null, new RateLimiter(0, 0),
        new FailedAuthentications(10, Duration.ofMinutes(1)), List.of());
    PredictionSampler neverDrawn = new PredictionSampler(e -> { }, 0, false, new SubjectHash(new byte[32]));
    pipeline = predictions.pipeline()
        .add(Slot.ADMIT, new AuthorizeStage(open))
        .add(Slot.AUDIT, new AuditSampleStage(neverDrawn))
        .build();
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < rows * 4; i++) {
      data.append(i == 0 ? "" : ",").append(1 + (i % 7) * 0.5);
    }
    body = ("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[" + rows + ",4],\"data\":[" + data
        + "]}]}").getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 1000; i++) { // a first load declines the inline budget: load and warm on a budget that waits
      pipeline.answer(new PredictionCall(WayIn.REST, "m", "1", null, null, null, System.nanoTime(), Budget.WAIT)
          .request(OipJson.parseRequest(body, -1)));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    direct.close();
    fixture.close();
  }

  @Benchmark
  public byte[] rawCall() {
    InferenceRequest request = OipJson.parseRequest(body, -1);
    return OipJson.writeResponse(new InferenceResponse("m", 1, request.id(),
        direct.infer(request.inputs(), request.outputs())));
  }

  @Benchmark
  public byte[] restCall() {
    PredictionCall call = new PredictionCall(WayIn.REST, "m", "1", null, "bench", null, System.nanoTime(), INLINE)
        .credentials(NONE, null, null)
        .body(body, -1);
    pipeline.runThrough(call, Slot.ADMIT);
    call.request(OipJson.parseRequest(call.body(), call.jsonLength()));
    if (!pipeline.run(call)) {
      throw new IllegalStateException("declined on the inline budget");
    }
    return OipJson.writeResponse(call.response());
  }
}
