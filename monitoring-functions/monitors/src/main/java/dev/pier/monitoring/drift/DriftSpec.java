package dev.pier.monitoring.drift;

/**
 * How one column is tested: a method and a threshold, each null for Evidently's default (method by reference size,
 * column type and distinct values; 0.05 for tests, 0.1 for distances).
 */
public record DriftSpec(DriftMethod method, Double threshold) {
  public static final DriftSpec DEFAULT = new DriftSpec(null, null);

  public DriftSpec {
    if (threshold != null && !(threshold > 0)) {
      throw new IllegalArgumentException("drift threshold must be a positive number, got " + threshold);
    }
  }

  DriftMethod methodOr(DriftMethod fallback) {
    return method == null ? fallback : method;
  }

  double thresholdFor(DriftMethod m) {
    return threshold == null ? m.defaultThreshold() : threshold;
  }
}
