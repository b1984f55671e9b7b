package dev.pier.endpoints.server;

import java.util.Arrays;

/** The request latencies of the current tuning window (the most recent {@code capacity} of them). */
final class LatencyWindow {
  private final long[] values;
  private int size;
  private int next;
  private long count;

  LatencyWindow(int capacity) {
    this.values = new long[capacity];
  }

  synchronized void add(long nanos) {
    values[next] = nanos;
    next = (next + 1) % values.length;
    size = Math.min(size + 1, values.length);
    count++;
  }

  /** The window's requests and p95 latency (ms), and starts a new window. */
  synchronized Snapshot drain() {
    long[] copy = Arrays.copyOf(values, size);
    long n = count;
    size = 0;
    next = 0;
    count = 0;
    if (copy.length == 0) {
      return new Snapshot(0, 0);
    }
    Arrays.sort(copy);
    int rank = (int) Math.ceil(0.95 * copy.length) - 1;
    return new Snapshot(n, copy[Math.max(rank, 0)] / 1e6);
  }

  record Snapshot(long requests, double p95Millis) {}
}
