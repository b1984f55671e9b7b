package dev.pier.security;

import dev.pier.kernel.security.AccessDenied;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per principal: {@code perSecond} requests a second on average, bursts of up to {@code burst}. A
 * principal may carry its own rate (API keys can); 0 means unlimited. In memory, per process: N servers allow N
 * times the rate, which is what a per-instance guard against runaway clients needs (API Gateway throttles in front).
 */
public final class RateLimiter {
  private final double defaultPerSecond;
  private final int defaultBurst;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  public RateLimiter(double defaultPerSecond, int defaultBurst) {
    this.defaultPerSecond = defaultPerSecond;
    this.defaultBurst = defaultBurst;
  }

  /** Takes one token for {@code principal}; throws a 429 with the seconds to wait when there is none. */
  public void acquire(String principal, double ownPerSecond) {
    double rate = ownPerSecond > 0 ? ownPerSecond : defaultPerSecond;
    if (rate <= 0) {
      return;
    }
    int burst = ownPerSecond > 0 ? Math.max(1, (int) Math.ceil(ownPerSecond)) : Math.max(1, defaultBurst);
    Bucket bucket = buckets.computeIfAbsent(principal, p -> new Bucket(burst));
    long waitNanos = bucket.take(rate, burst, System.nanoTime());
    if (waitNanos > 0) {
      long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
      throw AccessDenied.rateLimited("rate limit of " + rate + " requests per second exceeded for " + principal
          + "; retry after " + seconds + " s", seconds);
    }
  }

  private static final class Bucket {
    private double tokens;
    private long refilledAt = System.nanoTime();

    Bucket(int burst) {
      this.tokens = burst;
    }

    /** 0 when a token was taken, else the nanoseconds until one is there. */
    synchronized long take(double rate, int burst, long now) {
      tokens = Math.min(burst, tokens + (now - refilledAt) * rate / 1e9);
      refilledAt = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return (long) ((1 - tokens) / rate * 1e9);
    }
  }
}
