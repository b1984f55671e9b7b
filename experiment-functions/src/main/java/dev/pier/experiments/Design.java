package dev.pier.experiments;

/**
 * The design the sample size comes from: two-sided level {@code alpha}, {@code power} to detect a relative lift of
 * {@code mde} on the primary metric, whose {@code baseline} is a rate (binary) or a mean (continuous, with
 * {@code baselineSd}). {@code dailyUnits}, when given, is the traffic the expected duration is computed at.
 */
public record Design(double alpha, double power, double mde, double baseline, Double baselineSd, Long dailyUnits) {}
