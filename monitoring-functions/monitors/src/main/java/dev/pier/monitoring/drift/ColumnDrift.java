package dev.pier.monitoring.drift;

/**
 * One column's drift: the method, its statistic (KS's D, chi-squared, z, or the distance), the p-value for tests
 * (NaN for distances), the threshold, and whether it drifted.
 *
 * <p>{@code errorBound} is 0 when computed exactly from the values. From sketches it bounds the error of
 * {@code errorOf}: {@code "statistic"} (KS's D and the normed Wasserstein distance, at KLL's 99% confidence),
 * {@code "bin_share"} (each histogram bin's or category's share, for Jensen-Shannon, PSI and KL) or
 * {@code "category_count"} (chi-squared and z from frequencies that are not exact).
 */
public record ColumnDrift(
    DriftMethod method, double statistic, double pValue, double threshold, boolean drifted,
    double errorBound, String errorOf) {

  static ColumnDrift exact(DriftMethod method, double statistic, double pValue, double threshold) {
    double score = method.isTest() ? pValue : statistic;
    return new ColumnDrift(method, statistic, pValue, threshold, method.drifted(score, threshold), 0, null);
  }

  ColumnDrift withError(double bound, String of) {
    return new ColumnDrift(method, statistic, pValue, threshold, drifted, bound, bound > 0 ? of : null);
  }
}
