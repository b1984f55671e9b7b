package dev.pier.endpoints.server;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A Prometheus histogram with fixed upper bounds: lock-free counts per bucket, written in the text format. */
final class Histogram {
  private final double[] bounds;
  private final LongAdder[] counts;
  private final LongAdder count = new LongAdder();
  private final DoubleAdder sum = new DoubleAdder();

  Histogram(double... bounds) {
    this.bounds = bounds.clone();
    this.counts = new LongAdder[bounds.length];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  void observe(double value) {
    for (int i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        counts[i].increment();
        break;
      }
    }
    count.increment();
    sum.add(value);
  }

  long count() {
    return count.sum();
  }

  double sum() {
    return sum.sum();
  }

  /** Appends the histogram as {@code name_bucket{...,le="x"}}, {@code name_sum}, {@code name_count}. */
  void write(StringBuilder out, String name, String help, String labels) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" histogram\n");
    String prefix = labels.isEmpty() ? "" : labels + ",";
    long cumulative = 0;
    for (int i = 0; i < bounds.length; i++) {
      cumulative += counts[i].sum();
      out.append(name).append("_bucket{").append(prefix).append("le=\"").append(format(bounds[i])).append("\"} ")
          .append(cumulative).append('\n');
    }
    long total = count.sum();
    out.append(name).append("_bucket{").append(prefix).append("le=\"+Inf\"} ").append(total).append('\n');
    String braces = labels.isEmpty() ? "" : "{" + labels + "}";
    out.append(name).append("_sum").append(braces).append(' ').append(sum.sum()).append('\n');
    out.append(name).append("_count").append(braces).append(' ').append(total).append('\n');
  }

  private static String format(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }
}
