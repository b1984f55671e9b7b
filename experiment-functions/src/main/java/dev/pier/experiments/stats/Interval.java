package dev.pier.experiments.stats;

/** A closed interval {@code [lower, upper]}: a confidence interval, confidence sequence or credible interval. */
public record Interval(double lower, double upper) {

  public boolean contains(double value) {
    return lower <= value && value <= upper;
  }

  /** True when the interval lies wholly above or wholly below zero. */
  public boolean excludesZero() {
    return lower > 0 || upper < 0;
  }

  public double width() {
    return upper - lower;
  }
}
