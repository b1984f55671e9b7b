package dev.pier.runtime;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.ResponseCaching;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opt-in response caching per version: a request whose inputs (names, datatypes, shapes and values, after JSON's
 * nested-or-flat forms are flattened) and requested outputs equal an earlier one's gets the earlier answer, until
 * its TTL. One bounded Caffeine cache per version, so entries never cross versions; keys compare the data exactly
 * (hashes only pick the bucket), so a collision can never return another input's answer.
 */
public final class ResponseCache {
  private final ConcurrentHashMap<VersionKey, Cache<RequestKey, InferenceResponse>> caches = new ConcurrentHashMap<>();

  InferenceResponse get(ModelVersion v, InferenceRequest request, java.util.function.Supplier<InferenceResponse> compute) {
    ResponseCaching policy = v.serving().responseCache();
    if (policy == null) {
      return compute.get();
    }
    Cache<RequestKey, InferenceResponse> cache = caches.computeIfAbsent(new VersionKey(v.model(), v.version()),
        k -> Caffeine.newBuilder().maximumSize(policy.maxEntries())
            .expireAfterWrite(Duration.ofSeconds(policy.ttlSeconds())).recordStats().build());
    InferenceResponse r = cache.get(new RequestKey(request.inputs(), request.outputs()), k -> compute.get());
    if (r == null) {
      return null; // compute declined (see PredictionService#inferNow): nothing cached
    }
    return new InferenceResponse(r.modelName(), r.modelVersion(), request.id(), r.outputs());
  }

  /** Hits, misses and size of a version's cache; null when it has none. */
  Stats stats(ModelVersion v) {
    Cache<RequestKey, InferenceResponse> cache = caches.get(new VersionKey(v.model(), v.version()));
    if (cache == null) {
      return null;
    }
    CacheStats s = cache.stats();
    return new Stats(s.hitCount(), s.missCount(), cache.estimatedSize());
  }

  /** Cache counters for one version. */
  public record Stats(long hits, long misses, long size) {}

  private record VersionKey(String model, int version) {}

  private static final class RequestKey {
    private final List<Tensor> inputs;
    private final List<String> outputs;
    private final int hash;

    RequestKey(List<Tensor> inputs, List<String> outputs) {
      this.inputs = inputs;
      this.outputs = outputs;
      int h = outputs.hashCode();
      for (Tensor t : inputs) {
        h = 31 * h + t.name().hashCode();
        h = 31 * h + t.datatype().hashCode();
        h = 31 * h + Arrays.hashCode(t.shape());
        h = 31 * h + Arrays.deepHashCode(new Object[] {t.data()});
      }
      this.hash = h;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof RequestKey k) || k.hash != hash || k.inputs.size() != inputs.size()
          || !k.outputs.equals(outputs)) {
        return false;
      }
      for (int i = 0; i < inputs.size(); i++) {
        Tensor a = inputs.get(i);
        Tensor b = k.inputs.get(i);
        if (!a.name().equals(b.name()) || a.datatype() != b.datatype() || !Arrays.equals(a.shape(), b.shape())
            || !Objects.deepEquals(a.data(), b.data())) {
          return false;
        }
      }
      return true;
    }
  }
}
