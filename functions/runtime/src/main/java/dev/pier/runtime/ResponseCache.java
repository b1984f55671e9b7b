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

  /**
   * The cache key of {@code request} for version {@code v}, or null when {@code v} does not cache responses or the
   * request asks for explanations (computed per request, never cached).
   */
  public Object key(ModelVersion v, InferenceRequest request) {
    return v.serving().responseCache() == null || request.explain() != null ? null
        : new RequestKey(request.inputs(), request.outputs());
  }

  /** The cached answer to {@code key} (from {@link #key}), answered under {@code requestId}; null on a miss. */
  public InferenceResponse lookup(ModelVersion v, Object key, String requestId) {
    InferenceResponse r = cache(v).getIfPresent((RequestKey) key);
    return r == null ? null : new InferenceResponse(r.modelName(), r.modelVersion(), requestId, r.outputs());
  }

  /** Keeps {@code response} as the answer to {@code key} until the version's TTL. */
  public void store(ModelVersion v, Object key, InferenceResponse response) {
    cache(v).put((RequestKey) key, response);
  }

  private Cache<RequestKey, InferenceResponse> cache(ModelVersion v) {
    ResponseCaching policy = v.serving().responseCache();
    return caches.computeIfAbsent(new VersionKey(v.model(), v.version()),
        k -> Caffeine.newBuilder().maximumSize(policy.maxEntries())
            .expireAfterWrite(Duration.ofSeconds(policy.ttlSeconds())).recordStats().build());
  }

  /** Hits, misses and size of a version's cache; null when it has none. */
  public Stats stats(ModelVersion v) {
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
