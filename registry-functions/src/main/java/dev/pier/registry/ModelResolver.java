package dev.pier.registry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import java.time.Duration;

/**
 * The serving path's view of the registry: resolves "model + version-or-alias" to a {@link ModelVersion} from
 * memory, so a prediction makes no control-plane round trip once warm.
 *
 * <p>Versions are immutable and cached until evicted by size. Aliases are cached and refreshed in the background
 * after {@code aliasRefresh}; an entry older than {@code aliasMaxStale} is reloaded before use. Changes made by
 * this process are applied to the cache at once (it listens to the {@link ModelRegistry}), so a write is visible
 * to the very next request here; other processes see it within {@code aliasRefresh} of their next read.
 * Misses read through to DynamoDB; lookups that fail (404) are not cached.
 *
 * <p>Thread-safe.
 */
public final class ModelResolver implements RegistryListener {
  private final ModelRegistry registry;
  private final Cache<VersionKey, ModelVersion> versions;
  private final LoadingCache<AliasKey, Integer> aliases;

  public ModelResolver(ModelRegistry registry, Duration aliasRefresh, Duration aliasMaxStale) {
    this.registry = registry;
    this.versions = Caffeine.newBuilder().maximumSize(10_000).build();
    this.aliases = Caffeine.newBuilder()
        .maximumSize(10_000)
        .refreshAfterWrite(aliasRefresh)
        .expireAfterWrite(aliasMaxStale)
        .build(key -> registry.alias(key.model(), key.alias()).version());
    registry.addListener(this);
  }

  /** Resolves a version number, an alias, or null (alias {@code production}). */
  public ModelVersion resolve(String model, String reference) {
    String ref = reference == null ? "production" : reference;
    Integer number = ModelRegistry.versionNumber(ref);
    if (number == null) {
      ModelRegistry.checkModelName(model);
      ModelRegistry.checkAliasName(ref);
      number = aliases.get(new AliasKey(model, ref));
    }
    int version = number;
    return versions.get(new VersionKey(model, version), k -> registry.version(k.model(), k.version()));
  }

  @Override
  public void versionCreated(ModelVersion version) {
    versions.put(new VersionKey(version.model(), version.version()), version);
  }

  @Override
  public void aliasMoved(Alias alias) {
    aliases.put(new AliasKey(alias.model(), alias.name()), alias.version());
  }

  private record VersionKey(String model, int version) {}

  private record AliasKey(String model, String alias) {}
}
