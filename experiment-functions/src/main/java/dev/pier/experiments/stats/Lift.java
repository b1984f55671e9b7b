package dev.pier.experiments.stats;

/**
 * A treatment compared with control: the absolute lift (difference of means) and the relative lift (difference over
 * the control mean), each with its interval, and the two-sided p-value of "no difference". For a sequential test the
 * intervals are confidence sequences and the p-value is always valid.
 */
public record Lift(double absolute, Interval absoluteInterval, double relative, Interval relativeInterval,
                   double pValue) {}
