package dev.pier.endpoints;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Stops calling a service that keeps failing: after {@code threshold} failures in a row the breaker opens and every
 * call is refused at once for {@code openFor}; then one trial call is let through (half-open), which closes the breaker
 * when it succeeds and opens it again when it fails. Failures are what the caller says they are (here: the service
 * could not be reached, timed out or answered 502/503/504 — never a 4xx, which is the request's fault). Thread-safe.
 */
public final class CircuitBreaker {
  private final int threshold;
  private final Duration openFor;
  private final Clock clock;
  private int failures;
  private Instant openUntil;
  private boolean trialOut;

  public CircuitBreaker(int threshold, Duration openFor, Clock clock) {
    if (threshold < 1) {
      throw new IllegalArgumentException("the circuit breaker's threshold must be at least 1, got " + threshold);
    }
    this.threshold = threshold;
    this.openFor = openFor;
    this.clock = clock;
  }

  /**
   * Whether a call may go now; when it may not, how long until one may ({@link #retryAfter}). After the open time one
   * caller gets the trial call; the others are refused until it reports.
   */
  public synchronized boolean allow() {
    if (openUntil == null) {
      return true;
    }
    if (clock.instant().isBefore(openUntil) || trialOut) {
      return false;
    }
    trialOut = true;
    return true;
  }

  /** How long a refused caller should wait before trying again (at least one second). */
  public synchronized Duration retryAfter() {
    if (openUntil == null) {
      return Duration.ZERO;
    }
    Duration left = Duration.between(clock.instant(), openUntil);
    return left.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : left;
  }

  public synchronized void succeeded() {
    failures = 0;
    openUntil = null;
    trialOut = false;
  }

  public synchronized void failed() {
    failures++;
    if (trialOut || failures >= threshold) {
      openUntil = clock.instant().plus(openFor);
      trialOut = false;
    }
  }

  /** Whether calls are being refused now. */
  public synchronized boolean open() {
    return openUntil != null && (clock.instant().isBefore(openUntil) || trialOut);
  }
}
