package dev.pier.monitoring.drift;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The drift tests and distances Pier computes, by the names Evidently gives them. Tests ({@link #isTest()}) flag drift
 * when their p-value is below the threshold; distances when the distance is at or above it.
 */
public enum DriftMethod {
  /** Two-sample Kolmogorov-Smirnov test (SciPy's {@code ks_2samp}). */
  KS("ks", true, 0.05),
  /** Chi-squared test of homogeneity on the two samples' category counts (SciPy's {@code chi2_contingency}). */
  CHI_SQUARE("chisquare", true, 0.05),
  /** Two-proportion z-test, two-sided, for binary columns (Evidently's {@code z}). */
  Z("z", true, 0.05),
  /** Wasserstein-1 distance divided by the reference's standard deviation (at least 0.001). */
  WASSERSTEIN("wasserstein", false, 0.1),
  /** Jensen-Shannon distance (natural log) of the two samples' category shares or 30-bin histograms. */
  JENSEN_SHANNON("jensenshannon", false, 0.1),
  /** Population stability index of the shares, zero shares smoothed to 0.0001. */
  PSI("psi", false, 0.1),
  /** Kullback-Leibler divergence of reference from current shares, zero shares smoothed to 0.0001. */
  KL("kl_div", false, 0.1);

  /** Evidently's default: references up to this many rows get statistical tests, larger ones distances. */
  public static final long SMALL_REFERENCE_ROWS = 1_000;
  /** Evidently's default: numeric columns with at most this many distinct values are treated as categories. */
  public static final long FEW_VALUES = 5;

  private final String wireName;
  private final boolean test;
  private final double defaultThreshold;

  DriftMethod(String wireName, boolean test, double defaultThreshold) {
    this.wireName = wireName;
    this.test = test;
    this.defaultThreshold = defaultThreshold;
  }

  /** The name in monitor definitions and run results ({@code "ks"}, {@code "jensenshannon"}, …). */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** Whether this is a statistical test (drift when p &lt; threshold) rather than a distance (drift when ≥). */
  public boolean isTest() {
    return test;
  }

  public double defaultThreshold() {
    return defaultThreshold;
  }

  /** Whether a p-value (tests) or a distance (the others) means drift at the given threshold. */
  public boolean drifted(double score, double threshold) {
    return test ? score < threshold : score >= threshold;
  }

  /** The method of that name; IllegalArgumentException naming the valid ones otherwise. */
  public static DriftMethod byName(String name) {
    for (DriftMethod m : values()) {
      if (m.wireName.equals(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown drift method '" + name + "'; one of "
        + Arrays.stream(values()).map(DriftMethod::wireName).collect(Collectors.joining(", ")));
  }

  /**
   * Evidently's default choice: for a reference of at most 1,000 rows, KS for numeric columns with more than 5
   * distinct values, chi-squared for numeric columns with 5 or fewer and for categorical ones, the z-test for
   * categorical columns with at most 2 values; for larger references, Wasserstein for numeric columns with more than 5
   * distinct values, Jensen-Shannon for the rest.
   *
   * @param referenceRows the reference's non-null values in the column
   * @param distinctValues distinct non-null values in reference and current together
   */
  public static DriftMethod evidentlyDefault(long referenceRows, ColumnType type, long distinctValues) {
    boolean manyValuedNumber = type == ColumnType.NUMERIC && distinctValues > FEW_VALUES;
    if (referenceRows <= SMALL_REFERENCE_ROWS) {
      if (manyValuedNumber) {
        return KS;
      }
      return type == ColumnType.CATEGORICAL && distinctValues <= 2 ? Z : CHI_SQUARE;
    }
    return manyValuedNumber ? WASSERSTEIN : JENSEN_SHANNON;
  }
}
