package dev.pier.features;

import java.util.List;
import java.util.Map;

/**
 * Value profiles of materialized features (count, nulls, min, max, mean, quantiles, distinct estimate), built per
 * chunk while materialization writes it, kept as mergeable bytes, merged per view when a job finishes and summarized
 * for the discovery API. The sketches live where DataSketches is (the monitoring module, JDK 25); without it, {@link
 * #NONE}: nothing is profiled.
 */
public interface FeatureProfiles {
  FeatureProfiles NONE = new FeatureProfiles() {
    @Override
    public Profile newProfile() {
      return null;
    }

    @Override
    public byte[] merge(List<byte[]> parts) {
      throw new UnsupportedOperationException("no profiles");
    }

    @Override
    public Map<String, Object> summarize(byte[] profile, long rows, long nulls) {
      throw new UnsupportedOperationException("no profiles");
    }
  };

  /** One feature's values of one chunk; nulls are counted by the caller. */
  interface Profile {
    void update(Object value);

    byte[] toBytes();
  }

  /** A new, empty profile; null when profiles are off. */
  Profile newProfile();

  /** The profile of all the parts' values. */
  byte[] merge(List<byte[]> parts);

  /**
   * What the discovery API answers for a feature: {@code count} (rows), {@code nulls}, {@code null_rate}, and for
   * values present {@code min}, {@code max}, {@code mean}, {@code quantiles} (numbers) and {@code distinct} (an
   * estimate).
   */
  Map<String, Object> summarize(byte[] profile, long rows, long nulls);
}
