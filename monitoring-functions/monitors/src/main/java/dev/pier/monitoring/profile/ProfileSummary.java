package dev.pier.monitoring.profile;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code GET /api/v1/profiles/{model}/{version}} shows of one hour's merged profile: rows, and per column its
 * kind, counts, moments, quantiles (from the KLL sketch, ranks within {@code rank_error}) and most frequent values.
 */
public record ProfileSummary(Instant hour, long rows, Map<String, Column> inputs, Map<String, Column> outputs) {
  private static final int TOP = 10;

  /**
   * @param top up to ten most frequent values with their counts (categories, or numbers while they are few)
   */
  public record Column(String kind, long count, long nulls, double distinct, Double mean, Double std, Double min,
      Double max, Map<String, Double> quantiles, double rankError, Map<String, Long> top) {
  }

  public static ProfileSummary of(Instant hour, CaptureProfile profile) {
    return new ProfileSummary(hour, profile.rows(), columns(profile.inputs()), columns(profile.outputs()));
  }

  private static Map<String, Column> columns(DataProfile profile) {
    Map<String, Column> out = new TreeMap<>();
    profile.columns().forEach((name, c) -> {
      boolean numbers = c.numericCount() > 0;
      Map<String, Double> quantiles = new LinkedHashMap<>();
      if (numbers) {
        for (double q : new double[] {0.05, 0.25, 0.5, 0.75, 0.95}) {
          quantiles.put("p" + Math.round(q * 100), c.quantile(q));
        }
      }
      Map<String, Long> top = new LinkedHashMap<>();
      c.frequencies().entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(TOP)
          .forEach(e -> top.put(String.valueOf(e.getKey()), e.getValue()));
      out.put(name, new Column(c.kind().name().toLowerCase(), c.count(), profile.nulls(name), c.distinctEstimate(),
          numbers ? c.mean() : null, numbers ? c.std() : null, numbers ? c.min() : null, numbers ? c.max() : null,
          quantiles, numbers ? c.rankError() : 0, top));
    });
    return out;
  }
}
