package dev.pier.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.engine.Framework;
import dev.pier.registry.NewVersion;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.onnx.OnnxEngine;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * The iris MLP through Pier's runtime (resolve from the in-memory registry cache, lease from the model cache,
 * signature check, tensor conversion) against the raw ONNX Runtime call on the same session settings
 * (create the input tensor, run, read the output). The difference is Pier's overhead — negative since the engine
 * reuses native buffers per input shape ({@code OnnxBindings}).
 *
 * <p>Run: {@code PIER_BENCH_FILTER=OnnxRuntimeBenchmark ./pier bench jmh} (or {@code ./pier bench} for all).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class OnnxRuntimeBenchmark {
  static final Path IRIS = Path.of(System.getProperty("pier.fixtures", "tests/fixtures/models"), "iris-mlp.onnx");

  @Param({"1", "64"})
  int rows;

  private RuntimeFixture fixture;
  private OrtEnvironment env;
  private OrtSession raw;
  private float[] data;
  private InferenceRequest request;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    fixture = new RuntimeFixture(List.of(new OnnxEngine(1)), 1L << 30);
    fixture.registry.register("iris", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), IRIS, null);
    env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      raw = env.createSession(IRIS.toString(), options);
    }
    data = new float[rows * 4];
    for (int i = 0; i < data.length; i++) {
      data[i] = 1 + (i % 7) * 0.5f;
    }
    request = new InferenceRequest(null,
        List.of(new Tensor("input", Datatype.FP32, new long[] {rows, 4}, data)), List.of());
    fixture.predictions.infer("iris", "1", request); // load and warm
  }

  @TearDown(Level.Trial)
  public void tearDown() throws OrtException {
    raw.close();
    fixture.close();
  }

  @Benchmark
  public float[] rawOnnxRuntime() throws OrtException {
    try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), new long[] {rows, 4});
        OrtSession.Result result = raw.run(Map.of("input", input), Set.of("probabilities", "label"))) {
      FloatBuffer probabilities = ((OnnxTensor) result.get("probabilities").orElseThrow()).getFloatBuffer();
      float[] out = new float[probabilities.remaining()];
      probabilities.get(out);
      java.nio.LongBuffer labels = ((OnnxTensor) result.get("label").orElseThrow()).getLongBuffer();
      long[] label = new long[labels.remaining()];
      labels.get(label);
      out[0] += label[0]; // keep both outputs live, as the runtime returns both
      return out;
    }
  }

  @Benchmark
  public Object pierRuntime() {
    return fixture.predictions.infer("iris", "1", request).outputs();
  }
}
