package dev.pier.api.inference;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.pier.runtime.Tensor;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Counts suspected model-extraction probes: a caller sending, within ten minutes, an input that differs from one it
 * sent before only below the first decimal — the near-duplicate queries that map a model's decision boundary. Each
 * counts once on {@code pier_suspected_probes_total{model}} (Prometheus) and as {@code SuspectedProbes} in EMF, a
 * metric to alarm on; requests are never refused for it. Costs one hash of the inputs and one cache lookup.
 */
@Singleton
public class ProbeDetector {
  /** Written on every prediction: bookkeeping on the writing thread, not a pool thread woken for it. */
  private final Cache<Coarse, Integer> recent = Caffeine.newBuilder()
      .maximumSize(100_000).expireAfterWrite(Duration.ofMinutes(10)).executor(Runnable::run).build();
  private final MeterRegistry registry;

  public ProbeDetector(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Records a prediction's inputs; true when it looks like a probe. */
  public boolean observe(String principal, String model, List<Tensor> inputs) {
    int exact = 1;
    int coarse = 1;
    for (Tensor t : inputs) {
      exact = 31 * exact + hash(t.data());
      coarse = 31 * coarse + coarseHash(t);
    }
    Integer before = recent.asMap().putIfAbsent(new Coarse(principal, model, coarse), exact);
    boolean probe = before != null && before != exact;
    if (probe) {
      registry.counter("pier.suspected.probes", "model", model).increment();
    }
    return probe;
  }

  private static int coarseHash(Tensor t) {
    int h = t.name().hashCode();
    if (t.data() instanceof float[] f) {
      for (float v : f) {
        h = 31 * h + Math.round(v * 10);
      }
      return h;
    }
    if (t.data() instanceof double[] d) {
      for (double v : d) {
        h = 31 * h + (int) Math.round(v * 10);
      }
      return h;
    }
    return 31 * h + hash(t.data()); // non-float inputs: only exact repeats match
  }

  /** {@code Arrays.deepHashCode(new Object[] {data})} without the array: this runs on every prediction. */
  private static int hash(Object data) {
    return switch (data) {
      case float[] a -> 31 + Arrays.hashCode(a);
      case double[] a -> 31 + Arrays.hashCode(a);
      case int[] a -> 31 + Arrays.hashCode(a);
      case long[] a -> 31 + Arrays.hashCode(a);
      case byte[] a -> 31 + Arrays.hashCode(a);
      case null, default -> Arrays.deepHashCode(new Object[] {data});
    };
  }

  private record Coarse(String principal, String model, int hash) {}
}
