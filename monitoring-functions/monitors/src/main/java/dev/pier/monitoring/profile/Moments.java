package dev.pier.monitoring.profile;

import java.io.DataOutput;
import java.io.IOException;

/**
 * Count, min, max, mean and variance of a stream of numbers, mergeable: two accumulators built on two halves of a
 * stream merge into the one built on the whole (Chan, Golub and LeVeque's pairwise update), so hourly and per-server
 * profiles combine without the raw values. Numerically stable (Welford's update, no running sum of squares).
 *
 * <p>Not thread-safe: one writer at a time, as {@link ColumnProfile} is.
 */
public final class Moments {
  private long count;
  private double mean;
  private double m2; // sum of squared deviations from the mean
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;

  public void add(double x) {
    count++;
    double delta = x - mean;
    mean += delta / count;
    m2 += delta * (x - mean);
    if (x < min) {
      min = x;
    }
    if (x > max) {
      max = x;
    }
  }

  public void merge(Moments other) {
    if (other.count == 0) {
      return;
    }
    if (count == 0) {
      count = other.count;
      mean = other.mean;
      m2 = other.m2;
      min = other.min;
      max = other.max;
      return;
    }
    long n = count + other.count;
    double delta = other.mean - mean;
    mean += delta * other.count / n;
    m2 += other.m2 + delta * delta * ((double) count * other.count / n);
    count = n;
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
  }

  public long count() {
    return count;
  }

  /** The mean, or NaN when empty. */
  public double mean() {
    return count == 0 ? Double.NaN : mean;
  }

  /** Population variance (divides by n, as NumPy's {@code var} and Evidently's normalisation do); NaN when empty. */
  public double variance() {
    return count == 0 ? Double.NaN : m2 / count;
  }

  /** Sample variance (divides by n - 1, as pandas' {@code var}); NaN below two values. */
  public double sampleVariance() {
    return count < 2 ? Double.NaN : m2 / (count - 1);
  }

  /** Population standard deviation. */
  public double std() {
    return Math.sqrt(variance());
  }

  public double min() {
    return count == 0 ? Double.NaN : min;
  }

  public double max() {
    return count == 0 ? Double.NaN : max;
  }

  void write(DataOutput out) throws IOException {
    out.writeLong(count);
    out.writeDouble(mean);
    out.writeDouble(m2);
    out.writeDouble(min);
    out.writeDouble(max);
  }

  static Moments read(ByteCursor in) throws IOException {
    Moments m = new Moments();
    m.count = in.readLong();
    m.mean = in.readDouble();
    m.m2 = in.readDouble();
    m.min = in.readDouble();
    m.max = in.readDouble();
    return m;
  }
}
