package dev.pier.bench;

import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.engine.Framework;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.NewVersion;
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
 * <p>Usage: {@code LargeModelLoad MODEL.onnx|MODEL.zip}
 */
public final class LargeModelLoad {
  public static void main(String[] args) throws Exception {
    Path artifact = Path.of(args[0]);
    long bytes = Files.size(artifact);
    try (RuntimeFixture fixture = new RuntimeFixture(List.of(new OnnxEngine(1)),
        dev.pier.runtime.ModelCache.defaultBudgetBytes())) {
      long t0 = System.nanoTime();
      ModelVersion v = fixture.registry.register("large",
          new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), artifact, null);
      long registered = System.nanoTime();
      boolean ready = fixture.predictions.ready(v);
      long loaded = System.nanoTime();
      int n = 16384;
      var out = fixture.predictions.infer("large", "1", new InferenceRequest(null,
          List.of(new Tensor("x", Datatype.FP32, new long[] {1, n}, new float[n])), List.of()));
      long inferred = System.nanoTime();
      fixture.predictions.infer("large", "1", new InferenceRequest(null,
          List.of(new Tensor("x", Datatype.FP32, new long[] {1, n}, new float[n])), List.of()));
      long second = System.nanoTime();
      System.out.printf("artifact:          %s, %.2f GB (sha256 %s...)%n", artifact.getFileName(), bytes / 1e9,
          v.artifact().sha256().substring(0, 12));
      System.out.printf("register (hash + upload to the S3 stand-in): %.1f s%n", (registered - t0) / 1e9);
      System.out.printf("load (ranged download + SHA-256 + unpack + session + warm-up): %.1f s, ready=%s%n",
          (loaded - registered) / 1e9, ready);
      System.out.printf("first inference:   %.1f ms, output shape %s%n", (inferred - loaded) / 1e6,
          java.util.Arrays.toString(out.outputs().get(0).shape()));
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
