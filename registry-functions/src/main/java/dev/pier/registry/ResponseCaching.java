package dev.pier.registry;

import dev.pier.kernel.PierException;

/** A version's opt-in response cache: identical inputs answered from memory for {@code ttlSeconds}. */
public record ResponseCaching(long ttlSeconds, long maxEntries) {
  public ResponseCaching {
    if (ttlSeconds < 1 || ttlSeconds > 86_400) {
      throw PierException.badRequest("response_cache.ttl_seconds must be between 1 and 86400, got " + ttlSeconds);
    }
    if (maxEntries < 1 || maxEntries > 1_000_000) {
      throw PierException.badRequest("response_cache.max_entries must be between 1 and 1000000, got " + maxEntries);
    }
  }
}
