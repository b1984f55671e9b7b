package dev.pier.registry;

import dev.pier.kernel.PierException;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.CacheLoader;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The serving path's view of the registry: resolves "model + version-or-alias" to a {@link ModelVersion} from
 * memory, so a prediction makes no control-plane round trip once warm.
 *
 * <p>Versions are immutable and cached until evicted by size. Alias targets are cached and refreshed in the
 * background after {@code aliasRefresh}; an entry older than {@code aliasMaxStale} is reloaded before use. Changes
 * made by this process are applied to the cache at once (it listens to the {@link ModelRegistry}), so a write is
 * visible to the very next request here; other processes see it within {@code aliasRefresh} of their next read.
 * Misses read through to DynamoDB; lookups that fail (404) are not cached.
 *
 * <p>An alias with a canary sends {@code weight} of its traffic to the canary version: sticky per unit key when the
 * caller gives one (the same key always lands on the same side while the weight is unchanged), random otherwise.
 *
 * <p>Thread-safe.
 */
public final class ModelResolver implements RegistryListener {
  private final ModelRegistry registry;
  private final Cache<VersionKey, ModelVersion> versions;
  private final LoadingCache<AliasKey, Alias.Target> aliases;

  public ModelResolver(ModelRegistry registry, Duration aliasRefresh, Duration aliasMaxStale) {
    this.registry = registry;
    // Read on every prediction, often on an HTTP I/O thread: cache bookkeeping runs on the reading thread (cheap,
    // amortized) instead of waking a pool thread each time a read buffer fills; alias reloads, which read
    // DynamoDB, still run in the background.
    this.versions = Caffeine.newBuilder().maximumSize(10_000).executor(Runnable::run).build();
    this.aliases = Caffeine.newBuilder()
        .maximumSize(10_000)
        .refreshAfterWrite(aliasRefresh)
        .expireAfterWrite(aliasMaxStale)
        .executor(Runnable::run)
        .build(new CacheLoader<AliasKey, Alias.Target>() {
          @Override
          public Alias.Target load(AliasKey key) {
            return registry.alias(key.model(), key.alias()).target();
          }

          @Override
          public CompletableFuture<Alias.Target> asyncReload(AliasKey key, Alias.Target old, Executor inline) {
            return CompletableFuture.supplyAsync(() -> load(key), ForkJoinPool.commonPool());
          }
        });
    registry.addListener(this);
  }

  /** Resolves a version number, an alias, or null (alias {@code production}), choosing a canary at random. */
  public ModelVersion resolve(String model, String reference) {
    return resolve(model, reference, null);
  }

  /**
   * Resolves a version number, an alias, or null (alias {@code production}).
   *
   * @param unitKey makes the canary choice sticky for this key; null for a random choice
   */
  public ModelVersion resolve(String model, String reference, String unitKey) {
    return resolve(model, reference, unitKey, true);
  }

  /**
   * {@link #resolve(String, String, String)}; with {@code load} false only from what is cached: null, without any
   * I/O, when the alias target or the version is not cached (or the name is invalid: the loading path then says why).
   */
  public ModelVersion resolve(String model, String reference, String unitKey, boolean load) {
    String ref = reference == null ? "production" : reference;
    int number = Names.versionNumberOf(ref);
    if (number < 0) {
      AliasKey key = new AliasKey(model, ref);
      Alias.Target target;
      if (load) {
        Names.checkModel(model);
        Names.checkAlias(ref);
        target = aliases.get(key);
      } else if ((target = aliases.getIfPresent(key)) == null) {
        return null;
      }
      number = target.canary() != null && draw(model, ref, unitKey) < target.canary().weight()
          ? target.canary().version() : target.version();
    }
    int version = number;
    VersionKey key = new VersionKey(model, version);
    ModelVersion v = load ? versions.get(key, k -> registry.version(k.model(), k.version())) : versions.getIfPresent(key);
    if (v == null || !v.artifact().servable()) {
      if (!load) {
        return null;
      }
      throw PierException.conflict("version " + version + " of model '" + model + "' is not servable: "
          + (v.artifact().statusMessage() != null ? v.artifact().statusMessage() : "its artifact is not in Pier's store"));
    }
    return v;
  }

  /** A number in [0, 1): a stable hash of the unit key, or random without one. */
  static double draw(String model, String alias, String unitKey) {
    if (unitKey == null) {
      return ThreadLocalRandom.current().nextDouble();
    }
    long h = 0xcbf29ce484222325L; // 64-bit FNV-1a: cheap, stable across processes and JVM versions
    for (byte b : (model + '\u0000' + alias + '\u0000' + unitKey).getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h ^= h >>> 33; // FNV's low bits mix poorly; fold the high bits in before taking 53 of them
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (h >>> 11) * 0x1.0p-53;
  }

  @Override
  public void versionCreated(ModelVersion version) {
    versions.put(new VersionKey(version.model(), version.version()), version);
  }

  @Override
  public void aliasMoved(Alias alias) {
    aliases.put(new AliasKey(alias.model(), alias.name()), alias.target());
  }

  @Override
  public void changed(RegistryEvent event) {
    switch (event.type()) {
      // an edit (a PATCH of its metadata: capture, properties) is read again at the next request here
      case "version.deleted", "version.updated" -> versions.invalidate(new VersionKey(event.model(), event.version()));
      case "alias.deleted" -> aliases.invalidate(new AliasKey(event.model(), event.alias()));
      case "model.deleted", "model.renamed" -> {
        String model = event.type().equals("model.renamed") ? event.detail().get("from") : event.model();
        versions.asMap().keySet().removeIf(k -> k.model().equals(model));
        aliases.asMap().keySet().removeIf(k -> k.model().equals(model));
      }
      default -> { }
    }
  }

  private record VersionKey(String model, int version) {}

  private record AliasKey(String model, String alias) {}
}
