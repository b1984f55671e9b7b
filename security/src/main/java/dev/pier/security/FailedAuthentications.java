package dev.pier.security;

import dev.pier.kernel.security.AccessDenied;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Failed authentications per source (a client address): up to {@code max} failures in any {@code window}; past that
 * the source is refused with a 429 and {@code Retry-After} before its credentials are even looked at, so a guesser
 * gets {@code max} tries per window, not as many as the server can answer. A leaky bucket per source: each failure
 * fills one unit, the bucket drains {@code max} units per window, and a source whose bucket is full is refused until
 * a unit has drained.
 *
 * <p>A request whose source is unknown (a transport that gives no client address) counts against one bucket shared
 * by all such requests, {@link #UNKNOWN}, rather than going unlimited: a guesser cannot escape the limit by hiding
 * its address, at the price that all of them share {@code max} tries per window.
 *
 * <p>Only presented credentials that fail count: a request with none is a 401 but guesses nothing. In memory, per
 * process (N servers allow N times the tries); a source whose bucket has drained is forgotten, so memory holds only
 * the sources that failed recently. Thread-safe.
 */
public final class FailedAuthentications {
  /** Above this many tracked sources, drained ones are swept out when the next failure is recorded. */
  private static final int SWEEP_ABOVE = 10_000;
  /** The one bucket of every request whose source is unknown (null). */
  public static final String UNKNOWN = "an unknown address";
  private final int max;
  private final double drainPerNano;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<String, Bucket> sources = new ConcurrentHashMap<>();

  /** @param max failures allowed per source in {@code window}; 0 turns the limit off */
  public FailedAuthentications(int max, Duration window) {
    this(max, window, System::nanoTime);
  }

  FailedAuthentications(int max, Duration window, LongSupplier nanoTime) {
    if (max < 0 || window.isNegative() || (max > 0 && window.isZero())) {
      throw new IllegalArgumentException("failed authentications: max must be >= 0 and the window positive");
    }
    this.max = max;
    this.drainPerNano = max == 0 ? 0 : max / (double) window.toNanos();
    this.nanoTime = nanoTime;
  }

  /** 429 with the seconds to wait when {@code source} (null: {@link #UNKNOWN}) has used up its failures. */
  public void checkAllowed(String source) {
    if (max == 0) {
      return;
    }
    source = source == null ? UNKNOWN : source;
    Bucket bucket = sources.get(source);
    long waitNanos = bucket == null ? 0 : bucket.waitNanos(nanoTime.getAsLong(), max, drainPerNano);
    if (waitNanos > 0) {
      long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
      throw AccessDenied.rateLimited("too many failed authentications from " + source + "; retry after " + seconds
          + " s", seconds);
    }
  }

  /** Counts one failed authentication from {@code source}. */
  public void record(String source) {
    if (max == 0) {
      return;
    }
    source = source == null ? UNKNOWN : source;
    long now = nanoTime.getAsLong();
    if (sources.size() > SWEEP_ABOVE) {
      sources.values().removeIf(b -> b.drained(now, drainPerNano));
    }
    sources.computeIfAbsent(source, s -> new Bucket(now)).fill(now, max, drainPerNano);
  }

  private static final class Bucket {
    private double level;
    private long drainedAt;

    Bucket(long now) {
      this.drainedAt = now;
    }

    private void drain(long now, double drainPerNano) {
      level = Math.max(0, level - (now - drainedAt) * drainPerNano);
      drainedAt = now;
    }

    synchronized void fill(long now, int max, double drainPerNano) {
      drain(now, drainPerNano);
      level = Math.min(max, level + 1);
    }

    /** 0 while another failure fits, else the nanoseconds until one unit has drained. */
    synchronized long waitNanos(long now, int max, double drainPerNano) {
      drain(now, drainPerNano);
      return level <= max - 1 ? 0 : (long) Math.ceil((level - (max - 1)) / drainPerNano);
    }

    synchronized boolean drained(long now, double drainPerNano) {
      drain(now, drainPerNano);
      return level == 0;
    }
  }
}
