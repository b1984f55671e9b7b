package dev.pier.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.SignatureJson;
import dev.pier.kernel.engine.Framework;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.NewVersion;
import dev.pier.runtime.EngineSettings;
import dev.pier.runtime.InferenceEngine;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * Each engine's iris fixture through Pier's runtime ({@code pierRuntime}: resolve from the in-memory registry
 * cache, lease from the model cache, signature check, engine) against the engine adapter called directly on a
 * loaded model ({@code engineCall}). {@link OnnxRuntimeBenchmark} compares ONNX with ONNX Runtime's own API.
 *
 * <p>Run: {@code ./pier bench jmh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class EngineBenchmark {
  static final Path FIXTURES = Path.of(System.getProperty("pier.fixtures", "tests/fixtures/models"));

  @Param({"xgboost", "pytorch", "tensorflow", "onnx-forest"})
  String engine;

  @Param({"1", "64"})
  int rows;

  private RuntimeFixture fixture;
  private LoadedModel direct;
  private List<Tensor> inputs;
  private InferenceRequest request;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    String file = switch (engine) {
      case "xgboost" -> "iris-xgboost.json";
      case "pytorch" -> "iris-torch.pt";
      case "tensorflow" -> "iris-tf.tar.gz";
      default -> "iris-forest.onnx";
    };
    Framework framework = engine.equals("onnx-forest") ? Framework.ONNX : Framework.parse(engine);
    Signature declared = null;
    if (framework == Framework.PYTORCH) {
      JsonNode ref = new ObjectMapper().readTree(FIXTURES.resolve("iris-torch.reference.json").toFile());
      declared = SignatureJson.parse(ref.get("signature"), "signature");
    }
    List<InferenceEngine> engines = new ArrayList<>();
    EngineSettings settings = new EngineSettings(1, 1,
        Path.of(System.getProperty("user.home"), ".djl.ai"), Map.of());
    for (InferenceEngine.Provider p : ServiceLoader.load(InferenceEngine.Provider.class)) {
      engines.add(p.create(settings));
    }
    fixture = new RuntimeFixture(engines, 1L << 30);
    fixture.registry.register("m", new NewVersion(framework, declared, null, Map.of(), Map.of()),
        FIXTURES.resolve(file), null);
    ModelVersion v = fixture.registry.version("m", 1);
    InferenceEngine e = engines.stream().filter(x -> x.framework() == framework).findFirst().orElseThrow();
    direct = e.load(FIXTURES.resolve(file), v.signature() != null ? v.signature() : declared);
    float[] data = new float[rows * 4];
    for (int i = 0; i < data.length; i++) {
      data[i] = 1 + (i % 7) * 0.5f;
    }
    inputs = List.of(new Tensor("input", Datatype.FP32, new long[] {rows, 4}, data));
    request = new InferenceRequest(null, inputs, List.of());
    fixture.predictions.infer("m", "1", request); // load and warm
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    direct.close();
    fixture.close();
  }

  @Benchmark
  public Object engineCall() {
    return direct.infer(inputs, List.of());
  }

  @Benchmark
  public Object pierRuntime() {
    return fixture.predictions.infer("m", "1", request).outputs();
  }
}
