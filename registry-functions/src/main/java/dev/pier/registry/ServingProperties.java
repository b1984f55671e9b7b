package dev.pier.registry;

/**
 * Version properties that the prediction pipeline's stages read (from memory, one map lookup per call), set from
 * their own registration fields and never through {@code properties} directly.
 */
public final class ServingProperties {
  /** {@code metadata.feature_service}: the feature service whose features the FEATURES stage looks up online. */
  public static final String FEATURE_SERVICE = "pier.feature-service";
  /**
   * {@code metadata.capture.sample_rate} (at registration, or {@code PATCH {"capture": {"sample_rate": r}}}): the share
   * of requests the CAPTURE stage hands to monitoring, 0 to 1; absent or 0 means capture is off.
   */
  public static final String CAPTURE_SAMPLE_RATE = "pier.capture.sample-rate";

  /**
   * Lineage, set at registration for a version with a feature service: the version of each feature view (and
   * on-demand view) the service read at that moment, {@code driver_hourly_stats@3,driver_ratios@1}.
   */
  public static final String FEATURE_VIEW_VERSIONS = "pier.feature-view-versions";

  private ServingProperties() {}
}
