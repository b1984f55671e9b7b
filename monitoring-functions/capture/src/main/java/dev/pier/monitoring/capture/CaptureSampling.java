package dev.pier.monitoring.capture;

/**
 * Which requests a version captures at its sample rate ({@code "capture": {"sample_rate": 0.1}}): decided by the
 * request id's hash, so all rows of one request are captured or none, and a retried request decides the same way.
 * Immutable, thread-safe.
 */
public record CaptureSampling(double sampleRate) {
  public static final CaptureSampling OFF = new CaptureSampling(0);
  public static final CaptureSampling ALL = new CaptureSampling(1);

  public CaptureSampling {
    if (!(sampleRate >= 0 && sampleRate <= 1)) {
      throw new IllegalArgumentException("capture.sample_rate must be between 0 and 1, got " + sampleRate);
    }
  }

  public boolean captures(String requestId) {
    if (sampleRate >= 1) {
      return true;
    }
    if (sampleRate <= 0) {
      return false;
    }
    long h = requestId.hashCode() * 0x9E3779B97F4A7C15L; // spread String's hash over 64 bits (Fibonacci hashing)
    double u = (h >>> 11) * 0x1.0p-53;
    return u < sampleRate;
  }
}
