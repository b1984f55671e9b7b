package dev.pier.tracking;

/** One logged value of a run's metric; {@code timestamp} in epoch milliseconds. */
public record Metric(String key, double value, long timestamp, long step) {

  /** Whether this value supersedes {@code other} as the latest: higher step, then later timestamp, then larger. */
  public boolean after(Metric other) {
    if (step != other.step) {
      return step > other.step;
    }
    if (timestamp != other.timestamp) {
      return timestamp > other.timestamp;
    }
    return Double.compare(value, other.value) >= 0;
  }
}
