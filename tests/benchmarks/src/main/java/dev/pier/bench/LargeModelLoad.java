package dev.pier.bench;

import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.engine.Framework;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.NewVersion;
import dev.pier.engine.tensorflow.TensorFlowEngine;
import dev.pier.engine.torch.TorchEngine;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.EngineSettings;
import dev.pier.runtime.InferenceEngine;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.onnx.OnnxEngine;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Registers a large ONNX artifact and loads it through the runtime (S3 stand-in, ranged parallel download, SHA-256
 * verification, an archive unpacked next to it, ONNX Runtime session, warm-up), then prints load time, first-inference
 * latency, peak heap and peak RSS. The artifact is a single .onnx file or a .zip/.tar.gz of a graph with its weights
 * as external data (how models over 2 GiB are kept; see make_large_model.py). Run it with a heap smaller than the
 * model ({@code ./pier bench large} uses -Xmx512m) to show the artifact never sits in heap. The model cache's budget
 * is the server's default (half of the machine's memory), so a model over it shows it is still loaded once.
 *
 * <p>A {@code .pt} file is a TorchScript model (the iris MLP fixture padded to several GB by
 * {@code dev.pier.engine.torch.PaddedTorchScript}): registered with the fixture's signature, checked by the engine as
 * registration checks it, and asked the fixture's first row.
 *
 * <p>A {@code .savedmodel.zip} is a TensorFlow SavedModel (the iris fixture's computation with padding variables,
 * {@code dev.pier.engine.tensorflow.PaddedSavedModel}): its signature is its own; asked the same first row.
 *
 * <p>Usage: {@code LargeModelLoad MODEL.onnx|MODEL.zip|MODEL.pt|MODEL.savedmodel.zip}
 */
public final class LargeModelLoad {
  /** The iris TorchScript fixture's signature (tests/fixtures/models/iris-torch.reference.json). */
  private static final Signature IRIS_TORCH = new Signature(
      List.of(new TensorSpec("input", Datatype.FP32, new long[] {-1, 4})),
      List.of(new TensorSpec("probabilities", Datatype.FP32, new long[] {-1, 3}),
          new TensorSpec("label", Datatype.INT64, new long[] {-1})));

  public static void main(String[] args) throws Exception {
    Path artifact = Path.of(args[0]);
    long bytes = Files.size(artifact);
    boolean torch = artifact.getFileName().toString().endsWith(".pt");
    boolean tensorflow = artifact.getFileName().toString().endsWith(".savedmodel.zip");
    Framework framework = torch ? Framework.PYTORCH : tensorflow ? Framework.TENSORFLOW : Framework.ONNX;
    InferenceEngine engine = torch ? new TorchEngine(EngineSettings.singleThreaded())
        : tensorflow ? new TensorFlowEngine(EngineSettings.singleThreaded()) : new OnnxEngine(1);
    Signature declared = torch ? IRIS_TORCH : null; // a SavedModel carries its signature
    boolean iris = torch || tensorflow;
    int n = 16384;
    Tensor input = iris ? new Tensor("input", Datatype.FP32, new long[] {1, 4}, new float[] {5.1f, 3.5f, 1.4f, 0.2f})
        : new Tensor("x", Datatype.FP32, new long[] {1, n}, new float[n]);
    try (RuntimeFixture fixture = new RuntimeFixture(List.of(engine),
        dev.pier.runtime.ModelCache.defaultBudgetBytes())) {
      long t0 = System.nanoTime();
      fixture.cache.check(framework, artifact, declared); // what registration does before storing the artifact
      long checked = System.nanoTime();
      System.out.printf("engine check at registration (load + signature run + close): %.1f s, peak RSS so far %s%n",
          (checked - t0) / 1e9, vmHwm());
      ModelVersion v = fixture.registry.register("large",
          new NewVersion(framework, declared, null, Map.of(), Map.of()), artifact, null);
      long registered = System.nanoTime();
      boolean ready = fixture.predictions.ready(v);
      long loaded = System.nanoTime();
      var out = fixture.predictions.infer("large", "1", new InferenceRequest(null, List.of(input), List.of()));
      long inferred = System.nanoTime();
      fixture.predictions.infer("large", "1", new InferenceRequest(null, List.of(input), List.of()));
      long second = System.nanoTime();
      Tensor shown = iris ? out.outputs().stream().filter(t -> t.name().equals("probabilities")).findFirst()
          .orElseThrow() : out.outputs().get(0);
      System.out.printf("artifact:          %s, %.2f GB (sha256 %s...)%n", artifact.getFileName(), bytes / 1e9,
          v.artifact().sha256().substring(0, 12));
      System.out.printf("register (hash + upload to the S3 stand-in): %.1f s%n", (registered - checked) / 1e9);
      System.out.printf("load (ranged download + SHA-256 + unpack + session + warm-up): %.1f s, ready=%s%n",
          (loaded - registered) / 1e9, ready);
      System.out.printf("first inference:   %.1f ms, output shape %s%s%n", (inferred - loaded) / 1e6,
          java.util.Arrays.toString(shown.shape()), iris ? ", probabilities "
              + java.util.Arrays.toString((float[]) shown.data()) : "");
      System.out.printf("second inference:  %.1f ms (no reload)%n", (second - inferred) / 1e6);
      System.out.printf("model cache budget: %d MiB%n", dev.pier.runtime.ModelCache.defaultBudgetBytes() >> 20);
      System.out.printf("max heap:          %d MiB%n", Runtime.getRuntime().maxMemory() >> 20);
      System.out.printf("peak heap used:    %d MiB%n", peakHeap() >> 20);
      System.out.printf("peak RSS (VmHWM):  %s%n", vmHwm());
    }
  }
  private static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  private static String vmHwm() throws Exception {
    return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM"))
        .map(l -> l.replaceAll("\\s+", " ").substring(6).trim()).findFirst().orElse("n/a");
  }
}
