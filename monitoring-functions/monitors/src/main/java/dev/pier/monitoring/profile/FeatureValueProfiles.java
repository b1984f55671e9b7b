package dev.pier.monitoring.profile;

import dev.pier.features.FeatureProfiles;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The feature store's value profiles as {@link ColumnProfile}s (DataSketches KLL quantiles, HLL distinct count):
 * exact counts, min, max and mean; quantiles within {@link ColumnProfile#rankError()}; distinct values within HLL's
 * error. Materialization builds one per feature and chunk, merges them per view when a job finishes, and the
 * discovery API summarizes them.
 */
public final class FeatureValueProfiles implements FeatureProfiles {
  /** The quantiles the discovery API answers. */
  static final double[] QUANTILES = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};

  @Override
  public Profile newProfile() {
    ColumnProfile p = new ColumnProfile();
    return new Profile() {
      @Override
      public void update(Object value) {
        p.update(value);
      }

      @Override
      public byte[] toBytes() {
        return p.toBytes();
      }
    };
  }

  @Override
  public byte[] merge(List<byte[]> parts) {
    ColumnProfile all = new ColumnProfile();
    for (byte[] part : parts) {
      all.merge(ColumnProfile.fromBytes(part));
    }
    return all.toBytes();
  }

  @Override
  public Map<String, Object> summarize(byte[] profile, long rows, long nulls) {
    ColumnProfile p = ColumnProfile.fromBytes(profile);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("count", rows);
    out.put("nulls", nulls);
    out.put("null_rate", rows == 0 ? 0.0 : (double) nulls / rows);
    if (p.numericCount() > 0) {
      out.put("min", p.min());
      out.put("max", p.max());
      out.put("mean", p.mean());
      Map<String, Double> q = new LinkedHashMap<>();
      for (double x : QUANTILES) {
        q.put(Double.toString(x), p.quantile(x));
      }
      out.put("quantiles", q);
      out.put("quantile_rank_error", p.rankError());
    }
    out.put("distinct", Math.round(p.distinctEstimate()));
    return out;
  }
}
